"""Log in with Kakao (accounts.md): the outcomes, through allauth's provider and the
strict fake Kakao server (consent page included), with the Django test client."""

from __future__ import annotations

import copy
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

KIM = {"name": "김기사", "phone": "+82 10-1234-5678", "birthyear": "1965", "birthday": "0312"}
CALLBACK = "http://testserver/accounts/kakao/login/callback/"


def kakao_start(client, fake, **params):
    """Press 카카오로 로그인; answers the fake's reply to the authorize request."""
    start = client.post(reverse("kakao_login"), params)
    assert start.status_code == 302 and start["Location"].startswith(fake.authorize_url)
    return requests.get(start["Location"], allow_redirects=False, timeout=5)


def kakao_round_trip(client, fake, *, agree=None, cancel=False, **params):
    """Kakao login up to the portal's callback: the consent page answered with the
    items in ``agree`` ticked (all by default) or 취소; answers the callback response."""
    authorize = kakao_start(client, fake, **params)
    assert authorize.status_code == 302, authorize.text
    location = authorize.headers["Location"]
    if location.startswith(fake.origin + "/oauth/consent"):
        answer = fake.cancel(location) if cancel else fake.consent(location, agree=agree)
        assert answer.status_code == 302, answer.text
        location = answer.headers["Location"]
    assert location.startswith(CALLBACK)
    return client.get(location.removeprefix("http://testserver"))


def page_text(response) -> str:
    return response.content.decode()


def test_authorize_request_is_kakaos(client, fake_kakao, partner):
    fake_kakao.next_profile(kakao_id=770, **KIM)
    start = client.post(reverse("kakao_login"))
    query = parse_qs(urlparse(start["Location"]).query)
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == [CALLBACK]
    # Kakao takes the consent items comma-separated.
    assert sorted(query["scope"][0].split(",")) == [
        "birthday",
        "birthyear",
        "name",
        "phone_number",
    ]


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


def test_consent_is_asked_once(client, fake_kakao, partner):
    fake_kakao.next_profile(kakao_id=779, **KIM)
    kakao_round_trip(client, fake_kakao)
    client.logout()
    again = kakao_start(client, fake_kakao)
    assert again.headers["Location"].startswith(CALLBACK + "?code=")


@pytest.mark.parametrize("phone", ["+82 10-1234-5678", "+82 010-1234-5678", "010-1234-5678"])
def test_kakao_phone_formats_match(client, fake_kakao, partner, phone):
    fake_kakao.next_profile(kakao_id=781, **{**KIM, "phone": phone})
    kakao_round_trip(client, fake_kakao)
    assert client.session["_auth_user_id"] == str(partner.pk)


def test_roster_phone_without_account_gets_prefilled_signup(client, fake_kakao, roster):
    fake_kakao.next_profile(kakao_id=782, name="김기사", phone="+82 10-1234-5678")
    response = kakao_round_trip(client, fake_kakao)
    assert response.status_code == 302
    assert response["Location"] == reverse("socialaccount_signup")
    text = page_text(client.get(response["Location"]))
    assert 'value="김기사"' in text
    # The ID the account will get is shown before it is made.
    assert 'value="010-1234-5678"' in text and "아이디 (휴대폰 번호)" in text
    done = client.post(
        reverse("socialaccount_signup"),
        {"name": "김기사", "birth_date": "19650312", "agree_terms": "on", "agree_privacy": "on"},
    )
    assert done.status_code == 302, page_text(done)[:2000]
    user = User.objects.get(phone="01012345678")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert SocialAccount.objects.get(uid="782").user == user
    assert not user.has_usable_password()


def test_prefilled_signup_refuses_wrong_birth_date(client, fake_kakao, roster):
    fake_kakao.next_profile(kakao_id=783, name="김기사", phone="+82 10-1234-5678")
    kakao_round_trip(client, fake_kakao)
    done = client.post(
        reverse("socialaccount_signup"),
        {"name": "김기사", "birth_date": "19700101", "agree_terms": "on", "agree_privacy": "on"},
    )
    assert done.status_code == 200
    assert "운수사에 등록된 정보와 달라요" in page_text(done)
    assert not User.objects.filter(phone="01012345678").exists()


# --- refusals, each with its own reason and next step ------------------------------


def test_unticked_phone_says_to_allow_it(client, fake_kakao, partner):
    fake_kakao.next_profile(kakao_id=784, **KIM)
    response = kakao_round_trip(client, fake_kakao, agree={"name", "birthyear", "birthday"})
    text = page_text(response)
    assert response.status_code == 200
    assert "휴대폰 번호를 받지 못했어요" in text
    assert "카카오계정(전화번호)" in text and "아이디로 로그인" in text
    assert "맞지 않아" not in text
    assert not SocialAccount.objects.exists()
    assert "_auth_user_id" not in client.session


def test_unticked_phone_asked_again_on_retry(client, fake_kakao, partner):
    fake_kakao.next_profile(kakao_id=785, **KIM)
    kakao_round_trip(client, fake_kakao, agree={"name", "birthyear", "birthday"})
    retry = kakao_round_trip(client, fake_kakao, agree={"phone_number"})
    assert retry.status_code == 302
    assert client.session["_auth_user_id"] == str(partner.pk)


