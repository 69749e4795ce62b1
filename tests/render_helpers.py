"""Score records and SVG inspection shared by the ``test_render_*`` modules."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

from widget.records import COMPONENTS, Component, ScoreRecord, Topic

SVG = "{http://www.w3.org/2000/svg}"
DAY = date(2024, 5, 1)


def make_record(
    *,
    score: int = 57,
    display_name: str = "Jessica Example",
    handle: str = "jessica",
    network: str = "local",
    topics: tuple[tuple[str, str, float], ...] = (
        ("wine", "Wine", 100.0),
        ("food-and-drink", "Food and Drink", 81.0),
        ("travel", "Travel", 64.0),
        ("photography", "Photography", 40.0),
    ),
    components: tuple[int, ...] = (62, 48, 35),
    provisional: bool = False,
    stale: bool = False,
    history_days: int = 90,
) -> ScoreRecord:
    """A deterministic record; the history wobbles around the score so sparklines have shape."""
    history = tuple(
        (
            DAY - timedelta(days=history_days - 1 - i),
            score - 8 + 8 * i / max(history_days - 1, 1) + (i % 7) * 0.6,
        )
        for i in range(history_days)
    )
    return ScoreRecord(
        id=f"{network}:{handle}",
        network=network,
        handle=handle,
        display_name=display_name,
        score=score,
        score_exact=score + 0.2,
        components={k: Component(s, s / 10, 1 / 3) for k, s in zip(COMPONENTS, components)},
        deltas={"day": 0.4, "week": 1.5, "month": -2.0},
        explanation=("Amplification rose: more reshares per post than last week",),
        topics=tuple(Topic(slug, name, weight) for slug, name, weight in topics),
        provisional=provisional,
        stale=stale,
        day=DAY,
        updated_at=datetime(2024, 5, 1, 6, 0, tzinfo=UTC),
        history=history,
    )


def parse(svg: bytes) -> ET.Element:
    return ET.fromstring(svg)


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def texts(svg: bytes) -> list[str]:
    """The visible text nodes (shadows, marked aria-hidden, left out)."""
    root = parse(svg)
    return [el.text or "" for el in root.iter(SVG + "text") if el.get("aria-hidden") != "true"]


def dark_overrides(root: ET.Element) -> dict[str, dict[str, str]]:
    """class -> {property: colour} from the ``prefers-color-scheme: dark`` block, if any."""
    style = root.find(SVG + "style")
    if style is None:
        return {}
    return {
        cls: dict(re.findall(r"([a-z-]+):(#[0-9a-f]{6})", body))
        for cls, body in re.findall(r"\.([A-Za-z0-9_-]+)\{([^}]*)\}", style.text or "")
    }


def _rgb_blend(bg: str, color: str, alpha: float) -> str:
    from widget.render.colors import mix

    return mix(bg, color, alpha)


def _number(value: str | None, default: float = 0.0) -> float:
    return default if value is None else float(value)


def text_contrasts(svg: bytes, *, dark: bool = False) -> list[tuple[str, float]]:
    """(text, worst contrast ratio) for every visible text, read back from the SVG itself.

    The background of a text is the last solid rect (document order = paint order) that holds
    the middle of the text's box; under a gloss, each gradient stop of opacity <= .3 is blended
    in too (the stronger plastic highlights sit at the very edges, outside the glyphs).
    ``dark`` applies the ``prefers-color-scheme: dark`` rules, as a browser would.
    """
    from widget.render.colors import contrast_ratio

    root = parse(svg)
    overrides = dark_overrides(root) if dark else {}
    stops = [
        (el.get("stop-color", "#000000"), float(el.get("stop-opacity", "1")))
        for el in root.iter(SVG + "stop")
    ]

    def paint(el: ET.Element, prop: str, inherited: str | None) -> str | None:
        value = el.get(prop, inherited)
        for cls in (el.get("class") or "").split():
            value = overrides.get(cls, {}).get(prop, value)
        return value

    rects: list[tuple[float, float, float, float, str]] = []
    results: list[tuple[str, float]] = []

    def walk(el: ET.Element, fill: str | None, anchor: str | None) -> None:
        fill = paint(el, "fill", fill)
        anchor = el.get("text-anchor", anchor)
        tag = local(el.tag)
        if tag == "clipPath":
            return
        if tag == "rect":
            rects.append(
                (
                    _number(el.get("x")),
                    _number(el.get("y")),
                    _number(el.get("width")),
                    _number(el.get("height")),
                    fill or "#000000",
                )
            )
        if tag == "text" and el.get("aria-hidden") != "true" and (el.text or "").strip():
            x, y, w = _number(el.get("x")), _number(el.get("y")), _number(el.get("textLength"))
            cx = {"middle": x, "end": x - w / 2}.get(anchor or "start", x + w / 2)
            cy = y - 4
            solid = [
                r
                for r in rects
                if r[4].startswith("#") and r[0] <= cx <= r[0] + r[2] and r[1] <= cy <= r[1] + r[3]
            ]
            assert solid, f"no background under {el.text!r}"
            bg = solid[-1][4]
            glossed = any(r[4].startswith("url(") for r in rects)
            behind = [bg] + (
                [_rgb_blend(bg, c, a) for c, a in stops if a <= 0.3] if glossed else []
            )
            results.append((el.text, min(contrast_ratio(fill, b) for b in behind)))
        for child in el:
            walk(child, fill, anchor)

    walk(root, None, None)
    return results
