"""Notifications: opted-in contacts, single-use link tokens, the outbox of perk notices and
digests, and the per-recipient daily cap.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 09:23:45.708697
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_contacts",
        sa.Column("account_pk", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("email_verified_at", sa.BigInteger(), nullable=True),
        sa.Column("mastodon", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("perks", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("digest", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("lang", sa.String(length=16), server_default="en", nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_pk"],
            ["accounts.pk"],
        ),
        sa.PrimaryKeyConstraint("account_pk"),
    )
    op.create_table(
        "notify_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_pk", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("perk_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=10), server_default="queued", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("done_at", sa.BigInteger(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_pk"],
            ["accounts.pk"],
        ),
        sa.ForeignKeyConstraint(
            ["perk_id"],
            ["perks.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_pk", "channel", "ref", name="uq_notify_outbox_ref"),
    )
    with op.batch_alter_table("notify_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_notify_outbox_due", ["state", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_notify_outbox_perk", ["perk_id", "state"], unique=False)

    op.create_table(
        "notify_quota",
        sa.Column("account_pk", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_pk"],
            ["accounts.pk"],
        ),
        sa.PrimaryKeyConstraint("account_pk", "channel", "day"),
    )
    op.create_table(
        "notify_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_pk", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("used_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_pk"],
            ["accounts.pk"],
        ),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("notify_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_notify_tokens_account", ["account_pk"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notify_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_notify_tokens_account")

    op.drop_table("notify_tokens")
    op.drop_table("notify_quota")
    with op.batch_alter_table("notify_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_notify_outbox_perk")
        batch_op.drop_index("ix_notify_outbox_due")

    op.drop_table("notify_outbox")
    op.drop_table("notify_contacts")
