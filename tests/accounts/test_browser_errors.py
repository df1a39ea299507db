"""Every partner form's error state in Chromium, axe-clean at 360×640 and 1280×800.

platform.md, "UI rules": errors say what to do next, next to the field, and axe-core
reports nothing. A form-wide error (the failed login) is a ``role="alert"`` region
around a plain list, so it is announced without breaking the list's semantics.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from playwright.sync_api import expect

from accounts.models import User
from portal import clock
from tests.accounts.conftest import PASSWORD
from tests.accounts.test_browser_paths import ID, check, click, field

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def alert(page):
    return page.get_by_role("alert")


def field_error(page, label: str):
    """The error list the field names in ``aria-describedby`` (Django's ``<id>_error``)."""
    box = field(page, label)
    expect(box).to_have_attribute("aria-invalid", "true")
    ids = box.get_attribute("aria-describedby").split()
    error_id = next(i for i in ids if i.endswith("_error"))
    return page.locator(f"#{error_id}")


def logged_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def confirmed(page, live_server, user) -> None:
    """Logged in, past 비밀번호 확인 (member pages ask for it first)."""
    logged_in(page, live_server, user)
    page.goto(live_server.url + "/accounts/member/")
    field(page, "비밀번호").fill(PASSWORD)
    click(page, "확인")
    expect(page.get_by_role("heading", name="회원정보")).to_be_visible()


def test_failed_login(live_server, any_page, partner):
    page = any_page
    page.goto(live_server.url + "/accounts/login/")
    field(page, "아이디 (휴대폰 번호)").fill(ID)
    field(page, "비밀번호").fill("Wrong1234!")
    click(page, "로그인")
    expect(alert(page)).to_contain_text("아이디(휴대폰 번호) 또는 비밀번호가 맞지 않아요")
    # The alert region holds a list whose items are list items (axe: listitem).
    expect(alert(page).get_by_role("listitem")).to_have_count(1)
    check(page)


def test_login_with_empty_fields(live_server, phone_page, partner):
    page = phone_page
    page.goto(live_server.url + "/accounts/login/")
    click(page, "로그인")
    expect(field_error(page, "아이디 (휴대폰 번호)")).not_to_be_empty()
    check(page)


def test_signup_errors(live_server, phone_page, roster):
    page = phone_page
    page.goto(live_server.url + "/accounts/signup/")
    # 인증요청 with a number the transport company never registered.
    field(page, "휴대폰 번호 (아이디)").fill("010-9999-0000")
    click(page, "인증요청")
    expect(page.get_by_role("status")).to_contain_text("운수사에 등록된 휴대폰 번호가 아니에요")
    check(page)
    # 가입하기 with nothing filled in: an error next to every required field.
    field(page, "휴대폰 번호 (아이디)").fill("")
    click(page, "가입하기")
    expect(field_error(page, "이름")).not_to_be_empty()
    expect(field_error(page, "비밀번호")).not_to_be_empty()
    check(page)


def test_reauthentication_with_a_wrong_password(live_server, any_page, partner):
    page = any_page
    logged_in(page, live_server, partner)
    page.goto(live_server.url + "/accounts/member/")
    field(page, "비밀번호").fill("Wrong1234!")
    click(page, "확인")
    expect(page.get_by_text("비밀번호가 맞지 않아요")).to_be_visible()
    check(page)


def test_password_set_steps_errors(live_server, phone_page, partner):
    page = phone_page
    page.goto(live_server.url + "/accounts/password/setup/")
    field(page, "아이디 (휴대폰 번호)").fill("1234")
    click(page, "아이디 확인")
    expect(field_error(page, "아이디 (휴대폰 번호)")).to_contain_text("010-1234-5678")
    check(page)
    field(page, "아이디 (휴대폰 번호)").fill(ID)
    click(page, "아이디 확인")
    field(page, "생년월일").fill("1965")
    field(page, "휴대폰 번호").fill("01000000000")
    click(page, "비밀번호 설정")
    expect(field_error(page, "생년월일")).not_to_be_empty()
    check(page)
    field(page, "생년월일").fill("19650312")
    field(page, "휴대폰 번호").fill(ID)
    click(page, "비밀번호 설정")
    # 확인 before 인증요청, then an empty name.
    field(page, "인증번호").fill("123456")
    click(page, "확인")
    expect(field_error(page, "인증번호")).to_contain_text("인증요청")
    check(page)
    field(page, "이름").fill("")
    click(page, "인증요청")
    expect(field_error(page, "이름")).not_to_be_empty()
    check(page)


def test_new_password_errors(live_server, phone_page, partner):
    from tests.accounts.conftest import last_code

    page = phone_page
    page.goto(live_server.url + "/accounts/password/setup/")
    field(page, "아이디 (휴대폰 번호)").fill(ID)
    click(page, "아이디 확인")
    field(page, "생년월일").fill("19650312")
    field(page, "휴대폰 번호").fill(ID)
    click(page, "비밀번호 설정")
    field(page, "이름").fill("김기사")
    click(page, "인증요청")
    field(page, "인증번호").fill(last_code(ID))
    click(page, "확인")
    field(page, "새 비밀번호").fill("short")
    field(page, "새 비밀번호 확인").fill("other")
    click(page, "변경")
    expect(field_error(page, "새 비밀번호")).not_to_be_empty()
    check(page)


def test_password_prompt_errors(live_server, phone_page, partner):
    User.objects.filter(pk=partner.pk).update(
        password_changed_at=clock.now() - dt.timedelta(days=200)
    )
    page = phone_page
    logged_in(page, live_server, partner)
    page.goto(live_server.url + "/accounts/password/old/")
    field(page, "새 비밀번호").fill("Venti5678@")
    field(page, "새 비밀번호 확인").fill("Venti5678#")
    click(page, "변경")
    expect(field_error(page, "새 비밀번호 확인")).to_contain_text("두 비밀번호가 달라요")
    check(page)


def test_member_info_password_errors(live_server, phone_page, partner):
    page = phone_page
    confirmed(page, live_server, partner)
    field(page, "새 비밀번호").fill("Venti5678@")
    field(page, "새 비밀번호 확인").fill("Venti5678#")
    click(page, "수정")
    expect(field_error(page, "새 비밀번호 확인")).to_contain_text("두 비밀번호가 달라요")
    check(page)


def test_phone_change_errors(live_server, phone_page, partner):
    page = phone_page
    confirmed(page, live_server, partner)
    page.goto(live_server.url + "/accounts/member/phone/")
    field(page, "새 휴대폰 번호").fill("02-123")
    click(page, "인증요청")
    expect(field_error(page, "새 휴대폰 번호")).to_contain_text("010-1234-5678")
    check(page)
    field(page, "새 휴대폰 번호").fill("010-2222-3333")
    click(page, "인증요청")
    field(page, "인증번호").fill("000000")
    click(page, "변경")
    expect(field_error(page, "인증번호")).not_to_be_empty()
    check(page)


def test_kakao_only_confirmation_with_a_wrong_code(live_server, phone_page, partner):
    User.objects.filter(pk=partner.pk).update(password="!kakao-only")
    page = phone_page
    logged_in(page, live_server, User.objects.get(pk=partner.pk))
    page.goto(live_server.url + "/accounts/member/")
    expect(page.get_by_role("heading", name="본인 확인")).to_be_visible()
    field(page, "인증번호").fill("000000")
    click(page, "확인")
    expect(field_error(page, "인증번호")).not_to_be_empty()
    check(page)


def test_access_request_without_a_reason(live_server, phone_page, partner):
    page = phone_page
    confirmed(page, live_server, partner)
    page.get_by_role("link", name="권한 신청 (카카오 T 블루)").click()
    click(page, "신청")
    expect(field_error(page, "사유")).to_contain_text("사유를 적어 주세요")
    check(page)


def test_join_inquiry_errors(live_server, phone_page, services):
    page = phone_page
    page.goto(live_server.url + "/join/blue/")
    click(page, "문의 남기기")
    expect(field_error(page, "이름")).not_to_be_empty()
    expect(field_error(page, "문의 내용")).not_to_be_empty()
    check(page)


def test_a_rejected_access_request_in_the_service_list(live_server, any_page, partner, services):
    from accounts.services.access import access_request_create, access_request_decide

    staff = User.objects.create_user(username="staff-r", password="x", is_staff=True)
    access_request_decide(
        access_request=access_request_create(user=partner, service=services["blue"], reason="운행"),
        approve=False,
        staff=staff,
        rejection_reason="운수사 소속 확인이 필요해요",
    )
    page = any_page
    confirmed(page, live_server, partner)
    item = page.locator(".service-list__item", has_text="카카오 T 블루")
    expect(item).to_contain_text("반려됨")
    expect(item).to_contain_text("반려 사유: 운수사 소속 확인이 필요해요")
    check(page)
    item.get_by_role("link", name="다시 신청 (카카오 T 블루)").click()
    expect(page.get_by_label("서비스")).to_have_value(str(services["blue"].pk))
