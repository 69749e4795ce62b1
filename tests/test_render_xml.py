"""The element builder: the one place text is escaped."""

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from widget.render.xml import (
    ID_MARK,
    Markup,
    Ref,
    Slot,
    Template,
    element,
    escape,
    finish,
    number,
    strip_illegal,
)


def test_escape_specials():
    assert escape("a & b < c > d \" e ' f") == "a &amp; b &lt; c &gt; d &quot; e &#39; f"
    assert escape("plain") == "plain"


def test_escape_strips_characters_xml_cannot_carry():
    assert escape("a\x00b\x01c\x08d\x0be\x1ff\x7fg\x9fh\ud800i\ufffej\uffff") == "abcdefghij"
    assert escape("tab\tnew\nline\r") == "tab&#9;new&#10;line&#13;"  # kept, as references
    assert strip_illegal("x\x00\ud83dy") == "xy"


def test_escape_keeps_other_unicode():
    sample = "\u4e2d\u6587 \u05e9\u05dc\u05d5\u05dd \U0001f600"
    assert escape(sample) == sample


def test_element_escapes_attributes_and_text():
    markup = element("text", {"x": 1, "fill": 'a"b'}, "<script>&")
    assert markup == '<text x="1" fill="a&quot;b">&lt;script&gt;&amp;</text>'
    assert isinstance(markup, Markup)


def test_element_nests_markup_without_escaping_it_again():
    inner = element("title", None, "a&b")
    assert element("svg", {"role": "img"}, inner) == '<svg role="img"><title>a&amp;b</title></svg>'


def test_none_attributes_are_left_out_and_empty_elements_self_close():
    assert (
        element("rect", {"x": None, "width": 3, "height": 2.5}) == '<rect width="3" height="2.5"/>'
    )


def test_plain_str_subclass_is_not_trusted():
    class Sneaky(str):
        pass

    with pytest.raises(TypeError):
        element("g", None, Sneaky("<b/>"))


def test_unsupported_values_are_rejected():
    with pytest.raises(TypeError):
        element("rect", {"width": [1]})


@pytest.mark.parametrize(
    ("value", "text"),
    [(19.0, "19"), (19.25, "19.25"), (1 / 3, "0.33"), (0.5, "0.5"), (125.734375, "125.73")],
)
def test_number(value, text):
    assert number(value) == text


def test_ref_and_finish_put_a_content_hash_into_ids():
    markup = element(
        "g",
        None,
        element("clipPath", {"id": Ref("r{}")}),
        element("rect", {"fill": Ref("url(#r{})")}),
    )
    assert ID_MARK in markup
    out = finish(markup).decode()
    assert "\x00" not in out
    suffix = out.split('id="r', 1)[1].split('"', 1)[0]
    assert len(suffix) == 10 and f"url(#r{suffix})" in out
    other = finish(element("g", None, element("clipPath", {"id": Ref("r{}")}), "x")).decode()
    assert f'r{suffix}"' not in other


def test_ref_templates_must_be_plain():
    with pytest.raises(ValueError):
        Ref('"><script>{}')


def test_text_cannot_forge_an_id_mark_or_a_slot():
    markup = element("text", {"x": "\x00\x01"}, "\x00\x011\x01")
    assert "\x00" not in markup and "\x01" not in markup


def test_template_fill_equals_direct_build():
    def build(x, label, width):
        return element(
            "svg", {"width": width}, element("title", None, label), element("text", {"x": x}, label)
        )

    template = Template(build(Slot(0), Slot(1), Slot(2)))
    for values in ([1.5, "a<b>{0}%s", 20], [0.0, "{}}{", 7], [3.25, "\u00e9\x00", 100]):
        assert template.fill(values) == build(*values)


@given(st.text())
def test_any_text_parses_back_to_itself_minus_illegal_characters(text):
    doc = element("svg", {"aria-label": text}, element("title", None, text))
    root = ET.fromstring(doc)
    kept = strip_illegal(text)
    assert (root.find("title").text or "") == kept
    assert root.get("aria-label") == kept
