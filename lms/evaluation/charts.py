"""Small charts for the evaluation report, drawn on the server as inline SVG.

No scripts, fonts or CDNs: the SVG is part of the page, scales with its ``viewBox`` and
prints. Every text passes through ``markupsafe.escape``; numbers are formatted here. Each
chart is ``role="img"`` with its title as ``aria-label`` and ``<title>``, and a ``<desc>``
listing the figures for screen readers. Values may be negative: bars start at a zero axis.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from lms.i18n import _

FONT = 'font-family="sans-serif" font-size="12"'
MAX_LABEL = 32
# Bar chart layout (viewBox units)
WIDTH, LABEL_WIDTH, VALUE_WIDTH, ROW, PAD = 640, 200, 90, 28, 8
# Before/after chart layout
BA_WIDTH, BA_HEIGHT, BA_TOP, BA_BOTTOM = 360, 220, 40, 180
COLOURS = {"bar": "#2563eb", "negative": "#dc2626", "before": "#9ca3af", "after": "#2563eb"}


def number(value: float | None, unit: str = "") -> str:
    """A value as the charts print it: at most 2 decimals, no trailing zeros, then the unit."""
    if value is None:
        return "—"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    text = "0" if text in ("-0", "") else text
    return f"{text} {unit}".strip() if unit not in ("%", "") else f"{text}{unit}"


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def _text(x: float, y: float, content: str, *, anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(content)}</text>'


def _rect(x: float, y: float, width: float, height: float, colour: str) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width, 0):.1f}" '
        f'height="{max(height, 0):.1f}" fill="{colour}"/>'
    )


def _svg(width: int, height: int, title: str, desc: str, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="chart" role="img" aria-label="{escape(title)}" {FONT}>'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
    )
    return Markup("".join([head, *body, "</svg>"]))


def _range(values: Sequence[float], *extra: float) -> tuple[float, float]:
    """The span the axis covers: always including zero, never empty."""
    low = min([0.0, *values, *extra])
    high = max([0.0, *values, *extra])
    return (low, high) if high > low else (low, low + 1.0)


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    max_value: float | None = None,
    unit: str = "",
) -> Markup:
    """Horizontal bars, one per label, from a zero axis; a None value draws no bar ("—")."""
    if len(labels) != len(values):
        raise ValueError("one value per label")
    rows = list(zip(labels, values, strict=True))
    desc = "; ".join(f"{label}: {number(value, unit)}" for label, value in rows)
    height = PAD * 2 + ROW * max(len(rows), 1)
    if not rows:
        return _svg(WIDTH, height, title, desc, [_text(PAD, PAD + 18, _("No data."))])
    low, high = _range([v for v in values if v is not None], *([max_value] if max_value else []))
    area = WIDTH - LABEL_WIDTH - VALUE_WIDTH

    def x_of(value: float) -> float:
        return LABEL_WIDTH + (value - low) / (high - low) * area

    zero = x_of(0.0)
    body = []
    for row, (label, value) in enumerate(rows):
        top = PAD + row * ROW
        body.append(_text(LABEL_WIDTH - 8, top + 18, _short(label), anchor="end"))
        end = zero if value is None else x_of(value)
        if value is not None:
            colour = COLOURS["negative" if value < 0 else "bar"]
            body.append(_rect(min(end, zero), top + 5, abs(end - zero), ROW - 10, colour))
        body.append(_text(max(end, zero) + 4, top + 18, number(value, unit)))
    body.append(
        f'<line x1="{zero:.1f}" y1="{PAD}" x2="{zero:.1f}" y2="{height - PAD}" '
        'stroke="#374151" stroke-width="1"/>'
    )
    return _svg(WIDTH, height, title, desc, body)


def before_after_chart(
    title: str,
    participants: tuple[float | None, float | None],
    control: tuple[float | None, float | None] | None = None,
    *,
    unit: str = "",
) -> Markup:
    """Before and after bars of one metric for the participants and, if given, the controls.

    Each metric gets its own chart (and scale): DSAT % and requests handled do not share an
    axis.
    """
    groups = [(_("Participants"), participants)]
    if control is not None:
        groups.append((_("Control group"), control))
    before, after = _("Before"), _("After")
    desc = "; ".join(
        f"{name}: {before} {number(pair[0], unit)}, {after} {number(pair[1], unit)}"
        for name, pair in groups
    )
    found = [value for _name, pair in groups for value in pair if value is not None]
    low, high = _range(found)

    def y_of(value: float) -> float:
        return BA_BOTTOM - (value - low) / (high - low) * (BA_BOTTOM - BA_TOP)

    zero = y_of(0.0)
    body = _legend(before, after)
    slot = (BA_WIDTH - 2 * PAD) / len(groups)
    for index, (name, pair) in enumerate(groups):
        left = PAD + index * slot
        for offset, (value, key) in enumerate(zip(pair, ("before", "after"), strict=True)):
            x = left + slot / 2 - 44 + offset * 46
            if value is not None:
                end = y_of(value)
                body.append(_rect(x, min(end, zero), 42, abs(zero - end), COLOURS[key]))
            label_y = zero - 4 if value is None else y_of(value) + (-4 if value >= 0 else 14)
            body.append(_text(x + 21, label_y, number(value, unit), anchor="middle"))
        body.append(_text(left + slot / 2, BA_HEIGHT - 14, _short(name), anchor="middle"))
    body.append(
        f'<line x1="{PAD}" y1="{zero:.1f}" x2="{BA_WIDTH - PAD}" y2="{zero:.1f}" '
        'stroke="#374151" stroke-width="1"/>'
    )
    return _svg(BA_WIDTH, BA_HEIGHT, title, desc, body)


def _legend(before: str, after: str) -> list[str]:
    return [
        _rect(PAD, 8, 12, 12, COLOURS["before"]),
        _text(PAD + 16, 18, before),
        _rect(PAD + 110, 8, 12, 12, COLOURS["after"]),
        _text(PAD + 126, 18, after),
    ]
