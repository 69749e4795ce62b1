"""The command line: progress on stderr, a one-line summary, errors naming the input and fix."""

import json
import re
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent


def run(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=["widget", *args], **kwargs)


def write_jsonl(path, records):
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return str(path)


RECORDS = [
    {
        "type": "post",
        "id": "p1",
        "account": "local:ann",
        "at": "2026-11-20T10:00:00Z",
        "text": "Notes on #coffee",
    },
    {
        "type": "reaction",
        "kind": "reshare",
        "engager": "local:bo",
        "post": "p1",
        "at": "2026-11-20T11:00:00Z",
    },
]
NEXT = (
    "next: `flask --app wsgi widget rescore` scores today from the stored activity; "
    "`flask --app wsgi widget rescore --days 90` also scores the 89 days before"
)


def test_import_then_rescore(app, tmp_path):
    result = run(app, "import", write_jsonl(tmp_path / "a.jsonl", RECORDS))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("imported 2 lines")
    assert "parsed 2 lines; writing" in result.stderr  # progress
    assert result.stderr.splitlines()[-1].startswith(NEXT)  # said last
    result = run(app, "rescore", "--as-of", "2026-11-21", "--days", "2")
    assert result.exit_code == 0, result.stderr
    assert "rescored 2 accounts for 2 day(s) (2026-11-20..2026-11-21)" in result.stdout
    r = app.test_client().get("/api/v1/accounts/local:ann").get_json()
    assert r["day"] == "2026-11-21" and r["topics"][0]["slug"] == "coffee"


def test_rescore_progress_counts_the_days_the_summary_counts(app):
    for days, span in [(1, "2026-11-21"), (2, "2026-11-20..2026-11-21")]:
        result = run(app, "rescore", "--as-of", "2026-11-21", "--days", str(days))
        assert result.exit_code == 0, result.stderr
        first = span.split("..")[0]
        head = re.search(
            rf"^scoring {days} days? \({re.escape(span)}\); first computing the "
            rf"(\d+) days before {first}, which smoothing and deltas need$",
            result.stderr,
            re.M,
        )
        assert head, result.stderr
        lead = int(head.group(1))
        assert f"computed {lead}/{lead} of the days before {first}" in result.stderr
        scored = re.findall(r"^scored day (\d+)/(\d+) \((\S+)\)$", result.stderr, re.M)
        assert [(int(i), int(n)) for i, n, _ in scored] == [(i, days) for i in range(1, days + 1)]
        assert scored[-1][2] == "2026-11-21"
        assert f"for {days} day(s) ({span})" in result.stdout


def test_import_reports_every_bad_line_with_its_column(app, tmp_path):
    path = tmp_path / "bad.jsonl"
    wrong = '{"type": "post", "id": "p3", "text": "café", "account": 42, "at": 1}'
    latin1 = '{"type": "post", "id": "p4", "text": "café", "at": 1}'
    bad = [
        b'{"type": "post", "id": "p2", "acc"',
        b'{"type": "reaction"}',
        wrong.encode(),
        latin1.encode("latin-1"),
    ]
    path.write_bytes(b"\n".join([json.dumps(r).encode() for r in RECORDS] + bad) + b"\n")
    result = run(app, "import", str(path))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "parsed 6 lines; problems found, checking the reactions too"
    assert lines[1] == (
        f"Error: {path}: 8 problems on 4 lines; nothing was imported (an import is all or nothing)"
    )
    where = [
        tuple(map(int, m.groups()))
        for m in (re.match(rf"{re.escape(str(path))}:(\d+):(\d+): ", x) for x in lines[2:])
        if m
    ]
    assert where == [(3, 35)] + [(4, 20)] * 4 + [
        (5, wrong.index("42") + 1),
        (5, wrong.index("1}") + 1),
        (6, latin1.index("é") + 1),
    ]
    assert lines[-1] == "Fix the lines above and run the import again (the format: docs/import.md)"
    with app.extensions["widget"].engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM posts")).scalar_one() == 0


def test_import_lists_fifty_problems_and_counts_the_rest(app, tmp_path):
    path = write_jsonl(tmp_path / "many.jsonl", [{"type": "poke"}] * 60)
    result = run(app, "import", path)
    assert result.exit_code == 1
    listed = [x for x in result.stderr.splitlines() if x.startswith(f"{path}:")]
    assert len(listed) == 50 and listed[-1].startswith(f'{path}:50:10: type "poke"')
    assert "\nand 10 more problems\n" in result.stderr


def test_import_accepts_a_utf8_bom_and_reads_stdin(app, tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes("\ufeff".encode() + "\r\n".join(json.dumps(r) for r in RECORDS).encode())
    result = run(app, "import", str(path))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("imported 2 lines")
    piped = b'{"type": "account", "id": "local:zo\xc3\xab"}\n'
    result = run(app, "import", "-", input=piped)
    assert result.exit_code == 1 and 'stdin:1:27: id "local:zoë"' in result.stderr


def test_import_missing_file(app, tmp_path):
    result = run(app, "import", str(tmp_path / "nope.jsonl"))
    assert result.exit_code != 0 and "cannot read" in result.stderr


def test_rescore_rejects_a_bad_date(app):
    result = run(app, "rescore", "--as-of", "last tuesday")
    assert result.exit_code != 0 and "YYYY-MM-DD" in result.stderr


def test_demo_command(app):
    result = run(app, "demo", "--accounts", "200", "--reactions", "3000")
    assert result.exit_code == 0, result.stderr
    assert "built the demo community: 200 accounts" in result.stderr
    assert result.stdout.startswith("demo community ready in")
    assert app.test_client().get("/api/v1/accounts/local:marco").status_code == 200


def test_the_import_docs_show_what_the_import_says(app, tmp_path, monkeypatch):
    """docs/import.md's example of a file with mistakes, and the answer it prints."""
    doc = (ROOT / "docs" / "import.md").read_text()
    section = doc[doc.index("## When lines are wrong") :]
    bad = re.search(r"```json\n(.+?)```", section, re.S).group(1)
    answer = re.search(r"```text\n(.+?)```", section, re.S).group(1)
    (tmp_path / "activity.jsonl").write_text(bad)
    monkeypatch.chdir(tmp_path)
    result = run(app, "import", "activity.jsonl")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1:] == answer.splitlines()


def test_readme_and_docs_say_to_rescore_after_importing(app, tmp_path):
    result = run(app, "import", write_jsonl(tmp_path / "a.jsonl", RECORDS))
    assert "`flask --app wsgi widget rescore --days 90`" in result.stderr
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Importing your own activity") : readme.index("## Command")]
    for text in (section, (ROOT / "docs" / "import.md").read_text()):
        assert "```sh\nflask --app wsgi widget rescore --days 90\n```" in text
        assert "--as-of YYYY-MM-DD" in text and "byte order mark" in text
