"""Activity puts rows in one order whatever order they were read in, so the job's float sums,
and so every published number, come out the same bits (the daily run relies on it)."""

import numpy as np
from scoring_helpers import AS_OF, Community, steady

from widget.scoring.activity import Activity, canonical_order, in_canonical_order, position_sort
from widget.scoring.job import score_days
from widget.scoring.model import load_model


def test_canonical_order_sorts_by_time_then_every_column():
    rng = np.random.default_rng(7)
    n = 5000
    cols = [
        rng.integers(0, 40, n),
        rng.integers(0, 5, n),
        rng.integers(0, 5, n),
        rng.integers(1, 6, n),
        rng.integers(-1, 4, n),
    ]
    want = np.stack(cols, axis=1)[np.lexsort(cols[::-1])]
    for perm in (np.arange(n), rng.permutation(n)):
        order = canonical_order(*(c[perm] for c in cols))
        got = np.stack([c[perm] for c in cols], axis=1)[order]
        assert (got == want).all()
    assert canonical_order(np.arange(10), np.zeros(10, int)) is None  # already in order


def test_canonical_order_when_the_columns_leave_no_room_for_positions():
    """Wide columns (a 40-bit time span, a million accounts): the sort key gives up its low
    bits to the rows' positions, and ties in what is left are ordered by every column."""
    rng = np.random.default_rng(3)
    n = 20_000
    cols = [
        rng.integers(0, 2**40, n) // rng.choice([1, 2**30], n),  # many equal times too
        rng.integers(0, 2**20, n),
        rng.integers(0, 2**20, n) // rng.choice([1, 2**19], n),
        rng.integers(0, 5, n),
        rng.integers(-1, 2**22, n),
    ]
    want = np.stack(cols, axis=1)[np.lexsort(cols[::-1])]
    for width in (1, 2, 3, 5):
        got = np.stack(cols[:width], axis=1)[canonical_order(*cols[:width])]
        assert (got == want[:, :width]).all()
    # Time alone (posts without keys): equal times keep the order they were read in.
    times = rng.integers(0, 50, n)
    assert (canonical_order(times) == np.argsort(times, kind="stable")).all()


def test_sorting_in_spans_of_time_gives_the_order_of_one_sort():
    """Many rows are sorted a span of time at a time; the arrays are what one canonical_order
    gives, whatever the times: spread wide, bunched into one span, all equal, in order (the
    spans are not moved), in order but for a few late rows; and the inputs are left as
    they were."""
    rng = np.random.default_rng(11)
    n = 40_000
    spread = rng.integers(1_700_000_000, 1_700_000_000 + 140 * 86400, n)
    bunched = np.where(rng.random(n) < 0.9, 1_700_000_000, spread)
    late = np.sort(spread)
    late[rng.integers(0, n, 5)] = spread.min()
    for times in (spread, bunched, np.full(n, 5), np.sort(spread), late, spread // 3600):
        cols = [
            times,
            rng.integers(0, 300, n).astype(np.int32),
            rng.integers(0, 300, n).astype(np.int32),
            rng.integers(0, 5, n).astype(np.int8),
            rng.integers(-1, 9000, n).astype(np.int32),
        ]
        order = canonical_order(*cols)
        want = cols if order is None else [c[order] for c in cols]
        copies = [c.copy() for c in cols]
        for piece_rows in (1_000, 7_777, n):
            got = in_canonical_order(*cols, piece_rows=piece_rows)
            assert all((c == k).all() for c, k in zip(cols, copies))
            assert len(got) == len(cols)
            for g, w in zip(got, want):
                assert g.dtype == w.dtype
                assert (g == w).all()


def test_position_sort_is_argsorts_stable_order():
    rng = np.random.default_rng(5)
    for n, top, shift in ((2, 1, 0), (1000, 7, 0), (100_000, 2**40, 0), (100_000, 2**62, 20)):
        key = rng.integers(0, top, n)
        want = np.argsort(key >> shift, kind="stable")
        got_key = key.copy()
        assert (position_sort(got_key, shift) == want).all()
        assert (got_key == (key >> shift)[want]).all()


def test_the_job_gives_the_same_bits_whatever_order_rows_come_in():
    c = Community()
    steady(c, "a")
    steady(c, "b", fans=12)
    p = c.post("c", days_ago=3)[0]
    for i in range(50):  # many reactions in the same second, of several kinds
        c.react(f"x{i % 7}", "c", kind=["like", "reply", "quote"][i % 3], post=p, days_ago=2)
    r = np.array(c.reactions, dtype=np.int64)
    posts = np.array(c.posts, dtype=np.int64)
    keys = np.arange(len(c.posts)) + 100
    runs = []
    for seed in (0, 1):
        perm = np.random.default_rng(seed).permutation(len(r))
        rr = r[perm]
        act = Activity.build(
            len(c.names),
            rr[:, 0],
            rr[:, 1],
            rr[:, 2],
            rr[:, 3],
            rr[:, 4],
            posts[:, 0],
            posts[:, 1],
            post_keys=keys,
        )
        runs.append(score_days(act, AS_OF, AS_OF, load_model())[-1])
    one, two = runs
    assert np.array_equal(one.score_exact, two.score_exact)
    assert np.array_equal(one.raw, two.raw)
    assert np.array_equal(one.drivers, two.drivers, equal_nan=True)
