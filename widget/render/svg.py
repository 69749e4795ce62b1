"""SVG output: ``render_svg``, ``render_error_svg``, ``badge_size``.

Speed: a scene's *shape* (everything but its content-dependent values: widths, x positions,
texts, content colours) decides its markup structure, so the generic writer runs once per
shape with :class:`~widget.render.xml.Slot` placeholders and the result is kept as a compiled
template (a few dozen shapes exist). A render then lays out, splits the scene into (shape,
values), fills the template (escaping every value in ``xml``) and hashes in the ids.
"""

from __future__ import annotations

from widget.records import ScoreRecord
from widget.render.layout import error_scene, scene_for
from widget.render.params import BadgeParams
from widget.render.scene import Polygon, Polyline, Rect, Scene, Text
from widget.render.svgwriter import points_text, write_markup
from widget.render.text import natural_only
from widget.render.xml import Slot, Template, finish

TEMPLATE_CACHE_MAX = 256  # shapes are few (styles x themes x label/topic rows); this is a bound
_templates: dict[tuple, Template] = {}


def split(scene: Scene, build: bool = False) -> tuple[tuple, list, Scene | None]:
    """(shape key, values, prototype): the values in slot order; the prototype, only when
    ``build``, is the scene with those values replaced by numbered :class:`Slot` objects.

    One function decides both, so the template and the values always agree. A value is
    slotted only where the writer neither branches nor computes on it (zero x stays in the
    key because the writer leaves ``x="0"`` out; bordered rects are fixed card furniture).
    """
    values: list = [scene.width, scene.title]
    key: list = [scene.height, scene.radius, scene.gloss]
    proto: list | None = [] if build else None
    for item in scene.back:
        kind = type(item)
        if kind is Rect and item.stroke is None:
            fill = item.fill
            slot_fill = type(fill) is str
            key.append((0, item.x == 0, item.y, item.h, item.rx, None if slot_fill else fill))
            if item.x:
                values.append(item.x)
            values.append(item.w)
            if slot_fill:
                values.append(fill)
            if build:
                n = len(values) - 1 - slot_fill
                proto.append(
                    Rect(
                        Slot(n - 1) if item.x else 0,
                        item.y,
                        Slot(n),
                        item.h,
                        Slot(n + 1) if slot_fill else fill,
                        item.rx,
                    )
                )
        elif kind is Rect:
            key.append((1, item.x, item.y, item.w, item.h, item.fill, item.rx, item.stroke))
            if build:
                proto.append(item)
        else:  # Polyline
            slot_stroke = type(item.stroke) is str
            key.append((2, item.width, None if slot_stroke else item.stroke))
            values.append(points_text(item.points))
            if slot_stroke:
                values.append(item.stroke)
            if build:
                n = len(values) - 1 - slot_stroke
                proto.append(
                    Polyline(Slot(n), Slot(n + 1) if slot_stroke else item.stroke, item.width)
                )
    front: list | None = [] if build else None
    for t in scene.front:
        if type(t) is Polygon:  # network marks: fixed shapes, wholly in the key
            key.append((3, t.points, t.fill))
            if build:
                front.append(t)
            continue
        fill, shadow = t.fill, t.shadow
        slot_fill, slot_shadow = type(fill) is str, type(shadow) is str
        natural = natural_only(t.text)
        key.append(
            (
                t.y,
                t.face,
                t.anchor,
                t.spacing,
                None if slot_fill else fill,
                shadow is None,
                None if slot_shadow else shadow,
                natural,
            )
        )
        n = len(values)
        values += (t.x, t.text, t.width)
        if slot_fill:
            values.append(fill)
        if slot_shadow:
            values.append(shadow)
        if build:
            fill_slot = Slot(n + 3) if slot_fill else fill
            shadow_slot = Slot(n + 3 + slot_fill) if slot_shadow else shadow
            front.append(
                Text(
                    Slot(n),
                    t.y,
                    Slot(n + 1),
                    t.face,
                    fill_slot,
                    Slot(n + 2),
                    t.anchor,
                    shadow_slot,
                    t.spacing,
                    natural,
                )
            )
    prototype = None
    if build:
        prototype = Scene(Slot(0), scene.height, Slot(1), proto, front, scene.radius, scene.gloss)
    return tuple(key), values, prototype


def write_svg(scene: Scene) -> bytes:
    """The scene as a standalone SVG document (also valid inline in HTML)."""
    key, values, _ = split(scene)
    template = _templates.get(key)
    if template is None:
        template = Template(write_markup(split(scene, build=True)[2]))
        if len(_templates) >= TEMPLATE_CACHE_MAX:
            _templates.clear()
        _templates[key] = template
    return finish(template.fill(values))


def write_svg_direct(scene: Scene) -> bytes:
    """The same document written without a template: the reference ``write_svg`` must equal."""
    return finish(write_markup(scene))


def render_svg(record: ScoreRecord, params: BadgeParams) -> bytes:
    """The badge for ``record`` in ``params.style`` as SVG bytes (``params.scale`` is ignored)."""
    return write_svg(scene_for(record, params))


def render_error_svg(
    message: str, params: BadgeParams, subject: str | None = None, state: str = "error"
) -> bytes:
    """An error badge (``"not found"``, ``"invalid style"``...) in the error colour."""
    return write_svg(error_scene(message, params, subject, state))


def badge_size(record: ScoreRecord, params: BadgeParams) -> tuple[int, int]:
    """(width, height) in CSS px of ``render_svg(record, params)``, for embed snippets."""
    scene = scene_for(record, params)
    return scene.width, scene.height
