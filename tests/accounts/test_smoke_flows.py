"""The main flows through the Django test client (no browser)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from tests.accounts.conftest import NEW_PASSWORD, PASSWORD, last_code

pytestmark = pytest.mark.django_db


def test_signup_by_roster_phone_logs_in(client, roster):
    page = client.get(reverse("account_signup"))
    assert page.status_code == 200
    data = {"username": "010 1234 5678", "name": "김기사", "birth_date": "19650312"}
    sent = client.post(reverse("accounts:signup_code"), data)
    assert sent.status_code == 302
    code = last_code("01012345678")
    response = client.post(
        reverse("account_signup"),
        {
            **data,
            "code": code,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "agree_terms": "on",
            "agree_privacy": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(phone="01012345678")
    assert user.check_password(PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.password.startswith("argon2$argon2id$")


def test_first_login_flow(client, provisioned):
    response = client.post(reverse("account_login"), {"login": "01012345678", "password": "x"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_set")
    assert (
        client.post(reverse("accounts:password_set"), {"login_id": "010-1234-5678"}).status_code
        == 302
    )
    r = client.post(
        reverse("accounts:password_set_identity"),
        {"birth_date": "1965-03-12", "phone": "01012345678"},
    )
    assert r["Location"] == reverse("accounts:password_set_code")
    r = client.post(reverse("accounts:password_set_code"), {"action": "send", "name": "김기사"})
    assert r.status_code == 302
    code = last_code("01012345678")
    r = client.post(reverse("accounts:password_set_code"), {"action": "verify", "code": code})
    assert r["Location"] == reverse("accounts:password_set_new")
    r = client.post(
        reverse("accounts:password_set_new"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert r["Location"] == reverse("account_login")
    r = client.post(reverse("account_login"), {"login": "01012345678", "password": NEW_PASSWORD})
    assert r.status_code == 302
    assert client.session["_auth_user_id"] == str(provisioned.pk)


def test_member_info_after_password_check(client, partner):
    client.login(username=partner.username, password=PASSWORD)
    r = client.get(reverse("accounts:member_info"))
    assert r.status_code == 302 and reverse("account_reauthenticate") in r["Location"]
    r = client.post(
        reverse("account_reauthenticate") + "?next=/accounts/member/", {"password": PASSWORD}
    )
    assert r.status_code == 302
    page = client.get(reverse("accounts:member_info"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "정회원" in text and "회원탈퇴" in text and "수정" in text


def test_login_message_greets_by_name_with_the_phone_as_read(client, partner):
    response = client.post(
        reverse("account_login"), {"login": "010 1234 5678", "password": PASSWORD}, follow=True
    )
    page = response.content.decode()
    assert "김기사 님, 반갑습니다. 로그인했어요 (아이디 010-1234-5678)." in page
    assert "01012345678" not in page
