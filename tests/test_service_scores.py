"""service.scores: records as the web layer gets them."""

import sqlalchemy as sa
from web_helpers import small_demo_app

from widget.ids import parse_account_id


def test_cached_records_share_their_history_days(store_url, tmp_path):
    """Every record's history covers the same days: one date object per day, not one per
    record (a date apiece was an eighth of a cached record's memory)."""
    app = small_demo_app(store_url, tmp_path)
    svc = app.extensions["widget"]
    with svc.engine.connect() as conn:
        ids = conn.execute(
            sa.text(
                "SELECT a.id FROM accounts a JOIN score_snapshots s ON s.account_pk = a.pk "
                "GROUP BY a.id HAVING count(*) = 3 ORDER BY a.id LIMIT 2"
            )
        ).scalars()
        a, b = (svc.scores.record(parse_account_id(i)) for i in ids)
    svc.close()
    assert len(a.history) == len(b.history) == 3
    for (day_a, _), (day_b, _) in zip(a.history, b.history):
        assert day_a == day_b and day_a is day_b
