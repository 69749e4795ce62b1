"""Live accounts: remembered fetch failures (backoff), opt-outs, other forms of an id, and
which optional upstream data a fetch lacked.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 09:16:10.849244
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fetch_failures",
        sa.Column("account_id", sa.String(length=330), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("failed_at", sa.BigInteger(), nullable=False),
        sa.Column("retry_at", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("message", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("account_id"),
    )
    with op.batch_alter_table("fetch_failures", schema=None) as batch_op:
        batch_op.create_index("ix_fetch_failures_retry", ["retry_at"], unique=False)

    op.create_table(
        "opt_outs",
        sa.Column("account_id", sa.String(length=330), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account_id"),
    )
    op.create_table(
        "account_aliases",
        sa.Column("alias", sa.String(length=330), nullable=False),
        sa.Column("account_pk", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_pk"],
            ["accounts.pk"],
        ),
        sa.PrimaryKeyConstraint("alias"),
    )
    with op.batch_alter_table("account_aliases", schema=None) as batch_op:
        batch_op.create_index("ix_account_aliases_account", ["account_pk"], unique=False)

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fetch_missing", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("fetch_missing")

    with op.batch_alter_table("account_aliases", schema=None) as batch_op:
        batch_op.drop_index("ix_account_aliases_account")

    op.drop_table("account_aliases")
    op.drop_table("opt_outs")
    with op.batch_alter_table("fetch_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_fetch_failures_retry")

    op.drop_table("fetch_failures")
