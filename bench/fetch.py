"""Upstream fetch benchmark: one cold fetch of a busy Mastodon account, and 50 concurrent
cold requests for one account through the whole service (single-flight).

    python bench/fetch.py [--posts 400] [--days 90] [--rounds 3] [--concurrent 50]

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
            key = (
                "statuses/:id/" + path.rsplit("/", 1)[1]
                if path.startswith("/api/v1/statuses/")
                else "accounts/:id/statuses"
                if path.endswith("/statuses")
                else path.removeprefix("/api/v1/")
            )
            by_endpoint[key] = by_endpoint.get(key, 0) + n
        return {
            "posts_upstream": posts,
            "days": days,
            "rounds": rounds,
            "requests": fake.total,
            "requests_by_endpoint": by_endpoint,
            "connector_requests": acct.requests,
            "posts": len(acct.posts),
            "engagements": len(acct.engagements),
            "complete": acct.complete,
            "estimated": acct.estimated,
            "wall_s_median": statistics.median(walls),
            "wall_s_min": min(walls),
            "wall_s_max": max(walls),
        }


def single_flight_figures(concurrent: int = 50, posts: int = 400) -> dict:
    """``concurrent`` simultaneous cold requests (badge and JSON) for one Mastodon account
    through the service, on a temporary SQLite store; counts the upstream fetches."""
    import tempfile
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from widget import create_app

    with tempfile.TemporaryDirectory() as tmp, FakeMastodon() as fake:
        fake.add_account("alice", posts=posts, days=90, seed=2008)
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
                "SEED_DEMO": False,
                "INSTANCE_PATH": tmp,
                "RATE_LIMIT_ENABLED": False,
                "UPSTREAM_ALLOW_LOOPBACK": {"mastodon.test": fake.host},
                "FETCH_WAIT_SECONDS": 30,
            }
        )
        barrier = threading.Barrier(concurrent)

        def one(i):
            client = app.test_client()
            barrier.wait()
            url = (
                "/badge/mastodon:alice@mastodon.test.svg"
                if i % 2
                else "/api/v1/accounts/mastodon:alice@mastodon.test"
            )
            return client.get(url).status_code

        t0 = time.perf_counter()
        with ThreadPoolExecutor(concurrent) as pool:
            codes = list(pool.map(one, range(concurrent)))
        wall = time.perf_counter() - t0
        fetcher = app.extensions["widget"].fetcher
        figures = {
            "requests": concurrent,
            "statuses": {c: codes.count(c) for c in set(codes)},
            "fetches": fetcher.fetches,
            "lookups": fake.hits("/lookup"),
            "upstream_requests": fake.total,
            "wall_s": wall,
        }
        app.extensions["widget"].close()
        return figures


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=400)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrent", type=int, default=50)
    args = ap.parse_args(argv)
    f = cold_fetch_figures(args.posts, args.days, args.rounds)
    print(
        f"cold fetch_mastodon: {f['posts_upstream']} posts over {f['days']} days "
        f"(fake Mastodon on 127.0.0.1, {f['rounds']} rounds, fresh client each)"
    )
    print(
        f"  upstream requests: {f['requests']} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(f['requests_by_endpoint'].items()))})"
    )
    print(
        f"  fetched: {f['posts']} posts, {f['engagements']} engagements, "
        f"complete={f['complete']}, estimated={','.join(f['estimated']) or '-'}"
    )
    print(
        f"  wall time: median {f['wall_s_median'] * 1000:.0f} ms "
        f"(min {f['wall_s_min'] * 1000:.0f}, max {f['wall_s_max'] * 1000:.0f})"
    )
    g = single_flight_figures(args.concurrent, args.posts)
    print(
        f"{g['requests']} concurrent cold requests for one account through the service "
        f"(fetch, store, score): statuses {g['statuses']}, upstream fetches {g['fetches']} "
        f"(account lookups {g['lookups']}, upstream requests {g['upstream_requests']}), "
        f"wall {g['wall_s']:.2f} s   goal: exactly 1 fetch -> "
        f"{'MET' if g['fetches'] == 1 and g['lookups'] == 1 else 'NOT MET'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
