"""The history page and the rejection step in Chromium at 1280×800, under axe-core and
the CSP (docs/admin.md, "Rules in admin, history and reviews")."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import AccessRequest, AccessRequestStatus
from accounts.services.access import access_request_create
from courses.services.enrollments import enrollments_deadline_change
from portal import clock
from portal.sms.models import OutboxMessage
from tests.courses import factories
from tests.support.browser import VIEWPORTS, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(browser):
    """A staff PC: 1280×800, collecting CSP reports from the console."""
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="ko-KR")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.csp_errors = []
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and page.csp_errors.append(message.text)
        ),
    )
    yield page
    context.close()


def _check(page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"axe violations on {page.url}:\n" + "\n".join(violations)
    assert page.csp_errors == []


def _sign_in(page, live_server, username: str, password: str) -> None:
    page.goto(live_server.url + "/admin/")
    assert page.get_by_role("heading", name="직원 로그인").is_visible()
    _check(page)
    page.get_by_label("아이디", exact=True).fill(username)
    page.get_by_label("비밀번호").fill(password)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(live_server.url + "/admin/")


def test_history_page_reads_in_korean_and_passes_axe(desk, live_server):
    boss = factories.staff()
    with clock.travel(dt.datetime(2026, 12, 1, 0, 30, tzinfo=dt.UTC)):
        enrollment = factories.enroll(
            factories.partner(), factories.course(), deadline=dt.date(2026, 12, 21)
        )
        enrollments_deadline_change(
            enrollment_ids=[enrollment.pk],
            new_deadline=dt.date(2026, 12, 24),
            reason="가이드센터 일정 변경",
            changed_by_id=boss.pk,
        )
    _sign_in(desk, live_server, boss.username, "Staff1234!x")
    desk.goto(f"{live_server.url}/admin/courses/enrollment/{enrollment.pk}/change/")
    desk.get_by_role("link", name="히스토리").click()
    table = desk.locator("#change-history")
    newest = table.locator("tbody tr").first
    assert "기한 변경: 가이드센터 일정 변경" in newest.inner_text()
    assert "2026년 12월 21일 → 2026년 12월 24일" in newest.inner_text()
    assert "2026년 12월 1일 09:30" in table.locator("tbody tr").last.inner_text()
    _check(desk)

    desk.get_by_role("link", name="보기").last.click()
    main = desk.locator("#content-main").inner_text()
    assert "보기만 합니다" in main and "2026년 12월 21일" in main and "배정됨" in main
    assert desk.locator("#content-main form").count() == 0
    _check(desk)


def test_rejection_asks_for_its_reason_and_passes_axe(desk, live_server):
    boss = factories.staff()
    partner = factories.partner(name="한기사")
    access_request_create(user=partner, service=factories.service(), reason="블루도 운행")
    _sign_in(desk, live_server, boss.username, "Staff1234!x")

    desk.goto(live_server.url + "/admin/accounts/accessrequest/")
    desk.get_by_role("searchbox").fill(
        partner.phone[:3] + "-" + partner.phone[3:7] + "-" + partner.phone[7:]
    )
    desk.get_by_role("searchbox").press("Enter")
    assert partner.phone in desk.locator("#result_list").inner_text()
    desk.locator("input[name=_selected_action]").first.check()
    desk.select_option("select[name=action]", "reject")
    desk.locator("button[name=index]").click()

    desk.get_by_role("heading", name="권한 신청 반려").wait_for()
    assert "블루도 운행" in desk.locator("#reject-requests").inner_text()
    _check(desk)
    desk.get_by_role("button", name="반려하고 문자 보내기").click()
    desk.get_by_text("반려 사유를 적어 주세요").wait_for()
    assert AccessRequest.objects.get().status == AccessRequestStatus.PENDING
    _check(desk)

    desk.get_by_label("반려 사유").fill("블루 등록 운수사가 아닙니다")
    desk.get_by_role("button", name="반려하고 문자 보내기").click()
    desk.get_by_text("1건을 처리했고 문자를 보냈습니다").wait_for()
    row = AccessRequest.objects.get()
    assert (row.status, row.rejection_reason) == (
        AccessRequestStatus.REJECTED,
        "블루 등록 운수사가 아닙니다",
    )
    sms = OutboxMessage.objects.get(kind="access_request")
    assert sms.to == partner.phone and "사유: 블루 등록 운수사가 아닙니다" in sms.body
    assert desk.csp_errors == []
