"""Seeding the demo community on first start, once, even with several workers starting."""

from __future__ import annotations

import fcntl
import os
import sys
from datetime import UTC, datetime

from .progress import rescore_progress
from .records import HISTORY_DAYS
from .service.rescore import rescore
from .sources.demo import build_demo
from .sources.demo_perks import seed_perks
from .store import accounts as store_accounts


def seed_if_empty(app) -> None:
    engine = app.extensions["widget"].engine
    with engine.connect() as conn:
        if store_accounts.count_accounts(conn):
            return
    os.makedirs(app.instance_path, exist_ok=True)
    with open(os.path.join(app.instance_path, "seed.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # other workers wait here, then find it seeded
        with engine.connect() as conn:
            if store_accounts.count_accounts(conn):
                return
        print(
            "store is empty: building the demo community (set WIDGET_SEED_DEMO=false to skip)",
            file=sys.stderr,
            flush=True,
        )
        seed_demo(
            engine,
            progress=lambda m: print("  " + m, file=sys.stderr, flush=True),
            accounts=app.config["DEMO_ACCOUNTS"],
            reactions=app.config["DEMO_REACTIONS"],
        )


def seed_demo(engine, progress=None, **kwargs) -> list[str]:
    """Build the demo community, score its last 90 days and open its demo perk campaigns.
    Returns the summary lines."""
    now = datetime.now(UTC)
    demo = build_demo(engine, progress=progress, now=now, **kwargs)
    tick = rescore_progress(now.date(), HISTORY_DAYS, progress) if progress else None
    summary = rescore(engine, now.date(), days=HISTORY_DAYS, progress=tick)
    perks = seed_perks(engine, now)
    lines = [demo.line(), summary.line(), f"opened {perks} demo perk campaign(s)"]
    if progress:
        for line in lines:
            progress(line)
    return lines
