"""The daily run's stored state (docs/scale.md): what lets the next daily rescore continue
instead of recomputing the 50 days before.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 09:44:34.495850
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "score_state",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("part", sa.String(length=16), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("day", "part"),
    )


def downgrade() -> None:
    op.drop_table("score_state")
