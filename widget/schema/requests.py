"""Request bodies as the routes and services check them (the document's request schemas)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .. import ids
from ..service.contacts import LANG_RE
from .params import AccountId, slug_type

FetchedId = Annotated[
    str,
    Field(
        pattern=ids.FETCHED_ID_PATTERN,
        max_length=ids.MAX_ID_LENGTH,
        description="a mastodon: or bsky: account id",
    ),
]
Slug = slug_type()
Time = Annotated[
    str, Field(json_schema_extra={"format": "date-time"}, description="ISO 8601 (naive means UTC)")
]


class ClaimBody(BaseModel):
    account: FetchedId


class LinkBody(BaseModel):
    account: AccountId
    token: str = Field(min_length=1, description="that account's owner token")


class PlusKBody(BaseModel):
    from_: AccountId = Field(alias="from", description="your account")
    to: AccountId = Field(description="theirs")
    topic: Slug = Field(description="a topic they have")


class PerkBody(BaseModel):
    title: str = Field(min_length=1, max_length=120)
    description: str = Field("", max_length=2000)
    topics: list[Slug] = Field(min_length=1, max_length=10)
    min_score: int = Field(ge=1, le=100)
    max_claims: int = Field(ge=1, le=100_000)
    starts_at: Time
    ends_at: Time = Field(description="after starts_at")
    webhook_url: str | None = Field(
        None, max_length=500, pattern=r"^https?://", json_schema_extra={"format": "uri"}
    )


class PerkClaimBody(BaseModel):
    account: AccountId


class ContactBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(None, json_schema_extra={"format": "email"})
    mastodon: bool = Field(
        False, description="direct mentions from the instance's bot (mastodon: accounts)"
    )
    perks: bool = Field(False, description="perks the account qualifies for")
    digest: bool = Field(False, description="the weekly digest")
    lang: str = Field(
        "en", pattern=f"^{LANG_RE.pattern}$", description="language tag of the messages"
    )


class UnsubscribeForm(BaseModel):
    List_Unsubscribe: Literal["One-Click"] = Field(alias="List-Unsubscribe")