def test_phone_not_on_roster_says_to_ask_the_company(client, fake_kakao, partner):
    fake_kakao.next_profile(kakao_id=786, **{**KIM, "phone": "+82 10-9999-0000"})
    text = page_text(kakao_round_trip(client, fake_kakao))
    assert "010-9999-0000" in text
    assert "운수사에 등록된 번호가 아니에요" in text and "등록을 요청" in text
    assert not SocialAccount.objects.exists()


@pytest.mark.parametrize("profile", [{**KIM, "name": "박기사"}, {**KIM, "birthday": "0313"}])
def test_partial_match_says_to_call_the_centre(client, fake_kakao, partner, profile):
    fake_kakao.next_profile(kakao_id=787, **profile)
    text = page_text(kakao_round_trip(client, fake_kakao))
    assert "맞지 않아 연결하지 않았어요" in text
    assert "1533-0301" in text
    assert not SocialAccount.objects.exists()
    assert "_auth_user_id" not in client.session


# --- what Kakao did not give is asked, never guessed ---------------------------------


@pytest.mark.parametrize(
    ("agree", "typed"),
    [
        ({"phone_number", "birthyear", "birthday"}, {"name": "김기사"}),
        ({"phone_number", "name", "birthyear"}, {"birth_date": "1965.03.12"}),
        ({"phone_number", "name", "birthday"}, {"birth_date": "19650312"}),
        ({"phone_number"}, {"name": "김 기사", "birth_date": "1965-03-12"}),
    ],
)
def test_unticked_name_or_birth_is_asked_then_linked(client, fake_kakao, partner, agree, typed):
    fake_kakao.next_profile(kakao_id=788, **KIM)
    response = kakao_round_trip(client, fake_kakao, agree=agree)
    assert response["Location"] == reverse("accounts:kakao_confirm")
    page = client.get(response["Location"])
    text = page_text(page)
    assert "010-1234-5678" in text
    assert ('name="name"' in text) == ("name" in typed)
    assert ('name="birth_date"' in text) == ("birth_date" in typed)
    assert not SocialAccount.objects.exists()
    done = client.post(reverse("accounts:kakao_confirm"), typed)
    assert done.status_code == 302
    assert client.session["_auth_user_id"] == str(partner.pk)
    assert SocialAccount.objects.get(uid="788").user == partner


def test_wrong_typed_birth_date_is_refused(client, fake_kakao, partner):
    fake_kakao.next_profile(kakao_id=789, **KIM)
    kakao_round_trip(client, fake_kakao, agree={"phone_number", "name"})
    done = client.post(reverse("accounts:kakao_confirm"), {"birth_date": "19650313"})
    assert "맞지 않아 연결하지 않았어요" in page_text(done)
    assert not SocialAccount.objects.exists()
    assert "_auth_user_id" not in client.session
    # The confirmation is used up: typing again needs a new Kakao login.
    again = client.post(reverse("accounts:kakao_confirm"), {"birth_date": "19650312"})
    assert again["Location"] == reverse("account_login")
    assert not SocialAccount.objects.exists()


def test_confirmation_refuses_a_malformed_date_next_to_the_field(client, fake_kakao, partner):
    fake_kakao.next_profile(kakao_id=790, **KIM)
    kakao_round_trip(client, fake_kakao, agree={"phone_number", "name"})
    page = client.post(reverse("accounts:kakao_confirm"), {"birth_date": "1965"})
    assert page.status_code == 200
    assert 'id="id_birth_date_error"' in page_text(page)
    assert not SocialAccount.objects.exists()


def test_lunar_birthday_equal_to_the_solar_one_is_not_taken_as_solar(client, fake_kakao, partner):
    fake_kakao.next_profile(kakao_id=791, **KIM, birthday_type="LUNAR")
    response = kakao_round_trip(client, fake_kakao)
    assert response["Location"] == reverse("accounts:kakao_confirm")
    text = page_text(client.get(response["Location"]))
    assert "음력" in text and "양력" in text
    assert not SocialAccount.objects.exists()


def test_lunar_birthday_different_from_the_roster_is_asked_not_refused(client, fake_kakao, partner):
    fake_kakao.next_profile(kakao_id=792, **{**KIM, "birthday": "0201"}, birthday_type="LUNAR")
    response = kakao_round_trip(client, fake_kakao)
    assert response["Location"] == reverse("accounts:kakao_confirm")
    client.post(reverse("accounts:kakao_confirm"), {"birth_date": "19650312"})
    assert client.session["_auth_user_id"] == str(partner.pk)


def test_lunar_birthday_is_not_prefilled_on_signup(client, fake_kakao, roster):
    fake_kakao.next_profile(kakao_id=793, **KIM, birthday_type="LUNAR")
    response = kakao_round_trip(client, fake_kakao)
    assert response["Location"] == reverse("socialaccount_signup")
    text = page_text(client.get(response["Location"]))
    assert 'value="19650312"' not in text and 'value="1965-03-12"' not in text
    assert "음력" in text


