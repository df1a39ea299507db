"""현황 보고 with a period, its weekly trend and exports; the enrollment list's export
(courses/reports.py)."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from courses import reports
from courses.services.progress import text_lesson_confirm
from portal import clock
from portal.periods import Period
from tests.courses import factories

pytestmark = pytest.mark.django_db

REPORTS = reverse("admin:courses_reports")
MONDAY = dt.date(2026, 3, 2)


@pytest.fixture
def staff_client(client):
    client.force_login(factories.staff())
    return client


def _attempts():
    """Week of 3/2: two attempts, one completed. Week of 3/16: one. 4/20: outside."""
    course = factories.course(videos=0, texts=1)
    with clock.travel(clock.at(MONDAY - dt.timedelta(days=7), 9)):
        done = factories.enroll(factories.partner(), course, deadline=MONDAY + dt.timedelta(days=6))
        text_lesson_confirm(enrollment=done, lesson=course.lessons.get())
        factories.enroll(factories.partner(), course, deadline=MONDAY)
        factories.enroll(factories.partner(), course, deadline=dt.date(2026, 3, 16))
        factories.enroll(factories.partner(), course, deadline=dt.date(2026, 4, 20))
    return course


def test_weekly_trend_lists_every_week_of_the_period():
    _attempts()
    # From Wednesday 3/4: the attempt due on Monday 3/2 is not in the period.
    weeks = reports.weekly_trend(Period(MONDAY + dt.timedelta(days=2), dt.date(2026, 3, 22)))
    assert [(w.monday, w.total, w.completed) for w in weeks] == [
        (MONDAY, 1, 1),
        (dt.date(2026, 3, 9), 0, 0),
        (dt.date(2026, 3, 16), 1, 0),
    ]
    assert (weeks[0].rate_text, weeks[2].rate_text) == ("100.0%", "0.0%")


def test_default_period_is_twelve_weeks_back_and_four_ahead():
    period = reports.default_period(dt.date(2026, 3, 4))  # a Wednesday
    assert period == Period(dt.date(2025, 12, 15), dt.date(2026, 4, 5))
    assert period.days == 16 * 7


def test_report_page_counts_the_period_only(staff_client):
    course = _attempts()
    page = staff_client.get(REPORTS, {"start": "2026-03-01", "end": "2026-03-31"})
    assert page.status_code == 200
    [(row, rate)] = page.context["table"]
    assert (row.label, row.total, row.completed, rate) == (course.title, 3, 1, "33.3%")
    html = page.content.decode()
    assert 'role="img"' in html and "과정별 수료율 (2026-03-01 ~ 2026-03-31)" in html
    assert "style=" not in html.partition('<div id="content-main">')[2]  # CSP: no inline style
    assert "<script" not in html.partition('<div id="content-main">')[2]
    assert len(page.context["weeks"]) == 6  # 2/23 … 3/30


def test_report_refuses_a_bad_or_half_period_with_a_message(staff_client):
    for query, message in (
        ({"start": "2026-03-31", "end": "2026-03-01"}, "끝일은 시작일과 같거나"),
        ({"start": "2026-03-01", "end": ""}, "끝일을 골라 주세요."),
        ({"start": "2025-01-01", "end": "2026-03-01"}, "366일까지"),
    ):
        page = staff_client.get(REPORTS, {**query, "format": "xlsx"})
        assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
        assert message in page.content.decode()
        assert page.context["period"] is None


def test_report_exports_xlsx_for_its_period(staff_client):
    course = _attempts()
    response = staff_client.get(
        REPORTS, {"by": "course", "start": "2026-03-01", "end": "2026-03-31", "format": "xlsx"}
    )
    assert response["Content-Disposition"].endswith('-20260301-20260331.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [c.value for c in next(sheet.iter_rows())][:2] == ["과정", "배정"]
    assert [c.value for c in list(sheet.iter_rows())[1]] == [course.title, 2, 0, 1, 0, 3, 33.3]


def test_enrollment_list_exports_what_it_shows(staff_client):
    course = _attempts()
    other = factories.course(videos=0, texts=1)
    with clock.travel(clock.at(MONDAY - dt.timedelta(days=7), 9)):
        factories.enroll(factories.partner(name="=HYPERLINK()"), other, deadline=MONDAY)
    query = f"?deadline-start=2026-03-01&deadline-end=2026-03-31&course__id__exact={course.pk}"
    response = staff_client.get(reverse("admin:courses_enrollment_export", args=["csv"]) + query)
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 4  # header + the three March attempts of the course
    assert all(line.startswith("010-") for line in lines[1:])
    everything = staff_client.get(reverse("admin:courses_enrollment_export", args=["csv"]))
    text = b"".join(everything.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK()" in text
    xlsx = staff_client.get(reverse("admin:courses_enrollment_export", args=["xlsx"]) + query)
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    phones = [row[0] for row in list(sheet.iter_rows())[1:]]
    assert len(phones) == 3
    assert all(c.data_type == "s" and c.value.startswith("010") for c in phones)
    assert (
        staff_client.get(reverse("admin:courses_enrollment_export", args=["pdf"])).status_code
        == 404
    )


def test_penalty_list_exports_xlsx_with_phone_text(staff_client):
    from courses.models import CourseKind
    from courses.services.enrollments import enrollments_expire

    user = factories.partner(name="벌점대상")
    refresh = factories.course(videos=0, texts=1, kind=CourseKind.REFRESH)
    factories.enroll(user, refresh, deadline=clock.today())
    enrollments_expire(today=clock.today() + dt.timedelta(days=1))
    response = staff_client.get(reverse("admin:courses_penalty") + "?format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    [_header, row] = list(sheet.iter_rows())
    assert (row[0].value, row[0].data_type, row[1].value) == (user.phone, "s", "벌점대상")


def test_reports_and_exports_need_the_view_permission(client):
    from accounts.models import User

    clerk = User.objects.create_user(username="clerk", password="x-Secret-123", is_staff=True)
    client.force_login(clerk)
    for url in (
        REPORTS,
        reverse("admin:courses_penalty") + "?format=xlsx",
        reverse("admin:courses_enrollment_export", args=["xlsx"]),
    ):
        assert client.get(url).status_code == 403, url
