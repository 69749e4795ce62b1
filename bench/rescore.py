"""Rescore benchmark: build a community with 1,000,000 reactions, then time a full rescore and
measure its peak RSS (in a child process, so the build's memory does not count).

    python bench/rescore.py [--reactions 1000000] [--accounts 20000] [--days 1]

Goal on a 2-core machine: <= 10 s and <= 1 GB for the daily rescore (--days 1).
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

CHILD = """
import sys, time
from datetime import date
from widget.service.rescore import rescore
from widget.store import make_engine
engine = make_engine(sys.argv[1])
t0 = time.monotonic()
summary = rescore(engine, date.fromisoformat(sys.argv[2]), days=int(sys.argv[3]))
print(summary.line())
print(f"WALL {time.monotonic() - t0:.2f}")
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reactions", type=int, default=1_080_000,
                    help="target; the demo generator lands a few percent below it")
    ap.add_argument("--accounts", type=int, default=20_000)
    ap.add_argument("--days", type=int, default=1)
    args = ap.parse_args()
    from widget.sources.demo import build_demo
    from widget.store import make_engine

    with tempfile.TemporaryDirectory() as tmp:
        url = "sqlite:///" + str(Path(tmp) / "bench.sqlite3")
        t0 = time.monotonic()
        engine = make_engine(url)
        print(build_demo(engine, accounts=args.accounts, reactions=args.reactions,
                         progress=lambda m: print("  " + m, file=sys.stderr)).line())
        engine.dispose()
        print(f"build: {time.monotonic() - t0:.1f} s")
        today = datetime.now(timezone.utc).date().isoformat()
        out = subprocess.run([sys.executable, "-c", CHILD, url, today, str(args.days)],
                             check=True, capture_output=True, text=True).stdout
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    wall = float(out.split("WALL ")[1])
    print(out.splitlines()[0])
    print(f"rescore --days {args.days}: wall {wall:.2f} s (goal <= 10 s), "
          f"peak RSS {peak_mb:.0f} MB (goal <= 1024 MB)")


if __name__ == "__main__":
    main()
