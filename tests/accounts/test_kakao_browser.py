"""Log in with Kakao in Chromium at 360×640, through the fake Kakao's consent page.

Every portal page on the way is checked with axe-core at 360×640 and 1280×800 (the
consent page is the fake Kakao's own, not checked).
"""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from playwright.sync_api import expect

from accounts.models import User
from tests.accounts.test_browser_paths import ID, assert_logged_in, check, click, field

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KIM = {"name": "김기사", "phone": "+82 10-1234-5678", "birthyear": "1965", "birthday": "0312"}


@pytest.fixture
def kakao(fake_kakao, live_server):
    fake_kakao.register_redirect_uri(live_server.url + "/accounts/kakao/login/callback/")
    return fake_kakao


def kakao_login(page, live_server, *, untick=(), cancel=False) -> None:
    """로그인 → 카카오로 로그인 → on Kakao's consent page untick ``untick`` and agree,
    or cancel."""
    page.goto(live_server.url + "/accounts/login/")
    click(page, "카카오로 로그인")
    expect(
        page.get_by_role("heading", name="파트너플레이스 서비스 이용에 동의해 주세요")
    ).to_be_visible()
    if cancel:
        click(page, "취소")
        return
    for label in untick:
        page.get_by_label(label, exact=False).uncheck()
    click(page, "동의하고 계속하기")


def test_consent_then_linked(live_server, phone_page, kakao, partner):
    kakao.next_profile(kakao_id=901, **KIM)
    kakao_login(phone_page, live_server)
    assert_logged_in(phone_page, "김기사")
    check(phone_page)
    assert SocialAccount.objects.get(uid="901").user_id == partner.pk


def test_cancel_on_consent(live_server, phone_page, kakao, partner):
    kakao.next_profile(kakao_id=902, **KIM)
    kakao_login(phone_page, live_server, cancel=True)
    expect(phone_page.get_by_role("heading", name="카카오 로그인을 취소했어요")).to_be_visible()
    check(phone_page)
    assert not SocialAccount.objects.exists()


def test_unticked_phone(live_server, phone_page, kakao, partner):
    kakao.next_profile(kakao_id=903, **KIM)
    kakao_login(phone_page, live_server, untick=["카카오계정(전화번호)"])
    main = phone_page.locator("main")
    expect(main).to_contain_text("휴대폰 번호를 받지 못했어요")
    check(phone_page)
    # Trying again shows the consent page with the phone item only.
    click(phone_page, "카카오 동의 다시 하기")
    expect(phone_page.get_by_label("카카오계정(전화번호)", exact=False)).to_be_checked()
    expect(phone_page.get_by_label("이름", exact=False)).to_have_count(0)
    click(phone_page, "동의하고 계속하기")
    assert_logged_in(phone_page, "김기사")


def test_phone_not_on_roster(live_server, phone_page, kakao, partner):
    kakao.next_profile(kakao_id=904, **{**KIM, "phone": "+82 10-9999-0000"})
    kakao_login(phone_page, live_server)
    expect(phone_page.locator("main")).to_contain_text("운수사에 등록된 번호가 아니에요")
    check(phone_page)


def test_partial_match(live_server, phone_page, kakao, partner):
    kakao.next_profile(kakao_id=905, **{**KIM, "birthday": "0101"})
    kakao_login(phone_page, live_server)
    expect(
        phone_page.get_by_role("heading", name="카카오 계정으로 로그인할 수 없어요")
    ).to_be_visible()
    expect(phone_page.locator("main")).to_contain_text("1533-0301")
    check(phone_page)
    assert not SocialAccount.objects.exists()


def test_unticked_birthday_is_asked(live_server, phone_page, kakao, partner):
    kakao.next_profile(kakao_id=906, **KIM)
    kakao_login(phone_page, live_server, untick=["생일"])
    expect(phone_page.get_by_role("heading", name="본인 확인")).to_be_visible()
    expect(phone_page.locator("main")).to_contain_text("010-1234-5678")
    check(phone_page)
    field(phone_page, "생년월일 (양력)").fill("1965")
    click(phone_page, "확인")
    expect(phone_page.locator("#id_birth_date_error")).to_be_visible()
    check(phone_page)
    field(phone_page, "생년월일 (양력)").fill("19650312")
    click(phone_page, "확인")
    assert_logged_in(phone_page, "김기사")


def test_lunar_birthday_is_asked(live_server, phone_page, kakao, partner):
    kakao.next_profile(kakao_id=907, **{**KIM, "birthday": "0201"}, birthday_type="LUNAR")
    kakao_login(phone_page, live_server)
    expect(phone_page.locator("main")).to_contain_text("음력")
    field(phone_page, "생년월일 (양력)").fill("19650312")
    click(phone_page, "확인")
    assert_logged_in(phone_page, "김기사")


def test_signup_shows_the_id(live_server, phone_page, kakao, roster):
    kakao.next_profile(kakao_id=908, **KIM, birthday_type="LUNAR")
    page = phone_page
    kakao_login(page, live_server)
    expect(page.get_by_role("heading", name="카카오로 회원가입")).to_be_visible()
    expect(field(page, "아이디 (휴대폰 번호)")).to_have_value("010-1234-5678")
    expect(field(page, "이름")).to_have_value("김기사")
    expect(field(page, "생년월일")).to_have_value("")
    click(page, "가입하기")
    check(page)
    field(page, "생년월일").fill("19650312")
    page.get_by_label("[필수] 이용약관에 동의합니다").check()
    page.get_by_label("[필수] 개인정보 수집·이용에 동의합니다", exact=False).check()
    click(page, "가입하기")
    assert_logged_in(page, "김기사")
    assert SocialAccount.objects.get(uid="908").user.phone == ID


def test_reloaded_callback(live_server, phone_page, kakao, partner):
    kakao.next_profile(kakao_id=909, **KIM)
    callbacks = []
    phone_page.on(
        "request",
        lambda request: (
            callbacks.append(request.url) if "/login/callback/" in request.url else None
        ),
    )
    kakao_login(phone_page, live_server)
    assert_logged_in(phone_page, "김기사")
    phone_page.goto(callbacks[-1])
    expect(phone_page.get_by_role("heading", name="이미 로그인되어 있어요")).to_be_visible()
    check(phone_page)
    assert User.objects.filter(phone=ID).count() == 1
    assert SocialAccount.objects.filter(uid="909").count() == 1