def test_unticked_items_on_signup_are_asked(client, fake_kakao, roster):
    fake_kakao.next_profile(kakao_id=794, **KIM)
    response = kakao_round_trip(client, fake_kakao, agree={"phone_number"})
    text = page_text(client.get(response["Location"]))
    assert 'value="김기사"' not in text
    assert 'name="name"' in text and 'name="birth_date"' in text


# --- cancel, reload, and what the fake checks -----------------------------------------


def test_cancel_on_the_consent_page(client, fake_kakao, partner):
    fake_kakao.next_profile(kakao_id=795, **KIM)
    response = kakao_round_trip(client, fake_kakao, cancel=True)
    assert response["Location"] == reverse("socialaccount_login_cancelled")
    assert "카카오 로그인을 취소했어요" in page_text(client.get(response["Location"]))
    assert not SocialAccount.objects.exists()
    assert "_auth_user_id" not in client.session


def test_reloaded_callback_keeps_the_login(client, fake_kakao, partner):
    fake_kakao.next_profile(kakao_id=796, **KIM)
    authorize = kakao_start(client, fake_kakao)
    callback = fake_kakao.consent(authorize.headers["Location"]).headers["Location"]
    path = callback.removeprefix("http://testserver")
    assert client.get(path).status_code == 302
    reload = client.get(path)
    assert "이미 로그인되어 있어요" in page_text(reload)
    assert client.session["_auth_user_id"] == str(partner.pk)
    assert SocialAccount.objects.filter(uid="796").count() == 1


def test_expired_code_is_refused_by_kakao(client, fake_kakao, partner):
    fake_kakao.next_profile(kakao_id=797, **KIM)
    authorize = kakao_start(client, fake_kakao)
    callback = fake_kakao.consent(authorize.headers["Location"]).headers["Location"]
    fake_kakao.advance(601)
    response = client.get(callback.removeprefix("http://testserver"))
    assert "카카오 로그인을 마치지 못했어요" in page_text(response)
    assert "KOE320" in fake_kakao.errors
    assert not SocialAccount.objects.exists()


def test_wrong_client_secret_is_refused_by_kakao(client, fake_kakao, partner, settings):
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    providers["kakao"]["APPS"][0]["secret"] = "not-the-secret"
    settings.SOCIALACCOUNT_PROVIDERS = providers
    fake_kakao.next_profile(kakao_id=798, **KIM)
    response = kakao_round_trip(client, fake_kakao)
    assert "카카오 로그인을 마치지 못했어요" in page_text(response)
    assert "KOE010" in fake_kakao.errors


def test_unregistered_redirect_uri_and_wrong_key_stop_at_kakao(fake_kakao):
    fake_kakao.next_profile(kakao_id=799, **KIM)
    base = {"client_id": fake_kakao.client_id, "redirect_uri": CALLBACK, "response_type": "code"}
    for query, code in (
        ({**base, "redirect_uri": "http://evil.example/cb"}, "KOE006"),
        ({**base, "client_id": "other-app"}, "KOE101"),
        ({**base, "response_type": "token"}, "KOE004"),
        ({**base, "scope": "name phone_number"}, "KOE205"),
    ):
        answer = requests.get(
            fake_kakao.authorize_url, params=query, allow_redirects=False, timeout=5
        )
        assert answer.status_code == 400 and code in answer.text


# --- re-authentication with Kakao (member info, withdrawal) ---------------------------


def test_kakao_only_partner_confirms_with_kakao_for_member_info(client, fake_kakao, roster):
    from accounts.services import account_preprovision

    user, _ = account_preprovision(roster_entry=roster)
    SocialAccount.objects.create(user=user, provider="kakao", uid="800")
    client.force_login(user)
    member = reverse("accounts:member_info")
    asked = client.get(member)
    assert reverse("accounts:reauth_sms") in asked["Location"]
    assert "카카오로 본인 확인" in page_text(client.get(asked["Location"]))
    fake_kakao.next_profile(kakao_id=800, **KIM)
    back = kakao_round_trip(client, fake_kakao, process="redirect", next=member)
    assert back["Location"] == member
    assert client.get(member).status_code == 200
    assert client.session["_auth_user_id"] == str(user.pk)


def test_someone_elses_kakao_does_not_confirm(client, fake_kakao, roster, partner):
    other = User.objects.create_user(username="01088887777", phone="01088887777")
    SocialAccount.objects.create(user=other, provider="kakao", uid="801")
    kakao_only, _ = User.objects.get_or_create(username="01077776666", phone="01077776666")
    client.force_login(kakao_only)
    fake_kakao.next_profile(kakao_id=801, **KIM)
    back = kakao_round_trip(
        client, fake_kakao, process="redirect", next=reverse("accounts:member_info")
    )
    assert back["Location"] == reverse("accounts:reauth_sms")
    assert client.get(reverse("accounts:member_info")).status_code == 302
    assert client.session["_auth_user_id"] == str(kakao_only.pk)
