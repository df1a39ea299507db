"""Charts drawn on the server as SVG (docs/admin.md, "Staff home and reports").

No script, no style attribute and nothing from another site: the page's
Content-Security-Policy allows none of them. A chart is geometry computed here and
drawn by ``templates/admin/portal/bar_chart.html`` / ``column_chart.html`` (which
escape every label); colours come from ``static/css/admin_staff.css``. Each chart has
a title and a description for screen readers, and the page shows its data as a table
beside it: the table is the data, the chart a picture of it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

LABEL_CHARS = 11  # Korean characters that fit in the label column at 16 px


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def percent_text(rate: float) -> str:
    return f"{100 * rate:.1f}%"


@dataclasses.dataclass(frozen=True)
class Bar:
    label: str  # as shown (shortened)
    full_label: str
    value_text: str
    x: float
    y: float
    width: float
    height: float
    text_x: float
    text_y: float


@dataclasses.dataclass(frozen=True)
class Tick:
    text: str
    x1: float
    y1: float
    x2: float
    y2: float
    text_x: float
    text_y: float


@dataclasses.dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    track_x: float = 0
    track_width: float = 0
    label_x: float = 0


# Horizontal bars: a label column, then the bar, then its value.
BAR_LABEL_WIDTH = 190
BAR_AREA = 380
BAR_ROW = 32
BAR_THICKNESS = 20
BAR_TOP = 28


def rate_bar_chart(
    *, id: str, title: str, description: str, items: Sequence[tuple[str, float]]
) -> Chart:
    """One horizontal bar per (label, rate between 0 and 1), scaled to 100 %."""
    left = BAR_LABEL_WIDTH + 10
    bars = []
    for index, (label, rate) in enumerate(items):
        top = BAR_TOP + index * BAR_ROW
        width = round(BAR_AREA * max(0.0, min(rate, 1.0)), 1)
        bars.append(
            Bar(
                label=_short(label),
                full_label=label,
                value_text=percent_text(rate),
                x=left,
                y=top,
                width=width,
                height=BAR_THICKNESS,
                text_x=left + width + 8,
                text_y=top + BAR_THICKNESS - 5,
            )
        )
    bottom = BAR_TOP + len(items) * BAR_ROW
    ticks = [
        Tick(
            text=f"{share}%",
            x1=left + BAR_AREA * share / 100,
            y1=BAR_TOP - 6,
            x2=left + BAR_AREA * share / 100,
            y2=bottom,
            text_x=left + BAR_AREA * share / 100,
            text_y=BAR_TOP - 10,
        )
        for share in (0, 50, 100)
    ]
    return Chart(
        id=id,
        title=title,
        description=description,
        width=left + BAR_AREA + 70,
        height=bottom + 8,
        bars=bars,
        ticks=ticks,
        track_x=left,
        track_width=BAR_AREA,
        label_x=BAR_LABEL_WIDTH,
    )


# Columns: one per period, the rate as its height.
COLUMN_LEFT = 48
COLUMN_AREA_HEIGHT = 220
COLUMN_TOP = 24
COLUMN_WIDTH_MAX = 40
COLUMN_AREA_WIDTH = 640


def rate_column_chart(
    *,
    id: str,
    title: str,
    description: str,
    items: Sequence[tuple[str, float]],
    label_every: int | None = None,
) -> Chart:
    """One column per (label, rate between 0 and 1), in order (a trend)."""
    count = max(len(items), 1)
    slot = COLUMN_AREA_WIDTH / count
    width = min(COLUMN_WIDTH_MAX, slot * 0.7)
    every = label_every or max(1, -(-count // 12))  # at most about 12 labels
    base = COLUMN_TOP + COLUMN_AREA_HEIGHT
    bars = []
    for index, (label, rate) in enumerate(items):
        height = round(COLUMN_AREA_HEIGHT * max(0.0, min(rate, 1.0)), 1)
        x = COLUMN_LEFT + index * slot + (slot - width) / 2
        bars.append(
            Bar(
                label=label if index % every == 0 else "",
                full_label=label,
                value_text=percent_text(rate),
                x=round(x, 1),
                y=base - height,
                width=round(width, 1),
                height=height,
                text_x=round(x + width / 2, 1),
                text_y=base + 20,
            )
        )
    ticks = [
        Tick(
            text=f"{share}%",
            x1=COLUMN_LEFT,
            y1=base - COLUMN_AREA_HEIGHT * share / 100,
            x2=COLUMN_LEFT + COLUMN_AREA_WIDTH,
            y2=base - COLUMN_AREA_HEIGHT * share / 100,
            text_x=COLUMN_LEFT - 6,
            text_y=base - COLUMN_AREA_HEIGHT * share / 100 + 5,
        )
        for share in (0, 50, 100)
    ]
    return Chart(
        id=id,
        title=title,
        description=description,
        width=COLUMN_LEFT + COLUMN_AREA_WIDTH + 8,
        height=base + 32,
        bars=bars,
        ticks=ticks,
    )
