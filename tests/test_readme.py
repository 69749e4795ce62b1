"""The README's two commands are what CI and a newcomer run."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def commands():
    return re.findall(r"```sh\n(.+?)\n```", (ROOT / "README.md").read_text())


def test_readme_starts_with_a_run_and_a_test_command():
    run, test = commands()[:2]
    assert "flask --app wsgi run" in run and "pip install -e ." in run
    assert "pip install -e '.[test]'" in test and "pytest" in test


def test_ci_runs_the_readme_test_command():
    test = commands()[1]
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test in lines
