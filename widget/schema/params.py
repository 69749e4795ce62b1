"""Path and query parameters as the routes validate them: patterns and bounds come from the
modules that enforce them (ids, render.params, i18n, colours) and from the app's config
(page sizes, history length), so the document states the real limits.

Each parameter is a pydantic type; :func:`parameter` turns one into an OpenAPI parameter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter

from .. import ids
from ..records import HISTORY_DAYS
from ..render import i18n
from ..render import params as badge
from ..render.colors import ALIASES, NAMED_COLORS
from ..topics import load_ontology

# -- ids and slugs -----------------------------------------------------------------------------


def _slug_chars() -> str:
    """Every character a topic slug of the ontology uses, as a character class body."""
    chars = sorted({c for slug in load_ontology().slugs for c in slug})
    return "".join("\\" + c if c in "\\]^-[/" else c for c in chars)


AccountId = Annotated[
    str,
    Field(
        pattern=ids.ACCOUNT_ID_PATTERN,
        max_length=ids.MAX_ID_LENGTH,
        description="network:handle, e.g. local:jessica, mastodon:alice@example.social, "
        "bsky:alice.bsky.social or bsky:did:plc:...",
    ),
]
TOPIC_SLUG_MAX = badge.TOPIC_MAX


def slug_type() -> Any:
    return Annotated[
        str,
        Field(
            pattern=f"^[{_slug_chars()}]+$",
            min_length=1,
            max_length=TOPIC_SLUG_MAX,
            description="a topic slug of the Klout ontology",
        ),
    ]


Cursor = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9_-]+$",
        min_length=1,
        max_length=600,
        description="the next_cursor of the previous page",
    ),
]
Network = Literal[ids.NETWORKS]  # type: ignore[valid-type]
PerkId = Annotated[int, Field(ge=1, description="a perk's id")]
LinkToken = Annotated[str, Field(min_length=1, description="the token of a message's link")]

# -- badge options (render.params parses them) ----------------------------------------------------

_COLOR_NAMES = "|".join(sorted({*NAMED_COLORS, *ALIASES}, key=len, reverse=True))
BADGE = {
    "style": Literal[badge.STYLES],  # type: ignore[valid-type]
    "label": Annotated[str, Field(max_length=badge.LABEL_MAX)],
    "theme": Literal[badge.THEMES],  # type: ignore[valid-type]
    "color": Annotated[
        str,
        Field(
            pattern=rf"^ *(?:#?(?:[0-9a-fA-F]{{3}}|[0-9a-fA-F]{{6}})|{_COLOR_NAMES}) *$",
            description="a named colour or a hex colour; overrides the score band colour",
        ),
    ],
    "topic": Annotated[
        str,
        Field(
            pattern=r"^[^\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f"
            r"\u3000\ufeff](?:[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\x9f\u00a0\u1680"
            r"\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff])?$",
            max_length=badge.TOPIC_MAX,
            description="badge styles: 'top' shows the top topic, a topic slug the account's "
            "weight in it (ignored by card)",
        ),
    ],
    "topics": Annotated[
        int, Field(ge=0, le=badge.TOPICS_MAX, description="topics on the card (card style only)")
    ],
    "cache_seconds": Annotated[
        int, Field(ge=0, le=badge.CACHE_SECONDS_MAX, description="can only lengthen caching")
    ],
    "lang": Annotated[
        str,
        Field(
            pattern=r"^(?:[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,4})?$",
            max_length=i18n.TAG_MAX,
            description=f"a language tag; offered: {', '.join(i18n.LANGUAGES)} (others: English)",
        ),
    ],
    "logo": Literal[badge.LOGOS],  # type: ignore[valid-type]
    "scale": Annotated[int, Field(ge=1, le=badge.SCALE_MAX, description="PNG only")],
}
BADGE_DEFAULTS = {
    "style": "flat",
    "label": badge.DEFAULT_LABEL,
    "theme": "light",
    "topics": badge.TOPICS_DEFAULT,
    "logo": "none",
    "scale": 1,
}

# -- paging ----------------------------------------------------------------------------------------


def limit_type(cfg: Mapping) -> Any:
    return Annotated[int, Field(ge=1, le=cfg["PAGE_LIMIT_MAX"])]


def days_type(cfg: Mapping) -> Any:
    return Annotated[int, Field(ge=1, le=cfg["HISTORY_DAYS_MAX"])]


DEFAULTS = {"limit": lambda cfg: cfg["PAGE_LIMIT_DEFAULT"], "days": lambda cfg: HISTORY_DAYS}

# -- as OpenAPI ------------------------------------------------------------------------------------


def schema_of(tp: Any) -> dict:
    out = TypeAdapter(tp).json_schema()
    out.pop("title", None)
    return out


def parameter(
    name: str,
    tp: Any,
    where: str = "query",
    *,
    required: bool | None = None,
    default: Any = None,
    description: str | None = None,
) -> dict:
    schema = schema_of(tp)
    if default is not None:
        schema["default"] = default
    desc = description or schema.pop("description", None)
    out = {
        "name": name,
        "in": where,
        "required": where == "path" if required is None else required,
        "schema": schema,
    }
    if desc:
        out["description"] = desc
    return out


def badge_parameters(*names: str) -> list[dict]:
    return [parameter(n, BADGE[n], default=BADGE_DEFAULTS.get(n)) for n in names]


def builder_parameters() -> list[dict]:
    """The builder's form: a submitted form sends empty fields, which mean the default."""
    empty = Literal[("",)]
    return [
        parameter(
            "account", AccountId | empty, description="the account (default: the demo account)"
        ),
        parameter("layout", Literal[("compact", "card", "")], default="compact"),
        parameter("style", BADGE["style"] | empty),
        parameter("theme", BADGE["theme"] | empty),
        parameter("label", BADGE["label"], default=badge.DEFAULT_LABEL),
        parameter(
            "topics",
            Annotated[str, Field(pattern=rf"^(?:0*[0-{badge.TOPICS_MAX}])?$")],
            default=str(badge.TOPICS_DEFAULT),
            description="topics on the card",
        ),
    ]
