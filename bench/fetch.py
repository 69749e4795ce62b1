"""Upstream fetch benchmark, part 1: one cold fetch of a busy Mastodon account.

    python bench/fetch.py [--posts 400] [--days 90] [--rounds 3]

Starts the fake Mastodon from ``tests/fake_upstreams.py`` (a real HTTP server on 127.0.0.1,
nothing leaves the machine) with an account that has ``--posts`` posts spread over ``--days``
days, runs ``fetch_mastodon`` once per round with a fresh client (cold connections) and prints
the number of upstream requests (as the fake counted them, per endpoint) and the wall time.
With the defaults the fetch is bounded by ``max_pages=10`` pages of 40 statuses plus up to
2 x ``engaged_posts`` engager lists: at most 1 + 10 + 20 = 31 requests.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fake_upstreams import NOW, FakeMastodon  # noqa: E402
from widget.sources.http import UpstreamClient  # noqa: E402
from widget.sources.mastodon import fetch_mastodon  # noqa: E402


def cold_fetch_figures(posts: int = 400, days: int = 90, rounds: int = 3) -> dict:
    """Fetch an account with ``posts`` posts over ``days`` days from the fake Mastodon,
    ``rounds`` times with a fresh client each; returns the figures (requests, wall times)."""
    walls = []
    with FakeMastodon(now=NOW) as fake:
        fake.add_account("alice", posts=posts, days=days, seed=2008)
        for _ in range(rounds):
            fake.reset_counts()
            client = UpstreamClient(allow_loopback=True)
            t0 = time.perf_counter()
            acct = fetch_mastodon(client, fake.handle("alice"), now=NOW)
            walls.append(time.perf_counter() - t0)
            client.close()
        by_endpoint: dict[str, int] = {}
        for path, n in fake.counts.items():
            key = ("statuses/:id/" + path.rsplit("/", 1)[1] if path.startswith("/api/v1/statuses/")
                   else "accounts/:id/statuses" if path.endswith("/statuses")
                   else path.removeprefix("/api/v1/"))
            by_endpoint[key] = by_endpoint.get(key, 0) + n
        return {
            "posts_upstream": posts, "days": days, "rounds": rounds,
            "requests": fake.total, "requests_by_endpoint": by_endpoint,
            "connector_requests": acct.requests, "posts": len(acct.posts),
            "engagements": len(acct.engagements), "complete": acct.complete,
            "estimated": acct.estimated,
            "wall_s_median": statistics.median(walls), "wall_s_min": min(walls),
            "wall_s_max": max(walls),
        }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=400)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    f = cold_fetch_figures(args.posts, args.days, args.rounds)
    print(f"cold fetch_mastodon: {f['posts_upstream']} posts over {f['days']} days "
          f"(fake Mastodon on 127.0.0.1, {f['rounds']} rounds, fresh client each)")
    print(f"  upstream requests: {f['requests']} "
          f"({', '.join(f'{k} {v}' for k, v in sorted(f['requests_by_endpoint'].items()))})")
    print(f"  fetched: {f['posts']} posts, {f['engagements']} engagements, "
          f"complete={f['complete']}, estimated={','.join(f['estimated']) or '-'}")
    print(f"  wall time: median {f['wall_s_median'] * 1000:.0f} ms "
          f"(min {f['wall_s_min'] * 1000:.0f}, max {f['wall_s_max'] * 1000:.0f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
