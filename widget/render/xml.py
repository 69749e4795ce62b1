"""A tiny element builder: the one place where text becomes markup.

:func:`element` serialises as it builds (no tree to walk again) and escapes every ``str``
attribute value and text child, so no renderer can forget to (shields.io's ``XmlElement``
idea); its result is :class:`Markup`, the only string type taken as markup as it is.
Characters XML 1.0 cannot carry (C0/C1 controls, lone surrogates, U+FFFE/U+FFFF) are dropped,
then ``& < > " '`` are escaped, and tab, LF and CR become character references so a parser
gives them back unchanged. Nothing else in ``widget.render`` builds markup from strings.

Templates: a :class:`Slot` in place of a value writes a marker; :class:`Template` compiles such
markup once and :meth:`Template.fill` escapes each value exactly as :func:`element` would, so
filling a template gives the same bytes as building directly (the tests check this).

Per-badge ids: a :class:`Ref` writes ``ID_MARK`` where the badge's id suffix goes. Escaping
drops ``ID_MARK`` (NUL) from every other text, so :func:`finish` can hash the finished
markup and put the suffix in: ids then depend on the whole content, and two different badges
inlined in one page never share an id.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

ID_MARK = "\x00"
_SLOT = "\x01"  # escaping drops it from every text, so only a Slot can write it
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SPECIAL = re.compile("[&<>\"'\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def strip_illegal(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (also what the PNG painter draws)."""
    return _ILLEGAL.sub("", text)


def escape(text: str) -> str:
    """Escaped for an attribute value or a text node (one function serves both)."""
    if not _SPECIAL.search(text):
        return text
    return (
        _ILLEGAL.sub("", text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )


def number(value: float) -> str:
    """Compact decimal for coordinates: 19.0 -> '19', 19.25 -> '19.25', 1/3 -> '0.33'."""
    text = f"{value:.2f}"
    if text.endswith("00"):
        return text[:-3]
    return text.rstrip("0")


class Ref:
    """A value that contains the per-badge id suffix, e.g. ``Ref("url(#s{})")``."""

    __slots__ = ("text",)

    def __init__(self, template: str):
        if "<" in template or "&" in template or '"' in template:
            raise ValueError("Ref templates are code constants, not markup")
        self.text = template.replace("{}", ID_MARK)


class Slot:
    """A hole in a :class:`Template`: written as a marker now, filled (and escaped) later."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index

    @property
    def text(self) -> str:
        return f"{_SLOT}{self.index}{_SLOT}"


class Markup(str):
    """Serialised markup, only ever made by :func:`element` and :func:`attributes`."""

    __slots__ = ()


def attributes(attrs: dict) -> Markup:
    """`` key="value"`` pairs, escaped; pass the result to :func:`element` to reuse constant sets.

    ``None`` values are left out; ``str`` values are escaped; numbers are written compactly.
    """
    search = _SPECIAL.search
    parts = []
    for key, value in attrs.items():
        kind = type(value)
        if kind is str:
            parts.append(f' {key}="{escape(value) if search(value) else value}"')
        elif kind is int:
            parts.append(f' {key}="{value}"')
        elif kind is float:
            parts.append(f' {key}="{number(value)}"')
        elif kind is Ref or kind is Slot:
            parts.append(f' {key}="{value.text}"')
        elif value is not None:
            raise TypeError(f"attribute {key}: unsupported value type {kind.__name__}")
    return Markup("".join(parts))


def element(name: str, attrs: dict | Markup | None = None, *children) -> Markup:
    """``<name attrs>children</name>``: ``str`` children are escaped text, :class:`Markup`
    children are elements built before, :class:`Ref` children write the id suffix."""
    if attrs is None:
        head = "<" + name
    elif type(attrs) is Markup:
        head = "<" + name + attrs
    else:
        head = "<" + name + attributes(attrs)
    if not children:
        return Markup(head + "/>")
    search = _SPECIAL.search
    parts = [head, ">"]
    for child in children:
        kind = type(child)
        if kind is Markup:
            parts.append(child)
        elif kind is str:
            parts.append(escape(child) if search(child) else child)
        elif kind is Ref or kind is Slot:
            parts.append(child.text)
        elif child is not None:
            raise TypeError(f"<{name}>: unsupported child type {kind.__name__}")
    parts.append(f"</{name}>")
    return Markup("".join(parts))


# Slot values repeat (scores, widths, colours, labels), so each is escaped or formatted once;
# the longest are sparkline point lists (~1 KB), so the cache stays within a few MB.
VALUE_CACHE = 4096


@lru_cache(maxsize=VALUE_CACHE, typed=True)  # typed: 1, 1.0 and True are different values
def _value(value) -> str:
    kind = type(value)
    if kind is str:
        return escape(value) if _SPECIAL.search(value) else value
    if kind is int:
        return str(value)
    if kind is float:
        return number(value)
    raise TypeError(f"slot value: unsupported type {kind.__name__}")


class Template:
    """Markup with :class:`Slot` holes, compiled once; :meth:`fill` escapes each value exactly
    as :func:`element` would have, so a filled template equals the markup built directly."""

    __slots__ = ("_format",)

    def __init__(self, markup: Markup):
        pieces = markup.replace("{", "{{").replace("}", "}}").split(_SLOT)
        # Odd pieces are slot numbers: "...{{x}}...\x013\x01..." -> "...{{x}}...{3}..."
        self._format = "".join(p if i % 2 == 0 else "{" + p + "}" for i, p in enumerate(pieces))

    def fill(self, values: list) -> str:
        return self._format.format(*map(_value, values))


def finish(markup: str) -> bytes:
    """UTF-8 bytes with every ``ID_MARK`` replaced by a hash of the markup itself."""
    data = markup.encode("utf-8")
    suffix = hashlib.blake2b(data, digest_size=5).hexdigest()
    return data.replace(b"\x00", suffix.encode("ascii"))
