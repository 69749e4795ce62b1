"""The 90-day history chart for profile pages: points for an inline SVG polyline.

Pure and tiny: the page template draws it with presentation attributes only, so it needs no
inline styles (the pages' CSP forbids them).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class HistoryChart:
    width: int
    height: int
    points: str  # "x,y x,y ..." for <polyline points>
    first: date | None
    last: date | None
    low: float
    high: float


def history_chart(history, width: int = 600, height: int = 120, pad: int = 6) -> HistoryChart:
    """Scores 1-100 on a fixed vertical scale, so charts of different accounts compare."""
    values = [float(s) for _, s in history]
    if not values:
        return HistoryChart(width, height, "", None, None, 0.0, 0.0)
    n = len(values)
    step = (width - 2 * pad) / max(n - 1, 1)
    pts = " ".join(f"{pad + i * step:.1f},{pad + (100 - v) / 99 * (height - 2 * pad):.1f}"
                   for i, v in enumerate(values))
    return HistoryChart(width, height, pts, history[0][0], history[-1][0], min(values),
                        max(values))
