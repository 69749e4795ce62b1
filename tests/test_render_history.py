"""The profile chart (widget.render.history): statement rows in, a readable inline SVG out."""

import math
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from widget.render import i18n
from widget.render.history import (
    BOTTOM,
    FACE,
    LEFT,
    RIGHT_EDGE,
    TOP,
    WIDTH,
    history_chart,
    value_scale,
)
from widget.render.text import text_width

NS = {"s": "http://www.w3.org/2000/svg"}
END = date(2026, 11, 29)
DATE_LABEL = re.compile(r"^\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)$")


def row(day: date, score: float, daily: float | None, events=()) -> dict:
    """One statement row, in the shape ScoreService.statement returns."""
    kinds = {"reshare": 0, "quote": 0, "reply": 0, "mention": 0, "like": 0}
    return {
        "day": day.isoformat(),
        "score": score,
        "score_daily": daily,
        "smoothed": daily,
        "plusk_bonus": 0.0,
        "raw": 1.0,
        "components": {"true_reach": 1.0, "amplification": 1.0, "network_influence": 1.0},
        "posts": {"entered": 0, "left": 0},
        "reactions": {"entered": dict(kinds), "left": dict(kinds)},
        "engagers": {"new": 0, "lost": 0},
        "events": [{"kind": "post_left_window", "text": t} for t in events],
    }


def ninety_days(events: dict | None = None) -> list[dict]:
    """A published score drifting from 40 to 62 under a noisier daily score, oldest first."""
    rows = []
    for i in range(90):
        day = END - timedelta(days=89 - i)
        published = 40 + 22 * i / 89
        rows.append(
            row(
                day,
                round(published, 2),
                round(published + 6 * math.sin(i / 4), 2),
                (events or {}).get(day, ()),
            )
        )
    return rows


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises unless the markup is well-formed, escaping included


def texts(root, cls: str) -> list[str]:
    return [t.text for t in root.iterfind(f".//s:text[@class='{cls}']", NS)]


def test_no_history_says_so():
    chart = history_chart([])
    assert chart.summary == "No history yet." and chart.svg == ""


def test_one_day_says_so_in_words_instead_of_an_empty_box():
    chart = history_chart([row(END, 61.2, 64.1)])
    assert chart.summary == "Only one day of history so far: 61 on 29 Nov."
    assert chart.svg == "" and chart.days == ()


def test_ninety_days_dated_axis_value_scale_and_both_lines():
    chart = history_chart(ninety_days())
    root = parse(chart.svg)
    assert root.get("viewBox") == "0 0 360 220" and root.get("width") == "100%"
    assert "style" not in chart.svg  # the pages' CSP forbids inline styles

    # x axis: dates, first and last day included, left to right
    labels = [t.label for t in chart.x_ticks]
    assert labels[0] == "1 Sep" and labels[-1] == "29 Nov" and 3 <= len(labels) <= 5
    assert all(DATE_LABEL.match(label) for label in labels), labels
    xs = [t.at for t in chart.x_ticks]
    assert xs == sorted(xs) and xs[0] == LEFT and xs[-1] == RIGHT_EDGE
    assert [lab for lab in texts(root, "ax") if DATE_LABEL.match(lab)] == labels

    # y axis: a value scale that holds every value, numbers going up the chart
    values = [float(t.label) for t in chart.y_ticks]
    assert values == sorted(values) and len(values) >= 3
    assert [t.at for t in chart.y_ticks] == sorted((t.at for t in chart.y_ticks), reverse=True)
    assert values[0] <= 34 and values[-1] >= 68  # daily dips to ~34, tops out ~68
    assert (chart.y_ticks[0].at, chart.y_ticks[-1].at) == (BOTTOM, TOP)
    assert {t.label for t in chart.y_ticks} <= set(texts(root, "ax"))
    assert chart.summary == (
        "Daily and published score, 1 Sep to 29 Nov: published 40 on 1 Sep "
        "and 62 on 29 Nov. The value scale is fitted to the data: "
        f"{values[0]:g} to {values[-1]:g}."
    )

    # both lines and a legend that names them
    assert root.find(".//s:path[@class='published']", NS) is not None
    assert root.find(".//s:path[@class='daily']", NS) is not None
    legend = texts(root, "ax")
    assert "published (smoothed)" in legend and "daily (unsmoothed)" in legend


def test_every_day_is_focusable_with_a_title_giving_its_values():
    rows = ninety_days()
    root = parse(history_chart(rows).svg)
    points = root.findall(".//s:g[@class='pt']", NS)
    assert len(points) == 90
    for r, g in zip(rows, points):
        assert g.get("tabindex") == "0" and g.get("data-day") == r["day"]
        d = date.fromisoformat(r["day"])
        want = f"{d.day} {d:%b}: published {r['score']:.1f}, daily {r['score_daily']:.1f}"
        assert g.find("s:title", NS).text == want
        on = g.find("s:g[@class='on']", NS)  # the readout pages.css shows on hover or focus
        assert on.get("visibility") == "hidden" and on.find("s:text", NS).text == want
    assert points[-1].find("s:title", NS).text == "29 Nov: published 62.0, daily 60.5"


