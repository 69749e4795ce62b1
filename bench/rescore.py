"""Rescore benchmark: demo communities of N reactions (50 per account), and on each, in a fresh
process whose peak RSS is measured: a full recompute of yesterday (which stores the state),
the daily run of today (continuing from it), and optionally the same full recompute on Dask
and on Spark local clusters.

    python bench/rescore.py --reactions 1000000 3000000 10000000 [--engines dask spark]
                            [--store-dir DIR] [--workers 2] [--repeat 3]

Prints wall time, peak RSS and bytes of peak RSS per reaction read, the CPU seconds the run
spent in its own code (user) and in the kernel (system: here mostly zeroing memory touched for
the first time, which this VM's host hands out slowly), and each one's ratio to the first
(smallest) N. The disk is synced before each run (untimed), and the daily run is the day's
first (rows of today an earlier run left are deleted first, untimed). The daily run is
measured --repeat times, each in a fresh process, and its figures are the medians (the
fastest and slowest wall time beside them): on a shared machine one run of a couple of
seconds swings by a third, and the ratios are only as steady as their smallest figure.
Goals on a 2-core machine: the daily run <= 3 s at 1 M reactions, <= 30 s and <= 3 GB at
10 M, growing at most linearly.
With --store-dir the communities are kept and reused (building 10 M took 17 minutes here).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, os, resource, sys, time
from datetime import date, timedelta
import scipy.sparse  # PageRank's, imported on first use: loaded before the clock, as numpy is
from widget.service.rescore import rescore
from widget.store import make_engine
from widget.store.schema import score_snapshots

def main():
    url, day, mode = sys.argv[1], date.fromisoformat(sys.argv[2]), sys.argv[3]
    workers = int(sys.argv[4])
    engine = make_engine(url)
    if mode == "daily":
        # The day's first run, as on a new store: rows of today that an earlier benchmark
        # run left are deleted first (untimed); a run again the same day replaces them.
        with engine.begin() as conn:
            conn.execute(score_snapshots.delete().where(score_snapshots.c.day == day))
        os.sync()
    t0 = time.monotonic()
    if mode == "full":
        s = rescore(engine, day - timedelta(days=1), full=True)
    elif mode == "daily":
        s = rescore(engine, day)
    else:
        s = rescore(engine, day, on=mode, workers=workers)
    wall = time.monotonic() - t0
    own, children = (resource.getrusage(w) for w in (resource.RUSAGE_SELF,
                                                    resource.RUSAGE_CHILDREN))
    peak = max(own.ru_maxrss, children.ru_maxrss) * 1024
    print("RESULT " + json.dumps({"line": s.line(), "wall": wall, "peak": peak,
                                  "user": own.ru_utime + children.ru_utime,
                                  "system": own.ru_stime + children.ru_stime,
                                  "reactions": s.reactions}))

if __name__ == "__main__":
    main()
"""
BUILD = """
import json, sys
from datetime import UTC, datetime
from pathlib import Path
from widget.sources.demo import build_demo
from widget.store import make_engine

url, n, meta = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
engine = make_engine(url)
now = datetime.now(UTC)
# The generator lands a few percent under its target.
print("  " + build_demo(engine, accounts=max(n // 50, 50), reactions=int(n * 1.06), now=now).line(),
      file=sys.stderr)
engine.dispose()
meta.write_text(json.dumps({"as_of": now.date().isoformat()}))
"""
LABELS = {
    "full": "full recompute (yesterday)",
    "daily": "daily run (today)",
    "dask": "full on Dask",
    "spark": "full on Spark",
}


