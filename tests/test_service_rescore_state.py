"""What a day's record keeps in the stored state: whole numbers and account keys in the
narrowest type that holds them exactly (a fraction, -0.0 or a wide key keeps its type), so
the daily run reads less, and reads back exactly what was computed."""

from datetime import date, timedelta

import numpy as np

from widget.scoring.drivers import COUNTS, PART_KINDS, DayParts
from widget.scoring.job import DayRecord
from widget.scoring.model import load_model
from widget.service.rescore_state import _unpack, encode_record

AS_OF = date(2026, 12, 1)


def stored(counts: np.ndarray, pks: np.ndarray) -> dict[str, list[np.ndarray]]:
    n = pks.size
    contrib = np.zeros((len(PART_KINDS), n))
    contrib[0] = np.linspace(-1.5, 2.25, n)
    record = DayRecord(
        np.full(n, 40.0),
        np.full((3, n), 30.0),
        np.ones(n),
        np.ones((2, n)),
        DayParts(contrib, counts, np.zeros(n, dtype=np.int8)),
    )
    rows = encode_record(AS_OF - timedelta(days=1), record, pks, AS_OF, load_model())
    sizes = {"parts": 4}
    return {part: _unpack(data, sizes.get(part, 1)) for _, part, data in rows}


def whole_counts(n: int, top: int) -> np.ndarray:
    counts = np.zeros((len(COUNTS), n))
    counts[0] = np.arange(n) % (top + 1)
    counts[2, -1] = top
    return counts


def test_whole_counts_and_small_keys_are_stored_narrow_and_read_back_exactly():
    pks = np.arange(1, 301, dtype=np.int64) * 7 + 100_000
    for top, dtype in ((100, np.int8), (30_000, np.int16), (1_000_000, np.int32)):
        counts = whole_counts(pks.size, top)
        got = stored(counts, pks)
        moved, contrib, kept, _ = got["parts"]
        assert kept.dtype == dtype
        widened = np.zeros_like(counts)
        widened[:, moved] = kept
        assert np.array_equal(widened, counts)
        assert got["accounts"][0].dtype == np.int32
        assert np.array_equal(got["accounts"][0], pks)
        assert contrib.dtype == np.float64  # fractions of points keep their bits


def test_fractions_negative_zero_and_wide_keys_keep_their_type():
    pks = np.array([5, 9, 2**40], dtype=np.int64)
    for odd in (2.5, -0.0, np.nan, 2.0**40):
        counts = whole_counts(pks.size, 2)
        counts[1, 1] = odd
        kept = stored(counts, pks)["parts"][2]
        assert kept.dtype == np.float64
        assert np.array_equal(kept.view(np.uint8), counts.view(np.uint8))
    assert stored(whole_counts(3, 2), pks)["accounts"][0].dtype == np.int64
