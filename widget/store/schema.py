"""Every table the service keeps, as SQLAlchemy Core metadata (SQLite and PostgreSQL alike).

Times of activity are integer UTC epoch seconds (cheap to load into numpy for scoring); score
snapshots are keyed by calendar day. Accounts carry an integer surrogate key ``pk`` so the hot
tables (reactions, snapshots) hold small integers, not long string ids.

A change here needs a revision in store/migrations/versions/ too (docs/migrations.md).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# What reactions.kind means. The codes are stored in rows, so they belong to the schema, not to
# the tunable model (widget/data/model.json weighs kinds by name): a code never changes meaning,
# and a new kind gets a new code.
REACTION_KINDS = {"reshare": 1, "quote": 2, "reply": 3, "mention": 4, "like": 5}

profiles = sa.Table(
    "profiles",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(330), nullable=False, unique=True),
    sa.Column("network", sa.String(16), nullable=False),
    sa.Column("handle", sa.String(320), nullable=False),
    sa.Column("display_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("profile_id", sa.Integer, sa.ForeignKey("profiles.id"), nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    # Fetched accounts (mastodon:, bsky:): when the last good fetch finished, and when the
    # last failed one did (a failure after the last success marks the score stale).
    sa.Column("fetched_at", sa.BigInteger, nullable=True),
    sa.Column("fetch_failed_at", sa.BigInteger, nullable=True),
    sa.Column("fetch_error", sa.String(200), nullable=True),
    # Optional data the last good fetch could not get (comma-separated names, e.g.
    # "engager_followers"): the record's signals.estimated says so.
    sa.Column("fetch_missing", sa.String(200), nullable=True),
)

# Other ids of an account (a Bluesky DID, a handle in another letter case): requests for them
# redirect to the account's own id.
account_aliases = sa.Table(
    "account_aliases",
    metadata,
    sa.Column("alias", sa.String(330), primary_key=True),
    sa.Column("account_pk", sa.Integer, sa.ForeignKey("accounts.pk"), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Index("ix_account_aliases_account", "account_pk"),
)

# What the fetch service remembers about an id between requests, so that asking again costs
# no upstream request: the last failed fetch (with exponential backoff: ``retry_at``), an
# upstream "no such account", or an owner's opt-out seen upstream (code "opted_out", the
# signal in ``message``; re-checked at ``retry_at``). Keyed by id: the account may not exist.
fetch_failures = sa.Table(
    "fetch_failures",
    metadata,
    sa.Column("account_id", sa.String(330), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),  # in a row
    sa.Column("failed_at", sa.BigInteger, nullable=False),
    sa.Column("retry_at", sa.BigInteger, nullable=False),
    sa.Column("status", sa.SmallInteger, nullable=False),
    sa.Column("code", sa.String(40), nullable=False),
    sa.Column("message", sa.String(300), nullable=False),
    sa.Index("ix_fetch_failures_retry", "retry_at"),
)

# Accounts whose owner asked to be forgotten: treated as opted out (nothing fetched, stored or
# served) until the owner claims the account again. Only the id and when are kept.
opt_outs = sa.Table(
    "opt_outs",
    metadata,
    sa.Column("account_id", sa.String(330), primary_key=True),
    sa.Column("reason", sa.String(200), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

posts = sa.Table(
    "posts",
    metadata,
    sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(200), nullable=False, unique=True),
    sa.Column("account_pk", sa.Integer, sa.ForeignKey("accounts.pk"), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("text", sa.Text, nullable=False, server_default=""),
    # Topic slugs found in the post, as JSON {slug: mentions}; extracted once at import.
    sa.Column("topics", sa.Text, nullable=False, server_default="{}"),
    # Reaction counts an upstream reports for a fetched post (None for local posts, whose
    # reactions are all rows in ``reactions``). Counts beyond the listed engagers are scored
    # with the documented estimate.
    sa.Column("reshare_count", sa.Integer, nullable=True),
    sa.Column("like_count", sa.Integer, nullable=True),
    sa.Column("reply_count", sa.Integer, nullable=True),
    sa.Column("quote_count", sa.Integer, nullable=True),
    sa.Index("ix_posts_account_time", "account_pk", "created_at"),
    sa.Index("ix_posts_time", "created_at"),
)

reactions = sa.Table(
    "reactions",
    metadata,
    # A digest of the reaction's identity, so importing the same event twice is a no-op.
    sa.Column("key", sa.String(32), primary_key=True),
    sa.Column("author_pk", sa.Integer, sa.ForeignKey("accounts.pk"), nullable=False),
    sa.Column("engager_pk", sa.Integer, sa.ForeignKey("accounts.pk"), nullable=False),
    sa.Column("kind", sa.SmallInteger, nullable=False),  # a code of REACTION_KINDS
    sa.Column("post_pk", sa.Integer, sa.ForeignKey("posts.pk"), nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Index("ix_reactions_time", "created_at"),
    sa.Index("ix_reactions_author", "author_pk", "created_at"),
)

follower_snapshots = sa.Table(
    "follower_snapshots",
    metadata,
    sa.Column("account_pk", sa.Integer, sa.ForeignKey("accounts.pk"), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("followers", sa.Integer, nullable=False),
)

score_snapshots = sa.Table(
    "score_snapshots",
    metadata,
    sa.Column("account_pk", sa.Integer, sa.ForeignKey("accounts.pk"), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("score", sa.SmallInteger, nullable=False),
    sa.Column("score_exact", sa.Float, nullable=False),
    sa.Column("raw", sa.Float, nullable=False),
    sa.Column("true_reach_score", sa.SmallInteger, nullable=False),
    sa.Column("true_reach_value", sa.Float, nullable=False),
    sa.Column("amplification_score", sa.SmallInteger, nullable=False),
    sa.Column("amplification_value", sa.Float, nullable=False),
    sa.Column("network_influence_score", sa.SmallInteger, nullable=False),
    sa.Column("network_influence_value", sa.Float, nullable=False),
    sa.Column("delta_day", sa.Float, nullable=True),
    sa.Column("delta_week", sa.Float, nullable=True),
    sa.Column("delta_month", sa.Float, nullable=True),
    sa.Column("provisional", sa.Boolean, nullable=False),
    sa.Column("explanation", sa.Text, nullable=False, server_default="[]"),
    sa.Column("signals", sa.Text, nullable=False, server_default="{}"),
    sa.Column("computed_at", sa.BigInteger, nullable=False),
    # The day's own (unsmoothed) score and what +K added: with the component values they
    # are the ledger a reader can recompute the published score from (docs/scoring.md).
    sa.Column("score_daily", sa.Float, nullable=True),
    sa.Column("plusk_bonus", sa.Float, nullable=False, server_default="0"),
    # The drivers of the day/week/month changes as packed float64s (scoring.drivers.FIELDS),
    # as-of day only; scoring.explain puts them into words when the record is read.
    sa.Column("drivers", sa.LargeBinary, nullable=True),
    sa.Index("ix_snapshots_day_score", "day", "score_exact"),
)

# The scoring job's state between runs (service.rescore_state): per scored day and part, packed
# numpy arrays of what the model carries to the next day, plus one "manifest" row (under the
# day of the run that wrote it) naming the model and the data they were computed from.
score_state = sa.Table(
    "score_state",
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("part", sa.String(16), primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

account_topics = sa.Table(
    "account_topics",
    metadata,
    sa.Column("account_pk", sa.Integer, sa.ForeignKey("accounts.pk"), primary_key=True),
    sa.Column("slug", sa.String(128), primary_key=True),
    sa.Column("weight", sa.Float, nullable=False),
    sa.Index("ix_account_topics_slug", "slug", "weight"),
)

hidden_topics = sa.Table(
    "hidden_topics",
    metadata,
    sa.Column("account_pk", sa.Integer, sa.ForeignKey("accounts.pk"), primary_key=True),
    sa.Column("slug", sa.String(128), primary_key=True),
)

# Small counters the service keys its caches on (see store.meta).
meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

# Ownership: a claim's code goes in the account's bio; a verified claim yields an owner token,
# stored only as its SHA-256 digest.
claims = sa.Table(
    "claims",
    metadata,
    sa.Column("account_pk", sa.Integer, sa.ForeignKey("accounts.pk"), primary_key=True),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False),
)

owner_tokens = sa.Table(
    "owner_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("account_pk", sa.Integer, sa.ForeignKey("accounts.pk"), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Index("ix_owner_tokens_account", "account_pk"),
)

# +K endorsements: one row per endorsement; the daily quota row is what makes "5 per giver per
# UTC day" hold under concurrency (a conditional UPDATE on it serialises a giver's requests).
plusk = sa.Table(
    "plusk",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("giver_pk", sa.Integer, sa.ForeignKey("accounts.pk"), nullable=False),
    sa.Column("receiver_pk", sa.Integer, sa.ForeignKey("accounts.pk"), nullable=False),
    sa.Column("topic", sa.String(128), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Index("ix_plusk_pair", "giver_pk", "receiver_pk", "topic", "created_at"),
    sa.Index("ix_plusk_receiver", "receiver_pk", "created_at"),
    sa.Index("ix_plusk_time", "created_at"),
)

plusk_quota = sa.Table(
    "plusk_quota",
    metadata,
    sa.Column("giver_pk", sa.Integer, sa.ForeignKey("accounts.pk"), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("used", sa.Integer, nullable=False),
)

# Brands (operators with an admin token) and their perk campaigns.
admin_tokens = sa.Table(
    "admin_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

perks = sa.Table(
    "perks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("brand_token_hash", sa.String(64), nullable=False),
    sa.Column("brand", sa.String(100), nullable=False),
    sa.Column("title", sa.String(120), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("topics", sa.Text, nullable=False),  # JSON list of slugs
    sa.Column("min_score", sa.Integer, nullable=False),
    sa.Column("max_claims", sa.Integer, nullable=False),
    sa.Column("claims", sa.Integer, nullable=False, server_default="0"),
    sa.Column("starts_at", sa.BigInteger, nullable=False),
    sa.Column("ends_at", sa.BigInteger, nullable=False),
    sa.Column("webhook_url", sa.String(500), nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.CheckConstraint("claims <= max_claims", name="ck_perks_claims"),
)

perk_claims = sa.Table(
    "perk_claims",
    metadata,
    sa.Column("perk_id", sa.Integer, sa.ForeignKey("perks.id"), primary_key=True),
    sa.Column("account_pk", sa.Integer, sa.ForeignKey("accounts.pk"), primary_key=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

# Webhook notices waiting to be delivered: written in the claim's transaction, so a notice is
# never lost, and marked delivered once, so it is never sent twice after a success.
webhook_outbox = sa.Table(
    "webhook_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("perk_id", sa.Integer, sa.ForeignKey("perks.id"), nullable=False),
    sa.Column("url", sa.String(500), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.BigInteger, nullable=False),
    sa.Column("delivered_at", sa.BigInteger, nullable=True),
    sa.Column("failed_at", sa.BigInteger, nullable=True),
    sa.Column("last_error", sa.String(300), nullable=True),
    sa.Index("ix_outbox_due", "delivered_at", "failed_at", "next_attempt_at"),
)

# Notifications (docs/notifications.md). Contact details exist only for owners who opted in:
# a row is deleted when nothing is left opted in. ``email`` is usable only once verified.
notify_contacts = sa.Table(
    "notify_contacts",
    metadata,
    sa.Column("account_pk", sa.Integer, sa.ForeignKey("accounts.pk"), primary_key=True),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("email_verified_at", sa.BigInteger, nullable=True),
    sa.Column("mastodon", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("perks", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("digest", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("lang", sa.String(16), nullable=False, server_default="en"),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

# Verification and unsubscribe links, stored only as SHA-256 digests. purpose: "verify" (single
# use, expiring; ``subject`` is the digest of the address it verifies), "unsub:email" or
# "unsub:mastodon" (one per message sent, so no token is ever kept in clear to reuse).
notify_tokens = sa.Table(
    "notify_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("account_pk", sa.Integer, sa.ForeignKey("accounts.pk"), nullable=False),
    sa.Column("purpose", sa.String(16), nullable=False),
    sa.Column("subject", sa.String(64), nullable=True),
    sa.Column("expires_at", sa.BigInteger, nullable=False),
    sa.Column("used_at", sa.BigInteger, nullable=True),
    sa.Index("ix_notify_tokens_account", "account_pk"),
)

# Messages waiting to be sent, written in the transaction of what causes them (a perk created,
# an opt-in, the weekly sweep); ``ref`` ("perk:7", "digest:2026-W02", "verify:...") is unique
# per recipient and channel, so nothing is queued twice. state: queued, sent, failed, cancelled.
notify_outbox = sa.Table(
    "notify_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_pk", sa.Integer, sa.ForeignKey("accounts.pk"), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("ref", sa.String(64), nullable=False),
    sa.Column("perk_id", sa.Integer, sa.ForeignKey("perks.id"), nullable=True),
    sa.Column("state", sa.String(10), nullable=False, server_default="queued"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.BigInteger, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("done_at", sa.BigInteger, nullable=True),
    sa.Column("last_error", sa.String(300), nullable=True),
    sa.UniqueConstraint("account_pk", "channel", "ref", name="uq_notify_outbox_ref"),
    sa.Index("ix_notify_outbox_due", "state", "next_attempt_at"),
    sa.Index("ix_notify_outbox_perk", "perk_id", "state"),
)

# The per-recipient cap (messages per channel per UTC day), taken by a conditional UPDATE so
# two workers cannot both send the day's one message.
notify_quota = sa.Table(
    "notify_quota",
    metadata,
    sa.Column("account_pk", sa.Integer, sa.ForeignKey("accounts.pk"), primary_key=True),
    sa.Column("channel", sa.String(16), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("used", sa.Integer, nullable=False),
)
