"""Embed codes: the widget snippet says which language the reader chose, the image agrees."""

from html.parser import HTMLParser

from render_helpers import make_record

from widget.render import parse_badge_params
from widget.web import snippets

BASE = "https://widget.example"


class _Anchor(HTMLParser):
    def __init__(self):
        super().__init__()
        self.attrs: dict = {}
        self.img: dict = {}

    def handle_starttag(self, tag, attrs):
        if tag == "a" and not self.attrs:
            self.attrs = dict(attrs)
        elif tag == "img":
            self.img = dict(attrs)


def _widget(html: str) -> _Anchor:
    parser = _Anchor()
    parser.feed(html)
    return parser


def test_widget_snippet_carries_data_lang_when_a_language_is_chosen():
    record = make_record()
    codes = snippets.build(record, BASE, snippets.params_for("card", "dark", 3, lang="ja"), "card")
    anchor = _widget(codes.script_html)
    assert anchor.attrs["data-lang"] == "ja"
    assert anchor.attrs["data-layout"] == "card" and anchor.attrs["data-theme"] == "dark"
    # the fallback image is drawn in the same language, with the language's own label
    assert "lang=ja" in codes.badge_url and "label=" not in codes.badge_url
    assert anchor.img["src"] == codes.badge_url


def test_no_data_lang_without_a_language():
    codes = snippets.build(
        make_record(), BASE, snippets.params_for("compact", "auto", 3), "compact"
    )
    assert "data-lang" not in _widget(codes.script_html).attrs
    assert "lang=" not in codes.badge_url


def test_params_from_the_query_keep_their_options():
    """What the builder passes (parsed query parameters) comes back in the badge URL."""
    params = parse_badge_params(
        {"style": "plastic", "lang": "pt-BR", "label": "score", "logo": "network"}, png=False
    )
    codes = snippets.build(make_record(), BASE, params, "compact")
    assert codes.badge_url.endswith("?style=plastic&label=score&lang=pt&logo=network")
    assert _widget(codes.script_html).attrs["data-lang"] == "pt"
