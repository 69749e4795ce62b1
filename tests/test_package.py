"""widget/__init__.py: ``create_app`` on first use, so scoring alone loads no web stack."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_scoring_imports_no_web_stack():
    code = (
        "import sys, widget.service.rescore, widget.scoring.job\n"
        "web = {'flask', 'werkzeug', 'jinja2', 'pydantic', 'flask_limiter'}\n"
        "print(','.join(sorted(web & set(sys.modules))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""


def test_create_app_is_there_when_asked_for():
    import widget

    assert widget.create_app.__module__ == "widget.app"
    assert "create_app" in widget.__all__
    with pytest.raises(AttributeError):
        widget.no_such_thing  # noqa: B018
