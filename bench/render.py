"""Rendering benchmark: uncached badge renders per second, ours next to pybadges and badge-maker.

    python bench/render.py [--seconds 1.0]

Every figure is the best of three rounds of ``--seconds / 3`` each, cycling through 100
different scores so nothing is rendered twice in a row. pybadges (``pip install pybadges``) and
shields.io's badge-maker (``npm install --prefix bench``, run with ``node``) are benchmark-only
extras: each is skipped with a note when it is not installed. Goals on this 2-core machine:
>= 30,000 flat SVG renders/s and >= 3,000 flat PNG renders/s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from widget.records import COMPONENTS, Component, ScoreRecord, Topic  # noqa: E402
from widget.render import BadgeParams, render_png, render_svg  # noqa: E402
from widget.render.colors import band_color  # noqa: E402

GOALS = {("influence-widget", "svg", "flat"): 30_000, ("influence-widget", "png", "flat"): 3_000}


def records() -> list[ScoreRecord]:
    """100 records, scores 1-100, with topics and 90 days of history (for card/sparkline)."""
    day = date(2024, 5, 1)
    out = []
    for score in range(1, 101):
        out.append(
            ScoreRecord(
                id="local:jessica",
                network="local",
                handle="jessica",
                display_name="Jessica Example",
                score=score,
                score_exact=float(score),
                components={
                    k: Component(max(1, score - 5 * i), 0.0, 1 / 3)
                    for i, k in enumerate(COMPONENTS)
                },
                deltas={"day": 0.0, "week": 0.0, "month": 0.0},
                explanation=(),
                topics=(
                    Topic("wine", "Wine", 100.0),
                    Topic("travel", "Travel", 60.0),
                    Topic("art", "Art", 30.0),
                ),
                provisional=False,
                stale=False,
                day=day,
                updated_at=datetime(2024, 5, 1, tzinfo=UTC),
                history=tuple(
                    (day - timedelta(days=89 - i), score + (i % 9) / 3) for i in range(90)
                ),
            )
        )
    return out


def rate(render, items: list, seconds: float) -> float:
    """Best of three rounds, renders per second."""
    render(items[0])
    best = 0.0
    for _ in range(3):
        n, start = 0, time.perf_counter()
        end = start + seconds / 3
        while time.perf_counter() < end:
            for item in items[:50]:
                render(item)
            for item in items[50:]:
                render(item)
            n += len(items)
        best = max(best, n / (time.perf_counter() - start))
    return best


def ours(seconds: float) -> list[tuple[str, str, str, float]]:
    items = records()
    rows = []
    for style in ("flat", "card", "sparkline"):
        p = BadgeParams(style=style)
        rows.append(
            (
                "influence-widget",
                "svg",
                style,
                rate(lambda r, p=p: render_svg(r, p), items, seconds),
            )
        )
    for style in ("flat", "card"):
        p = BadgeParams(style=style)
        rows.append(
            (
                "influence-widget",
                "png",
                style,
                rate(lambda r, p=p: render_png(r, p), items, seconds),
            )
        )
    p2 = BadgeParams(scale=2)
    rows.append(
        ("influence-widget", "png", "flat @2x", rate(lambda r: render_png(r, p2), items, seconds))
    )
    return rows


def pybadges_rows(seconds: float) -> tuple[list, str | None]:
    from importlib.metadata import version

    try:
        import pybadges
    except ImportError:
        return [], "pybadges not installed (pip install pybadges): skipped"
    args = [(str(s), band_color(s)) for s in range(1, 101)]
    flat = rate(
        lambda a: pybadges.badge(left_text="influence", right_text=a[0], right_color=a[1]),
        args,
        seconds,
    )
    return [(f"pybadges {version('pybadges')}", "svg", "flat", flat)], None


def badge_maker_rows(seconds: float) -> tuple[list, str | None]:
    script = ROOT / "bench" / "badge-maker-bench.mjs"
    if shutil.which("node") is None:
        return [], "node not found: badge-maker skipped"
    if not (ROOT / "bench" / "node_modules" / "badge-maker").exists():
        return [], "badge-maker not installed (npm install --prefix bench): skipped"
    command = ["node", str(script), str(seconds)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60 + 10 * seconds)
    if done.returncode != 0:
        return [], f"badge-maker bench failed: {done.stderr.strip()[:200]}"
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return [(f"badge-maker {result['version']} (node)", "svg", "flat", float(result["flat"]))], None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="uncached badge renders per second")
    parser.add_argument(
        "--seconds", type=float, default=1.0, help="time per measurement (default 1.0)"
    )
    args = parser.parse_args(argv)
    rows = ours(args.seconds)
    notes = []
    for extra in (pybadges_rows, badge_maker_rows):
        more, note = extra(args.seconds)
        rows += more
        if note:
            notes.append(note)
    ours_flat_svg = rows[0][3]
    print(f"{'renderer':<28} {'format':<6} {'badge':<10} {'renders/s':>11}  {'ours/this':>9}  goal")
    for name, fmt, style, value in rows:
        compared = fmt == "svg" and style == "flat" and not name.startswith("influence")
        ratio = f"{ours_flat_svg / value:8.2f}x" if compared else ""
        goal = GOALS.get((name, fmt, style))
        verdict = "" if goal is None else (f">= {goal:,}: {'met' if value >= goal else 'MISSED'}")
        print(f"{name:<28} {fmt:<6} {style:<10} {value:>11,.0f}  {ratio:>9}  {verdict}")
    for note in notes:
        print(f"note: {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
