"""Server-drawn charts: scaled bars, escaped labels, a title and description
(portal/svg_charts.py)."""

import datetime as dt

from django.template.loader import render_to_string

from courses import reports, selectors
from portal import svg_charts
from portal.periods import Period


def test_bars_are_scaled_to_one_hundred_percent():
    chart = svg_charts.rate_bar_chart(
        id="c", title="t", description="d", items=[("가", 0.5), ("나", 1.0), ("다", 0.0)]
    )
    widths = [bar.width for bar in chart.bars]
    assert widths == [svg_charts.BAR_AREA / 2, svg_charts.BAR_AREA, 0]
    assert [bar.value_text for bar in chart.bars] == ["50.0%", "100.0%", "0.0%"]
    columns = svg_charts.rate_column_chart(
        id="w", title="t", description="d", items=[("3/2", 0.25), ("3/9", 1.0)]
    )
    assert [bar.height for bar in columns.bars] == [
        svg_charts.COLUMN_AREA_HEIGHT / 4,
        svg_charts.COLUMN_AREA_HEIGHT,
    ]


def test_svg_escapes_labels_and_names_itself():
    chart = svg_charts.rate_bar_chart(
        id="c", title="과정별 <수료율>", description="요약", items=[("<script>x", 0.5)]
    )
    svg = render_to_string("admin/portal/bar_chart.html", {"chart": chart})
    assert "<script>" not in svg and "&lt;script&gt;x" in svg
    assert 'role="img" aria-labelledby="c-title c-desc"' in svg
    assert '<title id="c-title">과정별 &lt;수료율&gt;</title>' in svg
    assert "style=" not in svg


def test_a_long_report_draws_the_largest_groups_and_says_so():
    rows = [
        selectors.ReportRow(
            label=f"가맹점{n:03}", assigned=n, in_progress=0, completed=1, expired=0
        )
        for n in range(60)
    ]
    day = dt.date(2026, 3, 2)
    chart = reports.dimension_chart(dimension="franchise", rows=rows, period=Period(day, day))
    assert len(chart.bars) == reports.CHART_MAX_BARS
    labels = [bar.full_label for bar in chart.bars]
    assert labels == [f"가맹점{n:03}" for n in range(20, 60)]  # in the table's order
    assert "40곳만 그렸고" in chart.description
