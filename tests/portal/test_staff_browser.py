"""Staff pages in Chromium at 1280×800 under axe-core: the staff home and its counts,
a report with its chart and period, and an XLSX download (docs/admin.md, "Staff home
and reports")."""

import datetime as dt
import re

import openpyxl
import pytest
from django.conf import settings
from django.test import Client

from courses.models import CourseKind
from courses.services.progress import text_lesson_confirm
from portal import clock
from tests.courses import factories
from tests.portal.staff_work import make_staff_work
from tests.support.browser import DESKTOP, MIN_BASE_FONT_PX, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff_page(browser, live_server):
    """A 1280×800 page signed in as a superuser (the sign-in itself is tested elsewhere)."""
    boss = factories.staff()
    client = Client()
    client.force_login(boss)
    context = browser.new_context(viewport=DESKTOP, locale="ko-KR", accept_downloads=True)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.boss = boss
    page.base = live_server.url
    yield page
    context.close()


def _check(page, *, large_text: bool = True):
    """axe-core finds nothing; the staff home and reports also have large text (Django's
    own lists keep the admin's size)."""
    violations = axe_violations(page)
    assert violations == [], f"axe violations on {page.url}:\n" + "\n".join(violations)
    if large_text:
        base = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert base >= MIN_BASE_FONT_PX


def test_staff_home_counts_match_their_lists(staff_page):
    page = staff_page
    expected = make_staff_work(page.boss)
    page.goto(page.base + "/admin/")
    _check(page)
    tasks = page.locator(".staff-task")
    assert tasks.count() == len(expected)
    shown = {}
    for index in range(tasks.count()):
        task = tasks.nth(index)
        label = task.locator(".staff-task-label").inner_text()
        shown[label] = (
            int(task.locator(".staff-task-count").get_attribute("data-count")),
            task.locator("a").get_attribute("href"),
        )
    assert {label: count for label, (count, _) in shown.items()} == expected
    for label, (count, href) in shown.items():
        page.goto(page.base + href)
        rows = page.locator("#result_list tbody tr")
        assert rows.count() == count, label
    # Work first, sign-in machinery last under 설정.
    page.goto(page.base + "/admin/")
    headings = page.locator("#content-main h2.staff-heading").all_inner_texts()
    assert headings == ["기다리는 일", "자주 쓰는 화면", "업무 메뉴", "설정 (최고 관리자)"]
    menus = page.locator("#content-main .module caption").all_inner_texts()
    assert menus.index("필수 교육") < menus.index("회원") < menus.index("문자 발송")
    assert menus.index("그룹") if "그룹" in menus else True
    settings_menus = page.locator("section[aria-labelledby=staff-settings-title] caption")
    assert "소셜 계정" in settings_menus.all_inner_texts()


def _report_data():
    user = factories.partner()
    factories.organisation(user)
    course = factories.course(videos=0, texts=1, kind=CourseKind.REFRESH)
    today = clock.today()
    done = factories.enroll(user, course, deadline=today + dt.timedelta(days=3))
    text_lesson_confirm(enrollment=done, lesson=course.lessons.get())
    factories.enroll(factories.partner(), course, deadline=today + dt.timedelta(days=3))
    # Outside the period chosen below: not counted.
    factories.enroll(factories.partner(), course, deadline=today + dt.timedelta(days=60))
    return course


def test_report_with_chart_and_period(staff_page):
    page = staff_page
    course = _report_data()
    today = clock.today()
    page.goto(page.base + "/admin/courses/enrollment/reports/")
    _check(page)
    page.fill("#id_start", today.isoformat())
    page.fill("#id_end", (today + dt.timedelta(days=13)).isoformat())
    page.get_by_role("button", name="기간 적용").click()
    page.wait_for_url(re.compile(r"start="))
    _check(page)
    chart = page.locator("svg#chart-course, svg[aria-labelledby^=chart-course]")
    assert chart.count() == 1
    assert "과정별 수료율" in chart.locator("title").text_content()
    row = page.locator("#report-table tbody tr", has_text=course.title)
    assert row.locator("td").all_inner_texts() == ["1", "0", "1", "0", "2", "50.0%"]
    assert page.locator("svg[aria-labelledby^=chart-weekly] rect.chart-bar").count() == 2
    weekly = page.locator("#weekly-table tbody tr td").all_inner_texts()
    assert sum(int(text) for text in weekly[0::3]) == 2
    # A bad period is refused next to its field, not with an error page.
    page.fill("#id_end", (today - dt.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="기간 적용").click()
    page.get_by_text("끝일은 시작일과 같거나 그 뒤여야 합니다.").wait_for()
    _check(page)


def test_xlsx_download_keeps_phones_as_text(staff_page, tmp_path):
    page = staff_page
    course = _report_data()
    today = clock.today()
    page.goto(
        page.base
        + "/admin/courses/enrollment/?deadline-start="
        + today.isoformat()
        + "&deadline-end="
        + (today + dt.timedelta(days=13)).isoformat()
    )
    _check(page, large_text=False)
    assert page.locator("#result_list tbody tr").count() == 2
    with page.expect_download() as info:
        page.get_by_role("link", name="이 목록 내려받기 (XLSX)").click()
    path = tmp_path / "list.xlsx"
    info.value.save_as(path)
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows())
    assert [cell.value for cell in rows[0]][:2] == ["휴대폰", "이름"]
    assert len(rows) == 3  # the header and the two attempts of the period
    for row in rows[1:]:
        phone = row[0]
        assert phone.data_type == "s" and phone.number_format == "@"
        assert re.fullmatch(r"010\d{8}", phone.value)
        assert row[3].value == course.title
