"""The JSON bodies of every route, one model each: ``widget.web.openapi`` documents them,
and the routes write their bodies only through them (``widget.web.http.json_response``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .records import AccountSummary, Links

Date = Field(json_schema_extra={"format": "date"})
Time = Field(json_schema_extra={"format": "date-time"})


class Open(BaseModel):
    """A body that may carry more fields than the ones listed."""

    model_config = ConfigDict(extra="allow")


# -- scores ------------------------------------------------------------------------------------


class AccountList(BaseModel):
    accounts: list[AccountSummary]
    next_cursor: str | None


class HistoryDay(BaseModel):
    day: str = Date
    score: int = Field(ge=1, le=100)
    score_exact: float


class History(BaseModel):
    id: str
    days: list[HistoryDay] = Field(description="oldest first")


class Moved(BaseModel):
    entered: int
    left: int


class ReactionCounts(BaseModel):
    entered: dict[str, int]
    left: dict[str, int]


class Engagers(BaseModel):
    new: int
    lost: int


class StatementEvent(BaseModel):
    kind: Literal["post_left", "post_drew"]
    text: str
    post: str
    at: str = Date


class StatementDay(Open):
    day: str = Date
    score: float = Field(description="published score")
    score_daily: float | None = Field(description="the day's own score")
    smoothed: float = Field(description="published score before +K")
    plusk_bonus: float
    raw: float
    components: dict[str, float]
    posts: Moved
    reactions: ReactionCounts
    engagers: Engagers
    events: list[StatementEvent]


class Statement(BaseModel):
    id: str
    first_activity: str | None = Date
    days: list[StatementDay] = Field(description="the latest day last")


class TopicRef(BaseModel):
    slug: str
    name: str


class Leader(BaseModel):
    id: str
    display_name: str
    score: int = Field(ge=1, le=100)
    weight: float
    links: Links


class Leaders(BaseModel):
    topic: TopicRef
    leaders: list[Leader]


class Card(BaseModel):
    id: str
    score: int = Field(ge=1, le=100)
    card: dict = Field(description="the card and compact badge scenes widget.js draws")


class Shields(BaseModel):
    schemaVersion: Literal[1]
    label: str
    message: str
    color: str
    cacheSeconds: int = Field(ge=300)


class OEmbed(BaseModel):
    type: Literal["rich"]
    version: Literal["1.0"]
    html: str
    width: int = Field(ge=1)
    height: int = Field(ge=1)
    title: str
    author_name: str
    author_url: str
    provider_name: str
    provider_url: str
    cache_age: int


class SearchResult(BaseModel):
    id: str
    display_name: str
    score: int = Field(ge=1, le=100)
    weight: float
    links: Links


class Search(BaseModel):
    topic: str | None
    results: list[SearchResult] = Field(description="by weight in the topic, then score")
    next_cursor: str | None


class Snippets(BaseModel):
    """The builder's snippets for the options given."""

    badge_url: str
    width: int = Field(ge=1)
    height: int = Field(ge=1)
    image_html: str
    markdown: str
    script_html: str
    json_url: str
    oembed_url: str
    score: int = Field(ge=1, le=100)
    alt: str = Field(description="the image's alt text, in the badge's language")
    lang: str
    label: str


# -- ownership ---------------------------------------------------------------------------------


class ClaimStarted(BaseModel):
    account: str
    code: str
    expires_at: int = Field(description="epoch seconds")
    instructions: str


class ClaimVerified(BaseModel):
    account: str
    token: str = Field(description="the owner token; shown only once")
    note: str


class Forgotten(BaseModel):
    account: str
    forgotten: Literal[True]
    deleted: dict[str, int] = Field(description="rows deleted per table")
    note: str


class Export(Open):
    """Everything stored about the account (times in epoch seconds)."""

    exported_at: int


class Linked(BaseModel):
    profile: int
    accounts: int = Field(ge=2)


class HiddenTopic(BaseModel):
    account: str
    topic: str
    hidden: bool


# -- community ---------------------------------------------------------------------------------


class PlusKGiven(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    from_: str = Field(alias="from")
    to: str
    topic: str
    note: str


class Perk(BaseModel):
    id: int
    brand: str
    title: str
    description: str
    topics: list[str]
    min_score: int = Field(ge=1, le=100)
    max_claims: int = Field(ge=1)
    starts_at: str = Time
    ends_at: str = Time
    claims_left: int


class Delivery(BaseModel):
    """Notifications of the campaign: queued (in flight included), sent, failed, cancelled
    (the owner opted out or no longer qualified), and claimed: notified owners who claimed."""

    queued: int = Field(ge=0)
    sent: int = Field(ge=0)
    failed: int = Field(ge=0)
    cancelled: int = Field(ge=0)
    claimed: int = Field(ge=0)


class PerkWithDelivery(Perk):
    delivery: Delivery


class PerkList(BaseModel):
    perks: list[Perk]


class AccountPerks(BaseModel):
    id: str
    perks: list[Perk]


class PerkClaimed(BaseModel):
    perk: int
    account: str
    claimed: Literal[True]


class Claimant(BaseModel):
    account: str
    claimed_at: str = Time
    links: Links


class Claimants(BaseModel):
    perk: int
    claims: list[Claimant]


# -- notifications -----------------------------------------------------------------------------


class Contact(Open):
    account: str
    stored: bool
    email: str | None = None
    email_confirmed: bool | None = None
    mastodon: bool | None = Field(None, description="direct mentions from the instance's bot")
    perks: bool | None = Field(None, description="perks the account qualifies for")
    digest: bool | None = Field(None, description="the weekly digest")
    lang: str | None = Field(None, description="language tag of the messages")
    note: str | None = None


class Unsubscribed(BaseModel):
    account: str
    channel: str
    unsubscribed: Literal[True]
    note: str


# -- operations --------------------------------------------------------------------------------


class Breaker(BaseModel):
    state: Literal["open", "half-open", "closed"]
    failures_in_a_row: int
    retry_in: int


class Upstreams(BaseModel):
    open: int
    hosts: dict[str, Breaker]


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    store: Literal["ok", "error"]
    upstreams: Upstreams


class Metrics(Open):
    renders: int
    rendered_cached: int
    rendered_bytes: int
    fetches: int
    redis: bool | None
    generation: int | str | None


class Document(Open):
    """The OpenAPI 3.1 document."""

    openapi: str
