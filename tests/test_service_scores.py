"""service.scores: records as the web layer gets them."""

import sqlalchemy as sa
from web_helpers import small_demo_app

from widget.ids import parse_account_id
from widget.records import History


def test_a_record_carries_its_stored_days_compactly(store_url, tmp_path):
    """The record's history is the stored daily scores, oldest first, kept as arrays (a
    cached record's history as tuples was a third of its memory)."""
    app = small_demo_app(store_url, tmp_path)
    svc = app.extensions["widget"]
    with svc.engine.connect() as conn:
        aid = conn.execute(
            sa.text(
                "SELECT a.id FROM accounts a JOIN score_snapshots s ON s.account_pk = a.pk "
                "GROUP BY a.id HAVING count(*) = 3 ORDER BY a.id LIMIT 1"
            )
        ).scalar_one()
    rec = svc.scores.record(parse_account_id(aid))
    stored = svc.scores.history(parse_account_id(aid), 90)
    svc.close()
    assert isinstance(rec.history, History)
    assert list(rec.history) == [(day, float(exact)) for day, exact, _ in stored]
    assert rec.history[-1][0] == rec.day
