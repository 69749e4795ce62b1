"""Concurrent imports and rescores lose and duplicate nothing (threads and two processes),
on SQLite and on PostgreSQL."""

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from widget.service.rescore import rescore
from widget.sources.demo import build_demo
from widget.sources.importer import import_lines
from widget.store.activity import counts

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 5, 31)


def activity(part: int, n: int = 300) -> list[str]:
    """Overlapping files: part k holds posts k*100 .. k*100+n (so neighbours share 200)."""
    lines = []
    for i in range(part * 100, part * 100 + n):
        lines.append(
            json.dumps(
                {
                    "type": "post",
                    "id": f"p{i}",
                    "account": f"local:a{i % 17}",
                    "at": 1_780_000_000 + i,
                }
            )
        )
        lines.append(
            json.dumps(
                {
                    "type": "reaction",
                    "kind": "like",
                    "engager": f"local:e{i % 29}",
                    "post": f"p{i}",
                    "at": 1_780_000_100 + i,
                }
            )
        )
    return lines


def expected_posts(parts) -> int:
    return len({i for p in parts for i in range(p * 100, p * 100 + 300)})


def table_counts(engine):
    with engine.connect() as conn:
        return counts(conn)


def test_concurrent_imports_with_threads(engine):
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda p: import_lines(engine, activity(p)), range(4)))
    c = table_counts(engine)
    assert c["posts"] == expected_posts(range(4)) and c["reactions"] == c["posts"]


def run_cli(db_url, tmp_path, *args):
    env = {
        **os.environ,
        "WIDGET_DATABASE_URL": db_url,
        "WIDGET_SEED_DEMO": "false",
        "WIDGET_INSTANCE_PATH": str(tmp_path),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "widget", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_concurrent_imports_in_two_processes(engine, db_url, tmp_path):
    files = []
    for p in (0, 1):
        path = tmp_path / f"part{p}.jsonl"
        path.write_text("\n".join(activity(p)) + "\n")
        files.append(path)
    procs = [run_cli(db_url, tmp_path, "import", str(f)) for f in files]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    c = table_counts(engine)
    assert c["posts"] == expected_posts((0, 1)) and c["reactions"] == c["posts"]


def snapshot_rows(engine):
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT account_pk, day, score_exact FROM score_snapshots ORDER BY account_pk, day"
            )
        ).all()


def test_concurrent_rescores_with_threads_and_processes(engine, db_url, tmp_path):
    build_demo(engine, accounts=300, reactions=6000, now=datetime(2026, 6, 1, tzinfo=UTC))
    rescore(engine, AS_OF, days=3)
    reference = snapshot_rows(engine)
    assert len(reference) == 300 * 3
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda _: rescore(engine, AS_OF, days=3), range(3)))
    assert snapshot_rows(engine) == reference
    procs = [
        run_cli(db_url, tmp_path, "rescore", "--as-of", AS_OF.isoformat(), "--days", "3")
        for _ in range(2)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    assert snapshot_rows(engine) == reference
