"""Server-drawn SVG charts: escaped text, accessible names, bars from a zero axis."""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask_babel import force_locale
from markupsafe import Markup

from lms.evaluation.charts import bar_chart, before_after_chart, number

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def _english(app: Flask) -> Iterator[None]:
    with app.test_request_context(), force_locale("en"):
        yield


def parse(svg: Markup) -> ElementTree.Element:
    """The chart as XML: it must be well formed."""
    return ElementTree.fromstring(str(svg))


def bars(svg: Markup) -> list[tuple[float, float]]:
    """Each bar's left edge and width."""
    root = parse(svg)
    return [
        (float(rect.get("x", 0)), float(rect.get("width", 0))) for rect in root.iter(f"{SVG}rect")
    ]


def zero_x(svg: Markup) -> float:
    line = parse(svg).find(f"{SVG}line")
    assert line is not None
    return float(line.get("x1", 0))


def test_a_bar_chart_is_an_accessible_scalable_image() -> None:
    svg = bar_chart(["Satisfaction", "Relevance"], [4.5, 3.0], title="Reaction", max_value=5)
    assert isinstance(svg, Markup)
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Reaction"
    assert root.get("viewBox") == "0 0 640 72"
    assert "width" not in root.attrib  # it scales to its container and prints
    assert root.findtext(f"{SVG}title") == "Reaction"
    assert root.findtext(f"{SVG}desc") == "Satisfaction: 4.5; Relevance: 3"
    assert not re.search(r"<script|https?://(?!www\.w3\.org/2000/svg)", str(svg))


def test_labels_titles_and_units_are_escaped() -> None:
    svg = bar_chart(["<script>alert(1)</script>"], [1], title='A "title" & <b>', unit="<u>")
    text = str(svg)
    assert "<script>" not in text and "<b>" not in text and "<u>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    root = parse(svg)
    assert root.get("aria-label") == 'A "title" & <b>'
    assert [t.text for t in root.iter(f"{SVG}text")] == ["<script>alert(1)</script>", "1 <u>"]


def test_bars_grow_from_a_zero_axis_both_ways() -> None:
    svg = bar_chart(["Fell", "Rose"], [-5, 15], title="Change", unit="%")
    zero = zero_x(svg)
    (neg_x, neg_width), (pos_x, pos_width) = bars(svg)
    assert neg_x + neg_width == pytest.approx(zero)  # the negative bar ends at zero
    assert pos_x == pytest.approx(zero)
    assert pos_width == pytest.approx(3 * neg_width)
    assert "-5%" in str(svg) and "15%" in str(svg)


def test_max_value_sets_the_scale_and_none_draws_no_bar() -> None:
    svg = bar_chart(["Half", "Unknown"], [50, None], title="Share", max_value=100, unit="%")
    assert len(bars(svg)) == 1
    (_x, width) = bars(svg)[0]
    assert width == pytest.approx(350 / 2)  # half of the 350-unit bar area
    assert "Unknown: —" in str(svg)


def test_an_empty_bar_chart_says_so() -> None:
    assert "No data." in str(bar_chart([], [], title="Nothing"))


def test_one_value_per_label() -> None:
    with pytest.raises(ValueError):
        bar_chart(["a", "b"], [1], title="Wrong")


def test_before_after_for_participants_and_controls() -> None:
    svg = before_after_chart("DSAT <%>", (10, 6), (10, 8), unit="%")
    root = parse(svg)
    assert root.get("aria-label") == "DSAT <%>"
    assert root.findtext(f"{SVG}desc") == (
        "Participants: Before 10%, After 6%; Control group: Before 10%, After 8%"
    )
    heights = [float(r.get("height", 0)) for r in root.iter(f"{SVG}rect")][2:]  # after legend
    assert heights[1] == pytest.approx(heights[0] * 0.6)
    assert heights[3] == pytest.approx(heights[2] * 0.8)


def test_before_after_without_controls_and_with_a_negative_value() -> None:
    svg = before_after_chart("Change", (-2, 3))
    root = parse(svg)
    rects = list(root.iter(f"{SVG}rect"))[2:]
    line = root.find(f"{SVG}line")
    assert line is not None
    zero = float(line.get("y1", 0))
    below, above = rects
    assert float(below.get("y", 0)) == pytest.approx(zero)  # hangs down from the axis
    assert float(above.get("y", 0)) + float(above.get("height", 0)) == pytest.approx(zero)
    assert "Control group" not in str(svg)


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [(None, "", "—"), (2.0, "", "2"), (2.456, "%", "2.46%"), (-0.001, "", "0"),
     (1500.5, "min", "1500.5 min")],
)  # fmt: skip
def test_numbers_are_short(value: float | None, unit: str, text: str) -> None:
    assert number(value, unit) == text
