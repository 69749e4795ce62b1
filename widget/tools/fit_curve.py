"""Fit the calibration curves once, on the reference population, and write them into
``widget/data/model.json``.

    python -m widget.tools.fit_curve [--accounts 5200 --reactions 240000 --seed 2008]

The reference population is the seeded demo community, built in a temporary SQLite file. Each
curve (the score's and each component's) is fitted so that the *published* (smoothed) values
have their median at 40 and their 95th percentile at 63; smoothing narrows the distribution a
little, so the fit is iterated until the published percentiles land. The result is data shipped
with the project: instances never refit, so a score means the same everywhere.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ..records import COMPONENTS
from ..scoring.job import combine, score_days
from ..scoring.model import MODEL_PATH, Curve, load_model
from ..service.rescore_window import load_activity
from ..sources.demo import build_demo
from ..store import make_engine

TARGET_MEDIAN, TARGET_P95 = 40.0, 63.0


def _z(score: float) -> float:
    """z such that 1 + 99 (1 - e^-z) = score."""
    return -math.log(1 - (score - 1) / 99)


def curve_through(x_median: float, x_p95: float, x0: float = 0.0) -> Curve:
    """The curve mapping x0 (no activity) to 1, x_median to 40 and x_p95 to 63. Should that
    need shape > 1 (points getting easier), keep shape 1 and move x0 instead."""
    zm, zq = _z(TARGET_MEDIAN), _z(TARGET_P95)
    shape = math.log(zq / zm) / math.log((x_p95 - x0) / (x_median - x0))
    if shape > 1.0:
        scale = (x_p95 - x_median) / (zq - zm)
        return Curve(x0=x_median - zm * scale, scale=scale, shape=1.0)
    return Curve(x0=x0, scale=(x_median - x0) / zm ** (1 / shape), shape=shape)


def fit(activity, day, model, rounds: int = 8):
    """Start from raw percentiles of the day's x, then correct for smoothing: the x that the
    current curve maps to the published median should map to 40 (likewise p95)."""
    from ..scoring.components import DailyComponents
    from ..scoring.job import day_end

    values = DailyComponents(activity, model).day(day_end(day))
    raw = {c: np.log1p(getattr(values, c)) for c in COMPONENTS}
    raw["score"] = combine({c: getattr(values, c) for c in COMPONENTS}, model)
    curves = {k: curve_through(*np.percentile(v, [50, 95])) for k, v in raw.items()}
    for _ in range(rounds):
        model = replace(model, curves=curves)
        res = score_days(activity, day, day, model)[-1]
        published = {"score": res.score_exact, **{c: res.component_exact[c] for c in COMPONENTS}}
        curves = {
            k: curve_through(
                curve.inverse(np.percentile(published[k], 50)),
                curve.inverse(np.percentile(published[k], 95)),
            )
            for k, curve in curves.items()
        }
    model = replace(model, curves=curves)
    res = score_days(activity, day, day, model)[-1]
    return curves, np.percentile(res.score_exact, [50, 95])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--accounts", type=int, default=5200)
    ap.add_argument("--reactions", type=int, default=240_000)
    ap.add_argument("--seed", type=int, default=2008)
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    model = load_model()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine("sqlite:///" + str(Path(tmp) / "reference.sqlite3"))
        print(
            build_demo(
                engine, accounts=args.accounts, reactions=args.reactions, seed=args.seed
            ).line()
        )
        today = datetime.now(UTC).date()
        activity, _, _, _ = load_activity(engine, today, today, model)
        engine.dispose()
    curves, (median, p95) = fit(activity, today, model)
    data = json.loads(MODEL_PATH.read_text())
    data["curves"] = {
        k: {"x0": round(c.x0, 6), "scale": round(c.scale, 6), "shape": round(c.shape, 6)}
        for k, c in curves.items()
    }
    MODEL_PATH.write_text(json.dumps(data, indent=2) + "\n")
    print(
        f"fitted curves on {activity.n_accounts:,} accounts: published median {median:.1f}, "
        f"p95 {p95:.1f}; wrote {MODEL_PATH.name} in {time.monotonic() - t0:.1f} s"
    )


if __name__ == "__main__":
    main()