def test_a_marker_carries_the_event_text_at_its_day():
    when = END - timedelta(days=20)  # 9 Nov
    rows = ninety_days({when: ["post of 8 Aug left the 90-day window"]})
    chart = history_chart(rows)
    root = parse(chart.svg)
    markers = root.findall(".//s:g[@class='ev']", NS)
    assert len(markers) == 1 and markers[0].get("tabindex") == "0"
    assert markers[0].find("s:title", NS).text == "9 Nov: post of 8 Aug left the 90-day window"
    x = LEFT + 69 / 89 * (RIGHT_EDGE - LEFT)  # day 69 of 0..89
    line = markers[0].find("s:line", NS)
    assert float(line.get("x1")) == pytest.approx(x, abs=0.01) == float(line.get("x2"))
    point = root.find(f".//s:g[@data-day='{when.isoformat()}']/s:g/s:circle", NS)
    assert float(point.get("cx")) == float(line.get("x1"))  # the marker sits on its day
    assert [d.day for d in chart.markers] == [when]


def test_event_text_is_escaped_once():
    rows = ninety_days({END: ['a <b>bold</b> & "quoted" post']})
    svg = history_chart(rows).svg
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;" in svg and "&amp;lt;" not in svg
    title = parse(svg).find(".//s:g[@class='ev']/s:title", NS).text
    assert title == '29 Nov: a <b>bold</b> & "quoted" post'


def test_days_are_placed_by_date_and_a_missing_daily_score_breaks_its_line():
    rows = [
        row(END - timedelta(days=10), 50, 52),
        row(END - timedelta(days=9), 51, None),
        row(END, 55, 58),
    ]
    chart = history_chart(rows)
    assert [d.x for d in chart.days] == [LEFT, LEFT + (RIGHT_EDGE - LEFT) / 10, RIGHT_EDGE]
    daily = parse(chart.svg).find(".//s:path[@class='daily']", NS).get("d")
    assert daily.count("M") == 2 and "L" not in daily  # two lone points, no line across the gap
    assert chart.days[1].title == "20 Nov: published 51.0"


@pytest.mark.parametrize(
    "lo, hi, bottom, top",
    [
        (61.0, 61.4, 55, 70),  # a steady score: at least 10 points tall, the line mid-chart
        (1.0, 100.0, 0, 100),
        (40.0, 62.0, 40, 65),
        (98.0, 99.5, 90, 100),  # kept inside 1..100
        (0.5, 2.0, 0, 10),
    ],
)
def test_value_scale(lo, hi, bottom, top):
    low, high, ticks = value_scale(lo, hi)
    assert (low, high) == (bottom, top)
    assert low <= lo and high >= hi and high - low >= 10
    assert 2 <= len(ticks) - 1 <= 5
    assert [t.label for t in ticks][0] == f"{bottom:g}" and ticks[-1].label == f"{top:g}"


# -- the chart in the page's language ----------------------------------------------------------


@pytest.mark.parametrize("lang", i18n.LANGUAGES[1:])
def test_every_language_writes_the_chart_and_its_legend_fits(lang):
    chart = history_chart(ninety_days(), lang)
    root = parse(chart.svg)
    legend = [
        t for t in root.iterfind(".//s:text[@class='ax']", NS) if float(t.get("y")) > BOTTOM + 20
    ]
    words = [t.text for t in legend]
    assert words == [
        i18n.gettext(lang, w) for w in ("published (smoothed)", "daily (unsmoothed)", "event")
    ]
    assert "published (smoothed)" not in words
    last = legend[-1]
    assert float(last.get("x")) + text_width(last.text, FACE) <= WIDTH  # inside the chart
    assert chart.summary != history_chart(ninety_days()).summary
    assert root.get("aria-label") == chart.summary


def test_japanese_and_german_dates_and_numbers():
    ja = history_chart(ninety_days(), "ja")
    assert [t.label for t in ja.x_ticks][-1] == "11月29日"
    assert ja.days[-1].title.startswith("11月29日: 公開 62.0")
    de = history_chart(ninety_days(), "de")
    assert de.days[-1].title.startswith("29. Nov.: veröffentlicht 62,0, täglich ")
    one = history_chart([row(END, 61.2, 64.1)], "de")
    assert one.summary == "Bisher nur ein Tag Verlauf: am 29. Nov. 61."
    assert history_chart([], "ar").summary == "لا يوجد سجل بعد."


def test_arabic_words_read_right_to_left_in_the_same_boxes():
    root = parse(history_chart(ninety_days(), "ar").svg)
    legend = [
        t for t in root.iterfind(".//s:text[@class='ax']", NS) if float(t.get("y")) > BOTTOM + 20
    ]
    assert legend and all(
        t.get("direction") == "rtl" and t.get("text-anchor") == "end" for t in legend
    )  # "end" of right-to-left text: its left edge
    dates = [
        t for t in root.iterfind(".//s:text[@class='ax']", NS) if float(t.get("y")) == BOTTOM + 15
    ]
    assert dates and all(t.get("text-anchor") == "middle" for t in dates)
    readout = root.find(".//s:text[@class='rd']", NS)
    assert readout.get("direction") == "rtl" and float(readout.get("x")) == LEFT
    english = parse(history_chart(ninety_days()).svg)
    assert english.find(".//s:text[@direction]", NS) is None


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_date_labels_stay_inside_the_chart(lang):
    root = parse(history_chart(ninety_days(), lang).svg)
    dates = [
        t for t in root.iterfind(".//s:text[@class='ax']", NS) if float(t.get("y")) == BOTTOM + 15
    ]
    assert len(dates) == 5
    for t in dates:
        half = text_width(t.text, FACE) / 2
        assert float(t.get("x")) - half >= 0 and float(t.get("x")) + half <= WIDTH, t.text
