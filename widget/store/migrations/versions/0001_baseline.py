"""Baseline: the schema as the last release before migrations (1cdc815) created it.

Stores made by that release have no alembic_version table; they are recognised by their tables
and stamped at this revision (widget.store.migrations). Constraints keep the database's own
names, as ``metadata.create_all`` left them.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = (
    "profiles",
    "accounts",
    "posts",
    "reactions",
    "follower_snapshots",
    "score_snapshots",
    "account_topics",
    "hidden_topics",
    "meta",
    "claims",
    "owner_tokens",
    "plusk",
    "plusk_quota",
    "admin_tokens",
    "perks",
    "perk_claims",
    "webhook_outbox",
)


def upgrade() -> None:
    op.create_table(
        "profiles",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "accounts",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=330), nullable=False),
        sa.Column("network", sa.String(length=16), nullable=False),
        sa.Column("handle", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("fetched_at", sa.BigInteger(), nullable=True),
        sa.Column("fetch_failed_at", sa.BigInteger(), nullable=True),
        sa.Column("fetch_error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("id"),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"]),
    )
    op.create_table(
        "posts",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("account_pk", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), server_default="", nullable=False),
        sa.Column("topics", sa.Text(), server_default="{}", nullable=False),
        sa.Column("reshare_count", sa.Integer(), nullable=True),
        sa.Column("like_count", sa.Integer(), nullable=True),
        sa.Column("reply_count", sa.Integer(), nullable=True),
        sa.Column("quote_count", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("id"),
        sa.ForeignKeyConstraint(["account_pk"], ["accounts.pk"]),
    )
    op.create_index("ix_posts_account_time", "posts", ["account_pk", "created_at"])
    op.create_index("ix_posts_time", "posts", ["created_at"])
    op.create_table(
        "reactions",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("author_pk", sa.Integer(), nullable=False),
        sa.Column("engager_pk", sa.Integer(), nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("post_pk", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["author_pk"], ["accounts.pk"]),
        sa.ForeignKeyConstraint(["engager_pk"], ["accounts.pk"]),
        sa.ForeignKeyConstraint(["post_pk"], ["posts.pk"]),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_reactions_author", "reactions", ["author_pk", "created_at"])
    op.create_index("ix_reactions_time", "reactions", ["created_at"])
    op.create_table(
        "follower_snapshots",
        sa.Column("account_pk", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("followers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["account_pk"], ["accounts.pk"]),
        sa.PrimaryKeyConstraint("account_pk", "day"),
    )
    op.create_table(
        "score_snapshots",
        sa.Column("account_pk", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("score_exact", sa.Float(), nullable=False),
        sa.Column("raw", sa.Float(), nullable=False),
        sa.Column("true_reach_score", sa.SmallInteger(), nullable=False),
        sa.Column("true_reach_value", sa.Float(), nullable=False),
        sa.Column("amplification_score", sa.SmallInteger(), nullable=False),
        sa.Column("amplification_value", sa.Float(), nullable=False),
        sa.Column("network_influence_score", sa.SmallInteger(), nullable=False),
        sa.Column("network_influence_value", sa.Float(), nullable=False),
        sa.Column("delta_day", sa.Float(), nullable=True),
        sa.Column("delta_week", sa.Float(), nullable=True),
        sa.Column("delta_month", sa.Float(), nullable=True),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("explanation", sa.Text(), server_default="[]", nullable=False),
        sa.Column("signals", sa.Text(), server_default="{}", nullable=False),
        sa.Column("computed_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["account_pk"], ["accounts.pk"]),
        sa.PrimaryKeyConstraint("account_pk", "day"),
    )
    op.create_index("ix_snapshots_day_score", "score_snapshots", ["day", "score_exact"])
    op.create_table(
        "account_topics",
        sa.Column("account_pk", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=128), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["account_pk"], ["accounts.pk"]),
        sa.PrimaryKeyConstraint("account_pk", "slug"),
    )
    op.create_index("ix_account_topics_slug", "account_topics", ["slug", "weight"])
    op.create_table(
        "hidden_topics",
        sa.Column("account_pk", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["account_pk"], ["accounts.pk"]),
        sa.PrimaryKeyConstraint("account_pk", "slug"),
    )
    op.create_table(
        "meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "claims",
        sa.Column("account_pk", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["account_pk"], ["accounts.pk"]),
        sa.PrimaryKeyConstraint("account_pk"),
    )
    op.create_table(
        "owner_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_pk", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["account_pk"], ["accounts.pk"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_owner_tokens_account", "owner_tokens", ["account_pk"])
    op.create_table(
        "plusk",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("giver_pk", sa.Integer(), nullable=False),
        sa.Column("receiver_pk", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["giver_pk"], ["accounts.pk"]),
        sa.ForeignKeyConstraint(["receiver_pk"], ["accounts.pk"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_plusk_pair", "plusk", ["giver_pk", "receiver_pk", "topic", "created_at"])
    op.create_index("ix_plusk_receiver", "plusk", ["receiver_pk", "created_at"])
    op.create_index("ix_plusk_time", "plusk", ["created_at"])
    op.create_table(
        "plusk_quota",
        sa.Column("giver_pk", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["giver_pk"], ["accounts.pk"]),
        sa.PrimaryKeyConstraint("giver_pk", "day"),
    )
    op.create_table(
        "admin_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_table(
        "perks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("brand_token_hash", sa.String(length=64), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("topics", sa.Text(), nullable=False),
        sa.Column("min_score", sa.Integer(), nullable=False),
        sa.Column("max_claims", sa.Integer(), nullable=False),
        sa.Column("claims", sa.Integer(), server_default="0", nullable=False),
        sa.Column("starts_at", sa.BigInteger(), nullable=False),
        sa.Column("ends_at", sa.BigInteger(), nullable=False),
        sa.Column("webhook_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("claims <= max_claims", name="ck_perks_claims"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "perk_claims",
        sa.Column("perk_id", sa.Integer(), nullable=False),
        sa.Column("account_pk", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["perk_id"], ["perks.id"]),
        sa.ForeignKeyConstraint(["account_pk"], ["accounts.pk"]),
        sa.PrimaryKeyConstraint("perk_id", "account_pk"),
    )
    op.create_table(
        "webhook_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("perk_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger(), nullable=False),
        sa.Column("delivered_at", sa.BigInteger(), nullable=True),
        sa.Column("failed_at", sa.BigInteger(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["perk_id"], ["perks.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_outbox_due", "webhook_outbox", ["delivered_at", "failed_at", "next_attempt_at"]
    )


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
