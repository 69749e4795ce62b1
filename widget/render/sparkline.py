"""Layout of the ``sparkline`` style: a flat badge with the last 90 days drawn after it."""

from __future__ import annotations

from datetime import timedelta

from widget.records import ScoreRecord
from widget.render.badge import BadgeStyle, badge_scene
from widget.render.colors import MIN_GRAPHIC_CONTRAST, THEMES, ensure_contrast
from widget.render.scene import Polyline, Rect, Scene, themed

BASE = BadgeStyle(20, 14, 3, None, False, 5, "regular-11", "regular-11", 0, False)
WINDOW_DAYS = 90
CHART_WIDTH = 64
INSET_X, TOP, BOTTOM = 5, 4, 16  # the line's box inside the chart segment
MIN_RANGE = 10.0  # points: a flat history stays visibly flat instead of magnified noise
LINE_WIDTH = 1.5


def history_points(record: ScoreRecord) -> list[tuple[int, float]]:
    """(day offset, score) for the window ending on ``record.day``, oldest first, bounded."""
    start = record.day - timedelta(days=WINDOW_DAYS - 1)
    kept = [(d, v) for d, v in record.history if start <= d <= record.day][-WINDOW_DAYS:]
    if not kept:
        kept = [(record.day, float(record.score))]
    first = kept[0][0]
    return [((d - first).days, min(max(float(v), 0.0), 100.0)) for d, v in kept]


def sparkline_scene(
    record: ScoreRecord, label: str, message: str, color: str, theme: str, title: str
) -> Scene:
    scene = badge_scene(label, message, color, BASE, theme, title)
    x0 = scene.width
    light_bg, dark_bg = THEMES["light"].track, THEMES["dark"].track
    scene.back.append(Rect(x0, 0, CHART_WIDTH, BASE.height, themed(theme, light_bg, dark_bg)))
    stroke = themed(
        theme,
        ensure_contrast(color, light_bg, MIN_GRAPHIC_CONTRAST),
        ensure_contrast(color, dark_bg, MIN_GRAPHIC_CONTRAST),
    )
    points = history_points(record)
    values = [v for _, v in points]
    low, high = min(values), max(values)
    if high - low < MIN_RANGE:
        middle = (high + low) / 2
        low, high = middle - MIN_RANGE / 2, middle + MIN_RANGE / 2
    span = max(points[-1][0], 1)
    left, width = x0 + INSET_X, CHART_WIDTH - 2 * INSET_X
    xy = tuple(
        (
            round(left + width * day / span, 1),
            round(BOTTOM - (BOTTOM - TOP) * (v - low) / (high - low), 1),
        )
        for day, v in points
    )
    if len(xy) == 1:
        xy = ((left, xy[0][1]), (left + width, xy[0][1]))
    scene.back.append(Polyline(xy, stroke, LINE_WIDTH))
    scene.width = x0 + CHART_WIDTH
    return scene
