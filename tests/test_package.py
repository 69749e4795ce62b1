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


def test_a_web_worker_loads_no_scipy_until_it_scores_and_no_redis_without_redis(tmp_path):
    """SciPy's sparse matrices (PageRank) are some 25 MB a worker needs only once it scores a
    fetched account, redis-py some 6 MB it needs only with WIDGET_REDIS_URL: the app starts
    without them."""
    code = (
        "import sys\n"
        "from widget import create_app\n"
        f"app = create_app({{'DATABASE_URL': 'sqlite:///{tmp_path}/s.sqlite3', "
        "'SEED_DEMO': False})\n"
        "app.test_client().get('/ping')\n"
        "print('scipy' in sys.modules, 'redis' in sys.modules)\n"
        "from widget.scoring.pagerank import pagerank_inflow\n"
        "import numpy as np\n"
        "pagerank_inflow(2, np.array([0]), np.array([1]), np.array([1.0]), damping=0.85, "
        "tolerance=1e-9, max_iterations=50)\n"
        "print('scipy.sparse' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", "False", "True"]