def store(n: int, store_dir: Path) -> tuple[str, date]:
    """The demo community of about ``n`` reactions (built once per directory)."""
    path = store_dir / f"demo-{n}.sqlite3"
    meta = store_dir / f"demo-{n}.json"
    url = f"sqlite:///{path}"
    if not meta.exists():
        # Built in a child process: a child started later by this one would report this
        # process's peak RSS as its own (Linux carries it over fork and exec).
        path.unlink(missing_ok=True)
        done = subprocess.run(
            [sys.executable, "-c", BUILD, url, str(n), str(meta)],
            stdout=subprocess.DEVNULL,
            env=_child_env(),
            cwd=ROOT,
        )
        if done.returncode != 0:
            raise SystemExit(f"building the {n:,}-reaction store at {path} failed")
    return url, date.fromisoformat(json.loads(meta.read_text())["as_of"])


def _child_env() -> dict:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
        ),
    }


def measure(url: str, day: date, mode: str, workers: int) -> dict:
    # The previous run's writes (1.5 GB for a full recompute at 10 M) go to disk first, untimed:
    # a real daily run comes a day after the last one, not while its writes are flushed.
    os.sync()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, url, day.isoformat(), mode, str(workers)],
        capture_output=True,
        text=True,
        env=_child_env(),
        cwd=ROOT,
    )
    if done.returncode != 0 or "RESULT " not in done.stdout:
        raise SystemExit(f"{mode} at {url} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.split("RESULT ", 1)[1])


def median(runs: list[dict]) -> dict:
    """The median run's figures (wall time, peak RSS and CPU times each the median of the
    runs), and the runs' fastest and slowest wall time."""
    walls = sorted(r["wall"] for r in runs)
    mid = len(runs) // 2
    spread = f"{walls[0]:.2f}-{walls[-1]:.2f} of {len(runs)}" if len(runs) > 1 else ""
    medians = {k: sorted(r[k] for r in runs)[mid] for k in ("wall", "peak", "user", "system")}
    return {**runs[0], **medians, "spread": spread}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reactions", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--engines", nargs="*", default=[], choices=["dask", "spark"])
    ap.add_argument("--store-dir", type=Path, default=None)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3, help="daily runs per size (median)")
    args = ap.parse_args()
    if args.repeat < 1:
        ap.error(f"--repeat {args.repeat}: give at least 1 (daily runs per size)")
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        store_dir = args.store_dir or Path(tmp)
        store_dir.mkdir(parents=True, exist_ok=True)
        rows = []
        for n in sorted(args.reactions):
            url, day = store(n, store_dir)
            for mode in ["full", "daily", *args.engines]:
                runs = []
                for _ in range(args.repeat if mode == "daily" else 1):
                    runs.append(measure(url, day, mode, args.workers))
                    print(f"  {n:>11,} {LABELS[mode]}: {runs[-1]['line']}", file=sys.stderr)
                rows.append((n, mode, median(runs)))
    base = {mode: r for n, mode, r in rows if n == rows[0][0]}
    print(
        f"{'reactions':>11} {'run':<28} {'read':>11} {'wall s':>8} {'peak MB':>8} "
        f"{'B/reaction':>10} {'x wall':>7} {'x MB':>6} {'x B/r':>6} {'user s':>7} {'sys s':>6} "
        f"{'x user':>6} {'x sys':>6}  {'wall s, of runs':<16}"
    )
    for n, mode, r in rows:
        per = r["peak"] / max(r["reactions"], 1)
        b = base.get(mode, r)
        b_per = b["peak"] / max(b["reactions"], 1)
        print(
            f"{n:>11,} {LABELS[mode]:<28} {r['reactions']:>11,} {r['wall']:>8.2f} "
            f"{r['peak'] / 2**20:>8.0f} {per:>10.0f} {r['wall'] / b['wall']:>7.2f} "
            f"{r['peak'] / b['peak']:>6.2f} {per / b_per:>6.2f} {r['user']:>7.2f} "
            f"{r['system']:>6.2f} {r['user'] / b['user']:>6.2f} "
            f"{r['system'] / max(b['system'], 0.01):>6.2f}  {r['spread']}"
        )


if __name__ == "__main__":
    main()
