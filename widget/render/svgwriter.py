"""The generic SVG writer: one :class:`Scene` to markup, through the escaping builder in ``xml``.

``svg`` runs it once per scene *shape* with :class:`Slot` placeholders to compile a template,
and tests run it directly as the reference. ``theme=auto`` writes the light colours as
attributes and a ``prefers-color-scheme: dark`` rule per colour class.
"""

from __future__ import annotations

from functools import lru_cache

from widget.render.colors import GLOSS
from widget.render.scene import Polygon, Polyline, Rect, Scene, Text, Themed
from widget.render.text import FACES, FONT_FAMILY, natural_only
from widget.render.xml import Markup, Ref, Slot, attributes, element

SVG_NS = "http://www.w3.org/2000/svg"
DEFAULT_FACE = "regular-11"  # set on the text group; other faces override size/weight
GLOSS_REF, CLIP_REF = Ref("url(#s{})"), Ref("url(#r{})")
_GLOSS_ID, _CLIP_ID = Ref("s{}"), Ref("r{}")
_ID_ONLY = Ref("{}")
_GLOSS_DEFS = {
    name: element(
        "linearGradient",
        {"id": _GLOSS_ID, "x2": "0", "y2": "100%"},
        *(
            element("stop", {"offset": off, "stop-color": c, "stop-opacity": a})
            for off, c, a in stops
        ),
    )
    for name, stops in GLOSS.items()
}
_FRONT = attributes(
    {
        "fill": "#fff",
        "text-anchor": "middle",
        "font-family": FONT_FAMILY,
        "text-rendering": "geometricPrecision",
        "font-size": FACES[DEFAULT_FACE][1],
    }
)
_CLIPPED = attributes({"clip-path": CLIP_REF})
_CRISP = attributes({"shape-rendering": "crispEdges"})
_CLIP_ATTRS = attributes({"id": _CLIP_ID})
_FACE_ATTRS = {
    key: {"font-size": size, "font-weight": None if weight == "normal" else weight}
    for key, (_, size, weight) in FACES.items()
    if key != DEFAULT_FACE
}


@lru_cache(maxsize=64)
def _class_ref(numbers: tuple[int, ...]) -> Ref:
    return Ref(" ".join(f"c{n}{{}}" for n in numbers))


def _classes(attrs: dict, *numbers: int | None) -> None:
    """Add the theme classes (``c0<id>``...) of the themed paints just set, if any."""
    used = tuple(n for n in numbers if n is not None)
    if used:
        attrs["class"] = _class_ref(used)


class _Writer:
    """Collects the theme classes of one SVG while its elements are built."""

    __slots__ = ("classes",)

    def __init__(self):
        self.classes: dict[tuple[str, Themed], int] = {}

    def paint(self, attrs: dict, prop: str, paint) -> int | None:
        """Set ``prop``; for a themed paint also return its class number (see _class_ref)."""
        if type(paint) is not Themed:
            attrs[prop] = paint
            return None
        attrs[prop] = paint.light
        return self.classes.setdefault((prop, paint), len(self.classes))

    def rect(self, r: Rect) -> Markup:
        if r.stroke is None:
            attrs = {
                "x": r.x or None,
                "y": r.y or None,
                "width": r.w,
                "height": r.h,
                "rx": r.rx or None,
            }
            _classes(attrs, self.paint(attrs, "fill", r.fill))
            return element("rect", attrs)
        # A 1 px border inside the box: the stroke is centred on the path, so inset by half.
        attrs = {
            "x": r.x + 0.5,
            "y": r.y + 0.5,
            "width": r.w - 1,
            "height": r.h - 1,
            "rx": r.rx or None,
        }
        _classes(attrs, self.paint(attrs, "fill", r.fill), self.paint(attrs, "stroke", r.stroke))
        return element("rect", attrs)

    def polyline(self, p: Polyline) -> Markup:
        attrs = {"points": points_text(p.points), "fill": "none"}
        _classes(attrs, self.paint(attrs, "stroke", p.stroke))
        attrs.update(
            {"stroke-width": p.width, "stroke-linejoin": "round", "stroke-linecap": "round"}
        )
        return element("polyline", attrs)

    def polygon(self, p: Polygon) -> Markup:
        attrs = {"points": points_text(p.points)}
        _classes(attrs, self.paint(attrs, "fill", p.fill))
        return element("polygon", attrs)

    def text(self, t: Text, out: list) -> None:
        face = _FACE_ATTRS.get(t.face)
        # textLength pins the width whatever font the reader has, but spreads the letters of
        # joined scripts (Arabic...) apart: those are left at their natural width.
        length = None if t.natural or (type(t.text) is str and natural_only(t.text)) else t.width
        anchor = None if t.anchor == "middle" else t.anchor
        if t.shadow is not None:
            attrs = {"aria-hidden": "true", "x": t.x, "y": t.y + 1, "text-anchor": anchor}
            _classes(attrs, self.paint(attrs, "fill", t.shadow))
            attrs["fill-opacity"] = ".3"
            if face:
                attrs.update(face)
            if t.spacing:
                attrs["letter-spacing"] = t.spacing
            attrs["textLength"] = length
            out.append(element("text", attrs, t.text))
        attrs = {"x": t.x, "y": t.y, "text-anchor": anchor}
        _classes(attrs, self.paint(attrs, "fill", t.fill))
        if face:
            attrs.update(face)
        if t.spacing:  # for renderers that ignore textLength (e.g. librsvg)
            attrs["letter-spacing"] = t.spacing
        attrs["textLength"] = length
        out.append(element("text", attrs, t.text))

    def style(self) -> Markup:
        parts: list = ["@media (prefers-color-scheme: dark){"]
        for (prop, paint), n in self.classes.items():
            parts += [f".c{n}", _ID_ONLY, f"{{{prop}:{paint.dark}}}"]
        parts.append("}")
        return element("style", None, *parts)


def points_text(points) -> str:
    """SVG ``points`` for a polyline (already a Slot when compiling a template)."""
    if type(points) is Slot:
        return points
    return " ".join(f"{x:g},{y:g}" for x, y in points)


def write_markup(scene: Scene) -> Markup:
    """The scene as SVG markup, ids not yet filled in (see ``xml.finish``). Fields of the scene
    may be :class:`Slot` objects: that is how ``svg`` compiles its templates."""
    w = _Writer()
    width, height = scene.width, scene.height
    back = [w.rect(item) if type(item) is Rect else w.polyline(item) for item in scene.back]
    if scene.gloss:
        back.append(element("rect", {"width": width, "height": height, "fill": GLOSS_REF}))
    front: list = []
    for item in scene.front:
        if type(item) is Polygon:
            front.append(w.polygon(item))
        else:
            w.text(item, front)
    children: list = [element("title", None, scene.title)]
    if w.classes:
        children.append(w.style())
    if scene.gloss:
        children.append(_GLOSS_DEFS[scene.gloss])
    if scene.radius:
        clip = element(
            "rect", {"width": width, "height": height, "rx": scene.radius, "fill": "#fff"}
        )
        children.append(element("clipPath", _CLIP_ATTRS, clip))
        children.append(element("g", _CLIPPED, *back))
    else:
        children.append(element("g", _CRISP, *back))
    children.append(element("g", _FRONT, *front))
    root = element(
        "svg",
        {
            "xmlns": SVG_NS,
            "width": width,
            "height": height,
            "role": "img",
            "aria-label": scene.title,
        },
        *children,
    )
    return root
