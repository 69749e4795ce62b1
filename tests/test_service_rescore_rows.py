"""The rows a rescore writes: the signals column is the bytes json.dumps gives, and the
rounded numbers the bits round() gives, however the run makes them."""

import json
import math

import numpy as np

from widget.service.rescore_rows import ESTIMATED, round_like_python, signals_texts


def test_signals_texts_are_what_json_dumps_writes():
    rng = np.random.default_rng(7)
    n = 500
    sig = {
        "posts": rng.integers(0, 60, n).astype(float),
        "reactions": rng.integers(0, 900, n).astype(float),
        "engagers": rng.integers(0, 200, n).astype(float),
        "weighted_per_post": rng.random(n) * 10.0 ** rng.integers(-6, 8, n),
        "followers": np.where(rng.random(n) < 0.5, np.nan, rng.integers(0, 10**7, n)),
        "unlisted": np.where(rng.random(n) < 0.3, rng.random(n), 0.0),
        "plusk_bonus": rng.random(n) * 3,
        "plusk_received": rng.integers(0, 5, n).astype(float),
        "plusk_givers": rng.integers(0, 5, n).astype(float),
    }
    # Values json.dumps spells its own way: NaN, infinities, negative zero, whole floats.
    sig["weighted_per_post"][:5] = [np.nan, np.inf, -np.inf, -0.0, 2.0]
    sig["plusk_bonus"][5:8] = [np.nan, np.inf, 0.0]
    wpp = np.round(sig["weighted_per_post"], 3).tolist()
    bonus = np.round(sig["plusk_bonus"], 3).tolist()
    fol = sig["followers"].tolist()
    want = [  # the dict json.dumps was given per row before
        json.dumps(
            {
                "posts": int(sig["posts"][i]),
                "reactions": int(sig["reactions"][i]),
                "engagers": int(sig["engagers"][i]),
                "weighted_reactions_per_post": wpp[i],
                "followers": None if fol[i] != fol[i] else int(fol[i]),
                "estimated": ESTIMATED if sig["unlisted"][i] > 0 else [],
                "plusk": {
                    "received_90d": int(sig["plusk_received"][i]),
                    "givers_90d": int(sig["plusk_givers"][i]),
                    "bonus": bonus[i],
                },
            }
        )
        for i in range(n)
    ]
    got = signals_texts(sig)
    assert got == want
    assert "NaN" in got[0] and "Infinity" in got[1] and "-0.0" in got[3]


def test_rounding_gives_pythons_round():
    """Topic weights and deltas are rounded in bulk; every value must come out as
    round(v, digits) would make it (ties of the binary value, both signs, NaN, infinities)."""
    rng = np.random.default_rng(9)
    ties = np.array([k / 1000 for k in range(-20000, 20000, 5)])  # x.xx5: decided by binary
    values = np.concatenate(
        [
            rng.random(200_000) * 100,
            rng.normal(0, 30, 200_000),
            ties,
            np.nextafter(ties, np.inf),
            np.nextafter(ties, -np.inf),
            [0.0, -0.0, 2.675, 1.005, 0.125, 0.375, 1e-9, -1e-9, 1e300, -1e300, 2.0**53],
            [np.nan, np.inf, -np.inf],
        ]
    )
    for digits in (2, 3):
        got = round_like_python(values, digits)
        want = [round(v, digits) if math.isfinite(v) else v for v in values.tolist()]
        assert [repr(x) for x in got] == [repr(x) for x in want]
