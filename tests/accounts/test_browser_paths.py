"""The call centre's paths (seeds 000 and 001), word for word, in Chromium at 360×640.

Every page on the way is checked with axe-core at 360×640 and again at 1280×800.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from accounts.services import account_preprovision, first_login_url
from tests.accounts.conftest import NEW_PASSWORD, PASSWORD, last_code
from tests.support.browser import (
    DESKTOP,
    PHONE,
    assert_accessible,
    assert_no_horizontal_scroll,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ID = "01012345678"


def check(page) -> None:
    """axe-clean at both sizes, no sideways scroll on the phone."""
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)
    page.set_viewport_size(PHONE)


def member_menu(page, item: str) -> None:
    """오른쪽 위 [사람 아이콘] → ``item``."""
    page.locator('summary[aria-label="회원 메뉴"]').click()
    menu = page.get_by_role("navigation", name="회원 메뉴")
    if item == "로그아웃":
        menu.get_by_role("button", name=item).click()
    else:
        menu.get_by_role("link", name=item, exact=True).click()


def field(page, label: str):
    return page.get_by_label(label, exact=True)


def click(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def assert_logged_in(page, name: str) -> None:
    page.locator('summary[aria-label="회원 메뉴"]').click()
    menu = page.get_by_role("navigation", name="회원 메뉴")
    expect(menu).to_contain_text(f"{name} 님")
    expect(menu.get_by_role("link", name="회원정보 수정")).to_be_visible()
    page.locator('summary[aria-label="회원 메뉴"]').click()


def test_signup_path(live_server, phone_page, roster):
    page = phone_page
    page.goto(live_server.url + "/")
    check(page)
    member_menu(page, "로그인")
    check(page)
    page.get_by_role("link", name="회원가입", exact=True).click()
    expect(page.get_by_role("heading", name="회원가입")).to_be_visible()
    check(page)
    field(page, "휴대폰 번호 (아이디)").fill("010-1234-5678")
    field(page, "이름").fill("김기사")
    field(page, "생년월일").fill("19650312")
    click(page, "인증요청")
    expect(page.get_by_text("인증번호 6자리를 문자로 보냈어요")).to_be_visible()
    check(page)
    field(page, "인증번호").fill(last_code(ID))
    field(page, "비밀번호").fill(PASSWORD)
    field(page, "비밀번호 확인").fill(PASSWORD)
    page.get_by_label("[필수] 이용약관에 동의합니다").check()
    page.get_by_label("[필수] 개인정보 수집·이용에 동의합니다", exact=False).check()
    click(page, "가입하기")
    assert_logged_in(page, "김기사")
    check(page)
    assert User.objects.get(phone=ID).has_usable_password()


def _password_set_steps(page, *, name="김기사", new_password=NEW_PASSWORD, axe=True) -> None:
    """Seed 001 Q2: 아이디 확인 → 비밀번호 설정 → 인증요청 → 확인 → 변경."""
    check = globals()["check"] if axe else (lambda page: None)
    expect(page.get_by_role("heading", name="비밀번호 설정")).to_be_visible()
    check(page)
    field(page, "아이디 (휴대폰 번호)").fill(ID)
    click(page, "아이디 확인")
    # "빈칸 3개 ... 세 번째 칸에 핸드폰 번호 11자리"
    boxes = page.locator("main input[type=text]")
    expect(boxes).to_have_count(3)
    check(page)
    field(page, "생년월일").fill("19650312")
    boxes.nth(2).fill(ID)
    click(page, "비밀번호 설정")
    # "첫 번째 빈칸에 성함 ... 세 번째 칸 옆에 있는 인증요청 버튼"
    page.locator("main input[type=text]").first.fill(name)
    check(page)
    click(page, "인증요청")
    expect(page.get_by_text("인증번호 6자리를 문자로 보냈어요")).to_be_visible()
    field(page, "인증번호").fill(last_code(ID))
    click(page, "확인")
    check(page)
    field(page, "새 비밀번호").fill(new_password)
    field(page, "새 비밀번호 확인").fill(new_password)
    click(page, "변경")
    expect(page.get_by_text("비밀번호를 설정했어요")).to_be_visible()


def _login(page, password: str) -> None:
    member_menu(page, "로그인")
    field(page, "아이디 (휴대폰 번호)").fill(ID)
    field(page, "비밀번호").fill(password)
    click(page, "로그인")


def test_first_login_path_from_the_sms_link(live_server, phone_page, roster, settings):
    settings.SITE_URL = live_server.url
    account_preprovision(roster_entry=roster)
    page = phone_page
    page.goto(first_login_url())  # [블루교육 로그인] in the course SMS
    _password_set_steps(page)
    check(page)
    _login(page, NEW_PASSWORD)
    assert_logged_in(page, "김기사")


def test_login_with_a_preprovisioned_id_leads_into_first_login(live_server, phone_page, roster):
    account_preprovision(roster_entry=roster)
    page = phone_page
    page.goto(live_server.url + "/")
    _login(page, "아무거나")
    expect(page.get_by_text("처음 로그인하시는군요")).to_be_visible()
    expect(field(page, "아이디 (휴대폰 번호)")).to_have_value(ID)
    check(page)


def test_reset_path(live_server, phone_page, partner):
    page = phone_page
    page.goto(live_server.url + "/")
    member_menu(page, "로그인")
    page.get_by_role("link", name="비밀번호 설정", exact=True).click()
    _password_set_steps(page)
    _login(page, NEW_PASSWORD)
    assert_logged_in(page, "김기사")


def test_withdrawal_path(live_server, phone_page, partner):
    page = phone_page
    page.goto(live_server.url + "/")
    _login(page, PASSWORD)
    member_menu(page, "회원정보 수정")
    expect(page.get_by_role("heading", name="비밀번호 확인")).to_be_visible()
    check(page)
    field(page, "비밀번호").fill(PASSWORD)
    click(page, "확인")
    expect(page.get_by_role("heading", name="회원정보")).to_be_visible()
    check(page)
    expect(page.locator(".service-list")).to_contain_text("카카오 T 벤티")
    expect(page.locator(".badge--member")).to_have_count(1)
    withdraw = page.get_by_role("link", name="회원탈퇴", exact=True)
    save = page.get_by_role("button", name="수정", exact=True)
    # "파란색 [수정] 버튼 위 회색 밑줄 [회원탈퇴]"
    style = withdraw.evaluate(
        "e => [getComputedStyle(e).color, getComputedStyle(e).textDecorationLine]"
    )
    r, g, b = (int(x) for x in re.findall(r"\d+", style[0])[:3])
    assert r == g == b and 60 < r < 160, style
    assert "underline" in style[1]
    button_bg = save.evaluate("e => getComputedStyle(e).backgroundColor")
    br, _bg, bb = (int(x) for x in re.findall(r"\d+", button_bg)[:3])
    assert bb > 150 and br < 60, button_bg
    assert withdraw.bounding_box()["y"] < save.bounding_box()["y"]
    withdraw.click()
    expect(page.get_by_role("heading", name="회원탈퇴 유의사항")).to_be_visible()
    check(page)
    page.get_by_role("link", name="확인했습니다. 탈퇴 계속하기").click()
    check(page)
    click(page, "탈퇴하기")
    expect(page.get_by_role("heading", name="탈퇴했습니다")).to_be_visible()
    check(page)
    assert not User.objects.filter(phone=ID).exists()


def test_first_login_path_without_javascript(live_server, no_js_page, roster, settings):
    settings.SITE_URL = live_server.url
    account_preprovision(roster_entry=roster)
    no_js_page.goto(first_login_url())
    # axe-core needs JavaScript; the pages' accessibility is checked in the tests above.
    _password_set_steps(no_js_page, axe=False)
    _login(no_js_page, NEW_PASSWORD)
    assert_logged_in(no_js_page, "김기사")


@pytest.mark.parametrize("path", ["/join/", "/join/blue/", "/help/centre/", "/accounts/signup/"])
def test_help_and_visitor_pages_are_accessible(live_server, any_page, services, path):
    any_page.goto(live_server.url + path)
    assert_accessible(any_page)
    assert_no_horizontal_scroll(any_page)


def test_member_pages_are_accessible(live_server, phone_page, partner):
    import datetime as dt

    from portal import clock

    User.objects.filter(pk=partner.pk).update(
        password_changed_at=clock.now() - dt.timedelta(days=200)
    )
    page = phone_page
    page.goto(live_server.url + "/")
    _login(page, PASSWORD)
    expect(page.get_by_role("button", name="다음에 변경하기")).to_be_visible()
    check(page)
    click(page, "다음에 변경하기")
    member_menu(page, "회원정보 수정")
    field(page, "비밀번호").fill(PASSWORD)
    click(page, "확인")
    for link in ("번호 변경", "권한 신청 (카카오 T 블루)"):
        page.get_by_role("link", name=link).click()
        check(page)
        page.go_back()
