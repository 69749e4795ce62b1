"""The command line: progress on stderr, a one-line summary, errors naming the input and fix."""
import json

import sqlalchemy as sa


def run(app, *args):
    return app.test_cli_runner().invoke(args=["widget", *args])


def write_jsonl(path, records):
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return str(path)


RECORDS = [
    {"type": "post", "id": "p1", "account": "local:ann", "at": "2026-11-20T10:00:00Z",
     "text": "Notes on #coffee"},
    {"type": "reaction", "kind": "reshare", "engager": "local:bo", "post": "p1",
     "at": "2026-11-20T11:00:00Z"},
]


def test_import_then_rescore(app, tmp_path):
    result = run(app, "import", write_jsonl(tmp_path / "a.jsonl", RECORDS))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("imported 2 lines")
    assert "parsed 2 lines" in result.stderr  # progress
    result = run(app, "rescore", "--as-of", "2026-11-21", "--days", "2")
    assert result.exit_code == 0, result.stderr
    assert "rescored 2 accounts for 2 day(s)" in result.stdout
    assert "scored day" in result.stderr
    r = app.test_client().get("/api/v1/accounts/local:ann").get_json()
    assert r["day"] == "2026-11-21" and r["topics"][0]["slug"] == "coffee"


def test_import_error_names_the_line_and_the_fix(app, tmp_path):
    path = write_jsonl(tmp_path / "bad.jsonl", RECORDS + [{"type": "reaction"}])
    result = run(app, "import", path)
    assert result.exit_code != 0
    assert f"{path}:3:" in result.stderr and "kind must be one of" in result.stderr
    assert "nothing was imported" in result.stderr
    with app.extensions["widget"].engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM posts")).scalar_one() == 0


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
