"""Log in with Kakao (accounts.md): the four outcomes, through allauth's provider and
the fake Kakao server, with the Django test client."""

from __future__ import annotations

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

KIM = {"name": "김기사", "phone": "+82 10-1234-5678", "birthyear": "1965", "birthday": "0312"}


def kakao_round_trip(client, fake):
    """Press 카카오로 로그인, let the fake Kakao answer, return the callback response."""
    start = client.post(reverse("kakao_login"))
    assert start.status_code == 302 and start["Location"].startswith(fake.authorize_url)
    authorize = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert authorize.status_code == 302
    callback = authorize.headers["Location"].removeprefix("http://testserver")
    return client.get(callback)


def test_already_linked_logs_in(client, fake_kakao, partner):
    SocialAccount.objects.create(user=partner, provider="kakao", uid="777")
    fake_kakao.next_profile(kakao_id=777, **KIM)
    response = kakao_round_trip(client, fake_kakao)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(partner.pk)


def test_exact_match_links_and_logs_in(client, fake_kakao, partner):
    fake_kakao.next_profile(kakao_id=778, **KIM)
    response = kakao_round_trip(client, fake_kakao)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(partner.pk)
    assert SocialAccount.objects.get(uid="778").user == partner


def test_roster_phone_without_account_gets_prefilled_signup(client, fake_kakao, roster):
    fake_kakao.next_profile(kakao_id=779, name="김기사", phone="+82 10-1234-5678")
    response = kakao_round_trip(client, fake_kakao)
    assert response.status_code == 302
    assert response["Location"] == reverse("socialaccount_signup")
    page = client.get(response["Location"])
    text = page.content.decode()
    assert 'value="김기사"' in text
    done = client.post(
        reverse("socialaccount_signup"),
        {"name": "김기사", "birth_date": "19650312", "agree_terms": "on", "agree_privacy": "on"},
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    user = User.objects.get(phone="01012345678")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert SocialAccount.objects.get(uid="779").user == user
    assert not user.has_usable_password()


def test_prefilled_signup_refuses_wrong_birth_date(client, fake_kakao, roster):
    fake_kakao.next_profile(kakao_id=780, name="김기사", phone="+82 10-1234-5678")
    kakao_round_trip(client, fake_kakao)
    done = client.post(
        reverse("socialaccount_signup"),
        {"name": "김기사", "birth_date": "19700101", "agree_terms": "on", "agree_privacy": "on"},
    )
    assert done.status_code == 200
    assert "운수사에 등록된 정보와 달라요" in done.content.decode()
    assert not User.objects.filter(phone="01012345678").exists()


@pytest.mark.parametrize(
    "profile",
    [
        {**KIM, "name": "박기사"},
        {**KIM, "birthday": "0313"},
        {**KIM, "phone": "+82 10-9999-0000"},
        {"name": "김기사"},
    ],
    ids=["other-name", "other-birthday", "phone-not-on-roster", "no-phone"],
)
def test_partial_or_no_match_is_refused(client, fake_kakao, partner, profile):
    fake_kakao.next_profile(kakao_id=781, **profile)
    response = kakao_round_trip(client, fake_kakao)
    assert response.status_code == 200
    text = response.content.decode()
    assert "로그인할 수 없어요" in text and "1533-0301" in text
    assert "_auth_user_id" not in client.session
    assert not SocialAccount.objects.exists()


def test_kakao_only_partner_confirms_with_kakao_for_member_info(client, fake_kakao, roster):
    from accounts.services import account_preprovision

    user, _ = account_preprovision(roster_entry=roster)
    SocialAccount.objects.create(user=user, provider="kakao", uid="800")
    client.force_login(user)
    member = reverse("accounts:member_info")
    asked = client.get(member)
    assert reverse("accounts:reauth_sms") in asked["Location"]
    assert "카카오로 본인 확인" in client.get(asked["Location"]).content.decode()
    fake_kakao.next_profile(kakao_id=800, **KIM)
    start = client.post(reverse("kakao_login"), {"process": "redirect", "next": member})
    authorize = requests.get(start["Location"], allow_redirects=False, timeout=5)
    back = client.get(authorize.headers["Location"].removeprefix("http://testserver"))
    assert back["Location"] == member
    assert client.get(member).status_code == 200
    assert client.session["_auth_user_id"] == str(user.pk)


def test_someone_elses_kakao_does_not_confirm(client, fake_kakao, roster, partner):
    other = User.objects.create_user(username="01088887777", phone="01088887777")
    SocialAccount.objects.create(user=other, provider="kakao", uid="801")
    kakao_only, _ = User.objects.get_or_create(username="01077776666", phone="01077776666")
    client.force_login(kakao_only)
    fake_kakao.next_profile(kakao_id=801, **KIM)
    start = client.post(
        reverse("kakao_login"), {"process": "redirect", "next": reverse("accounts:member_info")}
    )
    authorize = requests.get(start["Location"], allow_redirects=False, timeout=5)
    back = client.get(authorize.headers["Location"].removeprefix("http://testserver"))
    assert back["Location"] == reverse("accounts:reauth_sms")
    assert client.get(reverse("accounts:member_info")).status_code == 302
    assert client.session["_auth_user_id"] == str(kakao_only.pk)
