"""The profile page's 90-day chart: the activity statement's rows in, an inline SVG out.

Pure (no Flask): :func:`history_chart` takes the statement rows (oldest first, the shape
``ScoreService.statement`` returns) and lays out a :class:`HistoryChart`; its ``svg`` is
written through :func:`widget.render.xml.element`, so every text is escaped once, there.

Readable without JavaScript: every day is a focusable group whose ``<title>`` gives its values
(a tooltip on hover) and whose readout line appears on hover or keyboard focus (pages.css turns
``visibility`` on); days the statement names an event carry a marker with the event's text.
Presentation attributes only: the pages' CSP forbids inline styles. The value scale is fitted
to the data (at least ``MIN_SPAN`` points tall), so a steady score is a flat line mid-chart and
a real move is visible; the axis says which numbers it spans. Its words, dates and numbers are
in ``lang`` (the page's language; the catalogs of widget.render.i18n); the time axis runs left
to right in every language, as charts do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, timedelta

from widget.render import i18n
from widget.render.svgwriter import SVG_NS
from widget.render.text import FONT_FAMILY, text_width, truncate
from widget.render.xml import Markup, element

# viewBox units, about a phone's width: drawn at 100% of the column (pages.css caps it on wide
# screens), so on a phone one unit is about one CSS pixel and the text stays readable.
WIDTH, HEIGHT = 360, 220
LEFT, RIGHT_EDGE, TOP, BOTTOM = 30, WIDTH - 22, 24, 182  # the plot area (y grows downwards)
LEGEND_Y = 213  # baseline of the legend row, under the date labels
LEGEND_MARGIN = 4  # the legend may start this close to the left edge when it needs the room
FACE, FONT_SIZE = "regular-11", 11
MIN_SPAN = 10.0  # points: a steady score stays visibly steady instead of magnified noise
Y_STEPS = (1, 2, 5, 10, 20, 25)  # candidate distances between value ticks, smallest first
MAX_Y_INTERVALS = 5
MAX_X_TICKS = 5
COLORS = {  # light theme; pages.css overrides them for dark by class
    "published": "#0969da",
    "daily": "#8c959f",
    "event": "#bc4c00",
    "grid": "#d0d7de",
    "text": "#57606a",
}


@dataclass(frozen=True)
class Day:
    """One day of the chart, where it is drawn and what it says on hover or focus."""

    day: date
    x: float
    published: float
    daily: float | None
    y_published: float
    y_daily: float | None
    title: str  # "29 Nov: published 61.2, daily 64.1"
    events: tuple[str, ...]  # the statement's event texts for that day


@dataclass(frozen=True)
class Tick:
    at: float  # x (date ticks) or y (value ticks) in viewBox units
    label: str


@dataclass(frozen=True)
class HistoryChart:
    summary: str  # the chart in words; the page shows it instead when there is no svg
    days: tuple[Day, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    low: float  # the value scale: bottom and top of the plot area
    high: float
    svg: Markup  # empty with fewer than two days: one dot is no chart
    lang: str = i18n.DEFAULT  # the language of its words, dates and numbers

    @property
    def markers(self) -> tuple[Day, ...]:
        return tuple(d for d in self.days if d.events)


def history_chart(rows: list[dict], lang: str = i18n.DEFAULT) -> HistoryChart:
    """Statement rows (oldest first: ``day``, ``score``, ``score_daily``, ``events``...)."""

    def short_date(day: date) -> str:
        return i18n.short_date(lang, day)

    def number(value: float, digits: int = 1) -> str:
        return i18n.decimal(lang, value, digits) if digits else i18n.number(lang, value)

    if not rows:
        return HistoryChart(
            i18n.gettext(lang, "No history yet."), (), (), (), 0.0, 0.0, Markup(""), lang
        )
    if len(rows) == 1:
        row = rows[0]
        text = i18n.gettext(
            lang,
            "Only one day of history so far: %(score)s on %(day)s.",
            score=number(_whole(row["score"]), 0),
            day=short_date(date.fromisoformat(row["day"])),
        )
        return HistoryChart(text, (), (), (), 0.0, 0.0, Markup(""), lang)
    first = date.fromisoformat(rows[0]["day"])
    last = date.fromisoformat(rows[-1]["day"])
    span = max((last - first).days, 1)
    values = [r["score"] for r in rows] + [
        r["score_daily"] for r in rows if r.get("score_daily") is not None
    ]
    low, high, y_ticks = value_scale(min(values), max(values), lang)

    def x_of(day: date) -> float:
        return round(LEFT + (day - first).days / span * (RIGHT_EDGE - LEFT), 2)

    def y_of(value: float) -> float:
        return round(BOTTOM - (value - low) / (high - low) * (BOTTOM - TOP), 2)

    days = []
    for r in rows:
        day = date.fromisoformat(r["day"])
        daily = r.get("score_daily")
        if daily is None:
            title = i18n.gettext(
                lang,
                "%(day)s: published %(published)s",
                day=short_date(day),
                published=number(r["score"]),
            )
        else:
            title = i18n.gettext(
                lang,
                "%(day)s: published %(published)s, daily %(daily)s",
                day=short_date(day),
                published=number(r["score"]),
                daily=number(daily),
            )
        days.append(
            Day(
                day,
                x_of(day),
                r["score"],
                daily,
                y_of(r["score"]),
                None if daily is None else y_of(daily),
                title,
                tuple(e["text"] for e in r.get("events") or ()),
            )
        )
    x_ticks = tuple(Tick(x_of(d), short_date(d)) for d in date_ticks(first, span))
    summary = i18n.gettext(
        lang,
        "Daily and published score, %(first)s to %(last)s: published %(start)s on "
        "%(first)s and %(end)s on %(last)s. The value scale is fitted to the data: %(low)s to "
        "%(high)s.",
        first=short_date(first),
        last=short_date(last),
        start=number(_whole(rows[0]["score"]), 0),
        end=number(_whole(rows[-1]["score"]), 0),
        low=i18n.number(lang, low),
        high=i18n.number(lang, high),
    )
    chart = HistoryChart(summary, tuple(days), x_ticks, y_ticks, low, high, Markup(""), lang)
    return replace(chart, svg=chart_svg(chart))


def value_scale(
    lo: float, hi: float, lang: str = i18n.DEFAULT
) -> tuple[float, float, tuple[Tick, ...]]:
    """Bottom, top and ticks of a value axis that holds ``lo..hi`` within 0..100, at least
    ``MIN_SPAN`` tall, with the smallest round step that needs at most five intervals."""
    if hi - lo < MIN_SPAN:
        mid = (lo + hi) / 2
        lo, hi = mid - MIN_SPAN / 2, mid + MIN_SPAN / 2
        if lo < 0:
            lo, hi = 0.0, MIN_SPAN
        elif hi > 100:
            lo, hi = 100 - MIN_SPAN, 100.0
    for step in Y_STEPS:
        bottom = max(0, math.floor(lo / step) * step)
        top = min(100, math.ceil(hi / step) * step)
        if (top - bottom) / step <= MAX_Y_INTERVALS:
            break
    count = round((top - bottom) / step)
    y = [BOTTOM - i / count * (BOTTOM - TOP) for i in range(count + 1)]
    ticks = tuple(
        Tick(round(y[i], 2), i18n.number(lang, bottom + i * step)) for i in range(count + 1)
    )
    return float(bottom), float(top), ticks


def date_ticks(first: date, span: int) -> list[date]:
    """Up to five evenly spread days from ``first`` to ``first + span``, both ends included."""
    count = min(MAX_X_TICKS, span + 1)
    offsets = sorted({round(i * span / (count - 1)) for i in range(count)})
    return [first + timedelta(days=k) for k in offsets]


def _whole(score: float) -> int:
    """The published whole score, rounded as the scoring job rounds (half to even, 1..100)."""
    return max(1, min(100, round(score)))


# ---------------------------------------------------------------------------------------------
# Drawing


# A right-to-left label keeps its box where a left-to-right one would be: with
# direction="rtl", SVG's "end" is the left edge and "start" the right one.
RTL_ANCHOR = {None: "end", "start": "end", "end": "start", "middle": "middle"}


def _text(
    x: float, y: float, label: str, anchor: str | None = None, cls: str = "ax", rtl: bool = False
) -> Markup:
    attrs = {"class": cls, "x": x, "y": y, "text-anchor": anchor, "fill": COLORS["text"]}
    if rtl:
        attrs.update({"direction": "rtl", "text-anchor": RTL_ANCHOR[anchor]})
    return element("text", attrs, label)


def _path(points: list[tuple[float, float] | None]) -> str:
    """``M x y L x y ...``; ``None`` breaks the line (a day without a daily score)."""
    parts, pen = [], "M"
    for p in points:
        if p is None:
            pen = "M"
            continue
        parts.append(f"{pen}{p[0]:g} {p[1]:g}")
        pen = "L"
    return " ".join(parts)


def _legend(lang: str) -> list[Markup]:
    """Swatch and label of each line and of the event marker, in one row under the dates:
    from the plot's left edge, or further left when a language's labels need the room."""
    labels = (
        ("published", i18n.gettext(lang, "published (smoothed)")),
        ("daily", i18n.gettext(lang, "daily (unsmoothed)")),
    )
    event = i18n.gettext(lang, "event")
    width = (
        sum(16 + text_width(label, FACE) + 10 for _, label in labels) + 12 + text_width(event, FACE)
    )
    out, x = [], float(max(LEGEND_MARGIN, min(LEFT, WIDTH - LEGEND_MARGIN - width)))
    for key, label in labels:
        out.append(
            element(
                "line",
                {
                    "class": key,
                    "x1": x,
                    "y1": LEGEND_Y - 4,
                    "x2": x + 12,
                    "y2": LEGEND_Y - 4,
                    "stroke": COLORS[key],
                    "stroke-width": 2.5 if key == "published" else 1.5,
                },
            )
        )
        out.append(_text(x + 16, LEGEND_Y, label, rtl=i18n.is_rtl(lang)))
        x += 16 + text_width(label, FACE) + 10
    out.append(_marker_shape(x + 4, LEGEND_Y))
    out.append(_text(x + 12, LEGEND_Y, event, rtl=i18n.is_rtl(lang)))
    return out


def _marker_shape(x: float, base: float) -> Markup:
    """A small upward triangle whose base is at ``base``."""
    return element(
        "path", {"class": "mk", "d": f"M{x - 4:g} {base:g}h8l-4 -7z", "fill": COLORS["event"]}
    )


def _readout(text: str, rtl: bool = False) -> Markup:
    """The line shown above the plot while a day or a marker has hover or focus."""
    return _text(LEFT, 14, truncate(text, FACE, RIGHT_EDGE - LEFT), cls="rd", rtl=rtl)


def chart_svg(chart: HistoryChart) -> Markup:
    days = chart.days
    rtl = i18n.is_rtl(chart.lang)  # its words read right to left; time still runs rightwards
    half = (days[1].x - days[0].x) / 2 if len(days) > 1 else 4.0
    parts: list[Markup] = []
    for t in chart.y_ticks:
        parts.append(
            element(
                "line",
                {
                    "class": "grid",
                    "x1": LEFT,
                    "y1": t.at,
                    "x2": RIGHT_EDGE,
                    "y2": t.at,
                    "stroke": COLORS["grid"],
                    "stroke-width": 0.5,
                },
            )
        )
        parts.append(_text(LEFT - 4, t.at + 3.5, t.label, "end"))
    for t in chart.x_ticks:
        parts.append(
            element(
                "line",
                {
                    "class": "grid",
                    "x1": t.at,
                    "y1": BOTTOM,
                    "x2": t.at,
                    "y2": BOTTOM + 4,
                    "stroke": COLORS["grid"],
                },
            )
        )
        half_label = text_width(t.label, FACE) / 2  # centred under its day, inside the chart
        at = min(max(t.at, half_label + 2), WIDTH - 2 - half_label)
        parts.append(_text(round(at, 2), BOTTOM + 15, t.label, "middle", rtl=rtl))
    daily = _path([(d.x, d.y_daily) if d.y_daily is not None else None for d in days])
    if daily:
        parts.append(
            element(
                "path",
                {
                    "class": "daily",
                    "d": daily,
                    "fill": "none",
                    "stroke": COLORS["daily"],
                    "stroke-width": 1.5,
                    "stroke-linejoin": "round",
                },
            )
        )
    parts.append(
        element(
            "path",
            {
                "class": "published",
                "d": _path([(d.x, d.y_published) for d in days]),
                "fill": "none",
                "stroke": COLORS["published"],
                "stroke-width": 2.5,
                "stroke-linejoin": "round",
                "stroke-linecap": "round",
            },
        )
    )
    for d in days:  # hit areas and readouts, one focusable group per day
        x0, x1 = max(LEFT, d.x - half), min(RIGHT_EDGE, d.x + half)
        shown = [
            element(
                "line",
                {
                    "x1": d.x,
                    "y1": TOP,
                    "x2": d.x,
                    "y2": BOTTOM,
                    "stroke": COLORS["text"],
                    "stroke-width": 0.75,
                },
            ),
            element(
                "circle",
                {
                    "class": "published",
                    "cx": d.x,
                    "cy": d.y_published,
                    "r": 3.5,
                    "fill": COLORS["published"],
                },
            ),
            _readout(d.title, rtl),
        ]
        parts.append(
            element(
                "g",
                {"class": "pt", "tabindex": "0", "data-day": d.day.isoformat()},
                element("title", None, d.title),
                element(
                    "rect",
                    {
                        "x": x0,
                        "y": TOP,
                        "width": round(x1 - x0, 2),
                        "height": BOTTOM - TOP,
                        "fill": "transparent",
                    },
                ),
                element("g", {"class": "on", "visibility": "hidden"}, *shown),
            )
        )
    for d in chart.markers:  # on top of the day groups, so their titles win on hover
        text = f"{i18n.short_date(chart.lang, d.day)}: {'; '.join(d.events)}"
        parts.append(
            element(
                "g",
                {"class": "ev", "tabindex": "0", "data-day": d.day.isoformat()},
                element("title", None, text),
                element(
                    "line",
                    {
                        "class": "mk",
                        "x1": d.x,
                        "y1": TOP,
                        "x2": d.x,
                        "y2": BOTTOM,
                        "stroke": COLORS["event"],
                        "stroke-width": 1,
                        "stroke-dasharray": "3 3",
                    },
                ),
                _marker_shape(d.x, BOTTOM),
                element("g", {"class": "on", "visibility": "hidden"}, _readout(text, rtl)),
            )
        )
    parts.extend(_legend(chart.lang))
    return element(
        "svg",
        {
            "xmlns": SVG_NS,
            "class": "chart",
            "viewBox": f"0 0 {WIDTH} {HEIGHT}",
            "width": "100%",
            "role": "group",
            "aria-label": chart.summary,
            "font-family": FONT_FAMILY,
            "font-size": FONT_SIZE,
        },
        *parts,
    )
