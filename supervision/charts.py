"""Charts drawn on the server as SVG: no script, nothing fetched, fine under the CSP.

Each chart is an ``<svg role="img">`` labelled by its own ``<title>`` (``aria-labelledby``), with
a short description; the page puts the same figures in a table next to it, the alternative a
screen reader or a narrow screen reads. The SVG scales to its container (``viewBox``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

# Bootstrap's primary blue and body grey: contrast above 4.5:1 on white.
BAR_COLOUR = "#0d6efd"
TEXT_COLOUR = "#212529"
AXIS_COLOUR = "#6c757d"


LABEL_CHARACTERS = 24  # a longer label is cut (the table next to the chart has it whole)


def _shortened(label: str, length: int) -> str:
    return label if len(label) <= length else label[: length - 1] + "…"


@dataclass(frozen=True)
class Point:
    label: str
    value: int


def _nice_max(value: int) -> int:
    """The axis top: ``value`` rounded up to 1, 2 or 5 times a power of ten (at least 1)."""
    if value <= 1:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def column_chart(
    *, chart_id: str, title: str, description: str, points: Sequence[Point], label_every: int = 7
) -> SafeString:
    """Vertical bars (e.g. decisions per day); every ``label_every``-th label under the axis."""
    width, height = 480, 200
    left, right, top, bottom = 32, 8, 12, 28
    plot_width, plot_height = width - left - right, height - top - bottom
    top_value = _nice_max(max((point.value for point in points), default=0))
    slot = plot_width / max(len(points), 1)
    bar_width = max(slot * 0.7, 1.0)
    bars = []
    labels = []
    for index, point in enumerate(points):
        bar_height = plot_height * point.value / top_value
        x = left + index * slot + (slot - bar_width) / 2
        y = top + plot_height - bar_height
        bars.append(
            (
                f"{x:.1f}",
                f"{y:.1f}",
                f"{bar_width:.1f}",
                f"{bar_height:.1f}",
                BAR_COLOUR,
                point.label,
                point.value,
            )
        )
        if index % label_every == 0:
            labels.append((f"{left + index * slot + slot / 2:.1f}", height - 8, point.label))
    body = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>',
        bars,
    )
    axis_labels = format_html_join(
        "", '<text x="{}" y="{}" text-anchor="middle" font-size="13">{}</text>', labels
    )
    return format_html(
        '<svg class="supervision-chart" viewBox="0 0 {width} {height}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" preserveAspectRatio="xMidYMid meet" fill="{text}">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        '<line x1="{left}" y1="{base}" x2="{right_edge}" y2="{base}" stroke="{axis}"/>'
        '<text x="{label_x}" y="{top_text}" text-anchor="end" font-size="13">{top_value}</text>'
        '<text x="{label_x}" y="{base}" text-anchor="end" font-size="13">0</text>'
        "{bars}{labels}</svg>",
        width=width,
        height=height,
        id=chart_id,
        text=TEXT_COLOUR,
        title=title,
        desc=description,
        left=left,
        base=top + plot_height,
        right_edge=width - right,
        axis=AXIS_COLOUR,
        label_x=left - 4,
        top_text=top + 8,
        top_value=top_value,
        bars=body,
        labels=axis_labels,
    )


def bar_chart(*, chart_id: str, title: str, description: str, points: Sequence[Point]) -> SafeString:
    """Horizontal bars, one row per point, its label on the left and its value at the bar's end."""
    row_height, label_width, value_width, width = 26, 160, 44, 480
    height = max(len(points), 1) * row_height + 8
    plot_width = width - label_width - value_width
    top_value = _nice_max(max((point.value for point in points), default=0))
    rows = []
    for index, point in enumerate(points):
        y = 4 + index * row_height
        bar = plot_width * point.value / top_value
        rows.append(
            (
                label_width - 6,
                y + row_height / 2 + 4,
                _shortened(point.label, LABEL_CHARACTERS),
                label_width,
                y + 4,
                f"{bar:.1f}",
                row_height - 8,
                BAR_COLOUR,
                f"{label_width + bar + 4:.1f}",
                y + row_height / 2 + 4,
                point.value,
            )
        )
    body = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" font-size="12">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
        '<text x="{}" y="{}" font-size="12">{}</text>',
        rows,
    )
    return format_html(
        '<svg class="supervision-chart" viewBox="0 0 {width} {height}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" preserveAspectRatio="xMinYMin meet" fill="{text}">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        width=width,
        height=height,
        id=chart_id,
        text=TEXT_COLOUR,
        title=title,
        desc=description,
        body=body,
    )
