"""Score ledger: each snapshot keeps the day's own score, what +K added, and the drivers of its
changes (docs/scoring.md). Existing snapshots get NULL, 0 and NULL until the next rescore.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("score_snapshots", sa.Column("score_daily", sa.Float(), nullable=True))
    op.add_column(
        "score_snapshots", sa.Column("plusk_bonus", sa.Float(), server_default="0", nullable=False)
    )
    op.add_column("score_snapshots", sa.Column("drivers", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("score_snapshots") as batch:
        batch.drop_column("drivers")
        batch.drop_column("plusk_bonus")
        batch.drop_column("score_daily")
