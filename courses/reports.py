"""현황 보고 and the staff exports of the courses app (docs/admin.md, "Staff home and
reports").

A report covers the attempts whose deadline (수강 기한) falls in a period: per course,
franchise office, regional HQ or transport company, and week by week, each with its
completion rate (completed ÷ all attempts of the group). Charts are server-drawn SVG
with their tables beside them; every table exports as CSV or XLSX.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode

from courses import selectors
from courses.models import Enrollment, EnrollmentStatus
from portal import clock, exports, svg_charts
from portal.periods import Period, PeriodForm

REPORT_MAX_DAYS = 366
PAST_WEEKS = 12  # the default period: this week and the 11 before it ...
COMING_WEEKS = 4  # ... and the 4 after it, where the open attempts' deadlines are
CHART_MAX_BARS = 40


def default_period(today: dt.date) -> Period:
    monday = today - dt.timedelta(days=today.weekday())
    return Period(
        monday - dt.timedelta(weeks=PAST_WEEKS - 1),
        monday + dt.timedelta(weeks=COMING_WEEKS, days=6),
    )


def period_enrollments(period: Period) -> QuerySet:
    """The attempts whose deadline falls in the period (both ends included)."""
    return Enrollment.objects.filter(period.q("deadline", moments=False))


@dataclasses.dataclass(frozen=True)
class WeekRow:
    monday: dt.date
    total: int
    completed: int

    @property
    def label(self) -> str:
        return f"{self.monday.month}/{self.monday.day}"

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def completion_rate(self) -> float:
        return self.completed / self.total if self.total else 0.0

    @property
    def rate_text(self) -> str:
        return svg_charts.percent_text(self.completion_rate)


def weekly_trend(period: Period) -> list[WeekRow]:
    """Attempts and completions per week (Monday to Sunday) of their deadline, every
    week of the period listed, weeks without attempts as zero. One grouped query."""
    counted = {
        row["week"]: row
        for row in period_enrollments(period)
        .annotate(week=TruncWeek("deadline"))
        .values("week")
        .annotate(
            total=Count("pk"), completed=Count("pk", filter=Q(status=EnrollmentStatus.COMPLETED))
        )
        .order_by("week")
    }
    weeks = []
    monday = period.start - dt.timedelta(days=period.start.weekday())
    while monday <= period.end:
        row = counted.get(monday, {"total": 0, "completed": 0})
        weeks.append(WeekRow(monday=monday, total=row["total"], completed=row["completed"]))
        monday += dt.timedelta(weeks=1)
    return weeks


def _period_text(period: Period) -> str:
    return f"{period.start:%Y-%m-%d} ~ {period.end:%Y-%m-%d}"


def dimension_chart(
    *, dimension: str, rows: list[selectors.ReportRow], period: Period
) -> svg_charts.Chart:
    label, _ = selectors.REPORT_DIMENSIONS[dimension]
    shown = rows
    note = ""
    if len(rows) > CHART_MAX_BARS:
        shown = sorted(rows, key=lambda row: -row.total)[:CHART_MAX_BARS]
        shown.sort(key=lambda row: rows.index(row))
        note = f" 수강이 많은 {CHART_MAX_BARS}곳만 그렸고, 옆의 표에는 전부 있습니다."
    best = max(rows, key=lambda row: row.completion_rate, default=None)
    summary = (
        f" 가장 높은 곳은 {best.label} {svg_charts.percent_text(best.completion_rate)}."
        if best
        else " 이 기간에는 수강이 없습니다."
    )
    return svg_charts.rate_bar_chart(
        id=f"chart-{dimension}",
        title=f"{label}별 수료율 ({_period_text(period)})",
        description=f"{label} {len(rows)}곳의 수료율 막대그래프.{summary}{note}",
        items=[(row.label, row.completion_rate) for row in shown],
    )


def trend_chart(*, weeks: list[WeekRow], period: Period) -> svg_charts.Chart:
    total = sum(week.total for week in weeks)
    completed = sum(week.completed for week in weeks)
    rate = svg_charts.percent_text(completed / total if total else 0.0)
    return svg_charts.rate_column_chart(
        id="chart-weekly",
        title=f"주별 수료율 ({_period_text(period)})",
        description=(
            f"수강 기한이 든 주마다의 수료율 막대그래프, {len(weeks)}주. "
            f"기간 전체는 {total}건 중 {completed}건 수료({rate})."
        ),
        items=[(week.label, week.completion_rate) for week in weeks],
    )


REPORT_COLUMN_NAMES = ("배정", "수강 중", "수료", "만료", "전체", "수료율(%)")


def report_export(
    fmt: str, *, dimension: str, rows: list[selectors.ReportRow], period: Period
) -> HttpResponse:
    label, _ = selectors.REPORT_DIMENSIONS[dimension]
    columns = [exports.Column(label), *(exports.Column(name) for name in REPORT_COLUMN_NAMES)]
    return exports.export_response(
        fmt,
        basename=f"courses-report-{dimension}-{period.start:%Y%m%d}-{period.end:%Y%m%d}",
        sheet_title=f"{label}별 현황",
        columns=columns,
        rows=(
            (
                row.label,
                row.assigned,
                row.in_progress,
                row.completed,
                row.expired,
                row.total,
                round(100 * row.completion_rate, 1),
            )
            for row in rows
        ),
    )


def _report_period(request: HttpRequest) -> tuple[PeriodForm, Period | None]:
    """The period asked for (both dates needed), or the default one when none is."""
    if not request.GET.get("start") and not request.GET.get("end"):
        period = default_period(clock.today())
        return PeriodForm(initial={"start": period.start, "end": period.end}), period
    form = PeriodForm(request.GET, max_days=REPORT_MAX_DAYS)
    if form.is_valid():
        for name, text in (("start", "시작일"), ("end", "끝일")):
            if form.cleaned_data[name] is None:
                form.add_error(name, f"{text}을 골라 주세요.")
    return form, (form.period() if form.is_valid() else None)


def reports_page(model_admin, request: HttpRequest) -> HttpResponse:
    """현황 보고: the period, the chart and table of one dimension, the weekly trend."""
    dimension = request.GET.get("by", "course")
    if dimension not in selectors.REPORT_DIMENSIONS:
        dimension = "course"
    label, _ = selectors.REPORT_DIMENSIONS[dimension]
    form, period = _report_period(request)
    fmt = request.GET.get("format")
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"수강 현황 ({label}별)",
        "label": label,
        "dimension": dimension,
        "dimensions": [(key, value[0]) for key, value in selectors.REPORT_DIMENSIONS.items()],
        "form": form,
        "period": period,
        "opts": model_admin.model._meta,
    }
    if period is not None:
        rows = selectors.enrollment_report(
            dimension=dimension, enrollments=period_enrollments(period)
        )
        if fmt in exports.FORMATS:
            return report_export(fmt, dimension=dimension, rows=rows, period=period)
        weeks = weekly_trend(period)
        query = {"start": period.start.isoformat(), "end": period.end.isoformat()}
        context.update(
            table=[(row, svg_charts.percent_text(row.completion_rate)) for row in rows],
            chart=dimension_chart(dimension=dimension, rows=rows, period=period),
            weeks=weeks,
            trend=trend_chart(weeks=weeks, period=period),
            period_query=urlencode(query),
            list_url=reverse("admin:courses_enrollment_changelist")
            + "?"
            + urlencode({"deadline-start": query["start"], "deadline-end": query["end"]}),
        )
    return TemplateResponse(request, "courses/admin/reports.html", context)


# --- Exports with phone numbers -----------------------------------------------------------

ENROLLMENT_COLUMNS = [
    exports.Column("휴대폰", phone=True),
    exports.Column("이름"),
    exports.Column("과정 코드"),
    exports.Column("과정"),
    exports.Column("차수"),
    exports.Column("상태"),
    exports.Column("수강 시작일"),
    exports.Column("수강 기한"),
    exports.Column("수료한 때"),
    exports.Column("수료 번호"),
    exports.Column("운행 가능 안내한 때"),
    exports.Column("운수사"),
]
_ENROLLMENT_FIELDS = (
    "user__phone",
    "user__name",
    "course__code",
    "course__title",
    "attempt",
    "status",
    "window_start",
    "deadline",
    "completed_at",
    "completion_no",
    "cleared_at",
    "user__roster_entry__transport_company__name",
)
EXPORT_CHUNK = 2000


def enrollment_export_rows(enrollments: QuerySet) -> Iterator[tuple]:
    """The rows of :data:`ENROLLMENT_COLUMNS`, read in chunks as they are written."""
    labels = dict(EnrollmentStatus.choices)
    status = _ENROLLMENT_FIELDS.index("status")
    for row in (
        enrollments.order_by("pk")
        .values_list(*_ENROLLMENT_FIELDS)
        .iterator(chunk_size=EXPORT_CHUNK)
    ):
        yield (*row[:status], labels.get(row[status], row[status]), *row[status + 1 :])


def enrollment_export(fmt: str, *, enrollments: QuerySet) -> HttpResponse:
    return exports.export_response(
        fmt,
        basename=f"enrollments-{clock.today():%Y%m%d}",
        sheet_title="수강 목록",
        columns=ENROLLMENT_COLUMNS,
        rows=enrollment_export_rows(enrollments),
    )


PENALTY_COLUMNS = [
    exports.Column("휴대폰", phone=True),
    exports.Column("이름"),
    exports.Column("자격번호"),
    exports.Column("운수사"),
    exports.Column("지역본부"),
    exports.Column("과정"),
    exports.Column("차수"),
    exports.Column("기한"),
    exports.Column("만료된 때"),
]


def penalty_export_rows(entries: QuerySet) -> Iterator[tuple]:
    for e in entries.iterator(chunk_size=EXPORT_CHUNK):
        entry = getattr(e.user, "roster_entry", None)
        company = entry.transport_company.name if entry and entry.transport_company else ""
        yield (
            e.user.phone or "",
            e.user.name,
            e.user.qualification_no,
            company,
            e.region_name or "",
            e.course.title,
            e.attempt,
            e.deadline,
            e.expired_at,
        )


def penalty_export(fmt: str) -> HttpResponse:
    return exports.export_response(
        fmt,
        basename=f"penalty-{clock.today().isoformat()}",
        sheet_title="리프레시 미수료",
        columns=PENALTY_COLUMNS,
        rows=penalty_export_rows(selectors.penalty_list()),
    )
