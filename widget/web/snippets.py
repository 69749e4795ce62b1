"""Copy-paste embed codes for an account: image, script widget, JSON and oEmbed URLs.

One place builds them, so the profile page, the builder and the docs always agree with what
widget.js expects (SPEC "Embedding"; the snippet format is in README.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from markupsafe import Markup, escape

from ..records import ScoreRecord
from ..render import BadgeParams, badge_size, i18n
from ..render.params import DEFAULT_LABEL

LAYOUTS = ("compact", "card")


@dataclass(frozen=True)
class Snippets:
    badge_url: str
    width: int
    height: int
    image_html: str
    markdown: str
    script_html: str
    json_url: str
    oembed_url: str
    profile_url: str
    alt: str  # the image's alt text, in the badge's language


def badge_query(params: BadgeParams) -> str:
    """Only the parameters that differ from the defaults, in a stable order (the label only
    when it is not the default label of the language asked for)."""
    default = BadgeParams()
    pairs = [
        (name, getattr(params, name))
        for name in ("style", "label", "theme", "color", "topic", "topics", "lang")
        if getattr(params, name) != getattr(default, name)
        and getattr(params, name) is not None
        and not (name == "label" and params.label == _default_label(params.lang))
    ]
    if params.logo:
        pairs.append(("logo", "network"))
    return ("?" + urlencode(pairs)) if pairs else ""


def _default_label(lang: str) -> str:
    return i18n.gettext(lang, DEFAULT_LABEL)


def params_for(
    layout: str, theme: str, topics: int, label: str | None = None, lang: str = i18n.DEFAULT
) -> BadgeParams:
    """The badge of a widget snippet; ``label`` defaults to the language's own label."""
    style = "card" if layout == "card" else "flat"
    return BadgeParams(
        style=style,
        theme=theme,
        topics=topics,
        lang=lang,
        label=_default_label(lang) if label is None else label,
    )


def build(record: ScoreRecord, base: str, params: BadgeParams, layout: str) -> Snippets:
    ident = quote(record.id, safe=":@")
    profile = f"{base}/u/{ident}"
    badge = f"{base}/badge/{ident}.svg{badge_query(params)}"
    width, height = badge_size(record, params)
    alt = f"{params.label or _default_label(params.lang)}: {i18n.number(params.lang, record.score)}"
    img = Markup('<img src="{}" width="{}" height="{}" alt="{}">').format(badge, width, height, alt)
    image_html = str(Markup('<a href="{}">{}</a>').format(profile, img))
    # data-lang (and oEmbed's lang) only when a language was chosen: the default is English.
    chosen = params.lang != i18n.DEFAULT
    lang = Markup(' data-lang="{}"').format(params.lang) if chosen else ""
    oembed = {"url": profile, "format": "json", **({"lang": params.lang} if chosen else {})}
    script_html = str(
        Markup(
            '<a class="influence-widget" href="{}" data-account="{}" data-layout="{}" '
            'data-theme="{}" data-topics="{}"{}>{}</a>\n'
            '<script async src="{}/widget.js"></script>'
        ).format(profile, record.id, layout, params.theme, params.topics, lang, img, base)
    )
    return Snippets(
        badge_url=badge,
        width=width,
        height=height,
        image_html=image_html,
        markdown=f"[![{escape(alt)}]({badge})]({profile})",
        script_html=script_html,
        json_url=f"{base}/api/v1/accounts/{ident}",
        oembed_url=f"{base}/oembed?{urlencode(oembed)}",
        profile_url=profile,
        alt=alt,
    )
