"""Verification codes, their rate limits and the no-enumeration rule (accounts.md)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from accounts.models import CodePurpose, User, VerificationCode
from accounts.services.codes import CodeError, code_check, code_generate, code_issue
from portal import clock
from portal.sms.models import OutboxMessage
from tests.accounts.conftest import PASSWORD, last_code, sent_codes

pytestmark = pytest.mark.django_db
PHONE = "01012345678"


def test_codes_are_six_digits_and_vary():
    codes = {code_generate() for _ in range(200)}
    assert all(re.fullmatch(r"\d{6}", c) for c in codes)
    assert len(codes) > 190


def test_code_is_single_use():
    code_issue(phone=PHONE, purpose=CodePurpose.SIGNUP)
    code = last_code(PHONE)
    code_check(phone=PHONE, purpose=CodePurpose.SIGNUP, code=code)
    with pytest.raises(CodeError) as error:
        code_check(phone=PHONE, purpose=CodePurpose.SIGNUP, code=code)
    assert error.value.reason == "missing"


def test_code_is_bound_to_phone_and_purpose():
    code_issue(phone=PHONE, purpose=CodePurpose.SIGNUP)
    code = last_code(PHONE)
    with pytest.raises(CodeError):
        code_check(phone="01099998888", purpose=CodePurpose.SIGNUP, code=code)
    with pytest.raises(CodeError):
        code_check(phone=PHONE, purpose=CodePurpose.RESET, code=code)
    assert code_check(phone=PHONE, purpose=CodePurpose.SIGNUP, code=code)


def test_code_expires_after_three_minutes():
    start = clock.now()
    with clock.travel(start):
        code_issue(phone=PHONE, purpose=CodePurpose.SIGNUP)
    code = last_code(PHONE)
    with clock.travel(start + dt.timedelta(seconds=179)):
        assert code_check(phone=PHONE, purpose=CodePurpose.SIGNUP, code=code, consume=False)
    with clock.travel(start + dt.timedelta(seconds=180)), pytest.raises(CodeError) as error:
        code_check(phone=PHONE, purpose=CodePurpose.SIGNUP, code=code)
    assert error.value.reason == "expired"


def test_five_wrong_tries_lock_the_code():
    code_issue(phone=PHONE, purpose=CodePurpose.SIGNUP)
    code = last_code(PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises(CodeError) as error:
            code_check(phone=PHONE, purpose=CodePurpose.SIGNUP, code=wrong)
        assert error.value.reason == "mismatch"
    assert VerificationCode.objects.get().failed_attempts == 5
    with pytest.raises(CodeError) as error:
        code_check(phone=PHONE, purpose=CodePurpose.SIGNUP, code=code)
    assert error.value.reason == "locked"


def test_new_code_replaces_the_old_one():
    code_issue(phone=PHONE, purpose=CodePurpose.SIGNUP)
    first = last_code(PHONE)
    code_issue(phone=PHONE, purpose=CodePurpose.SIGNUP)
    second = last_code(PHONE)
    if first != second:
        with pytest.raises(CodeError):
            code_check(phone=PHONE, purpose=CodePurpose.SIGNUP, code=first, consume=False)
    assert code_check(phone=PHONE, purpose=CodePurpose.SIGNUP, code=second)


def _ask_signup_code(client, phone="010-1234-5678"):
    return client.post(
        reverse("accounts:signup_code"),
        {"username": phone, "name": "김기사", "birth_date": "19650312"},
        follow=True,
    )


def test_resend_at_most_once_a_minute_and_five_times_an_hour(client, roster):
    with time_machine.travel(dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC), tick=False) as t:
        _ask_signup_code(client)
        page = _ask_signup_code(client)
        assert "요청이 너무 많아요" in page.content.decode()
        assert len(sent_codes(PHONE)) == 1
        for _ in range(4):
            t.shift(61)
            _ask_signup_code(client)
        assert len(sent_codes(PHONE)) == 5
        t.shift(61)
        page = _ask_signup_code(client)
        assert "요청이 너무 많아요" in page.content.decode()
        assert len(sent_codes(PHONE)) == 5
        t.shift(3600)
        _ask_signup_code(client)
        assert len(sent_codes(PHONE)) == 6


def test_code_requests_are_limited_per_ip(client, roster):
    for n in range(10):
        _ask_signup_code(client, phone=f"0105555{n:04d}")
    page = _ask_signup_code(client)
    assert "요청이 너무 많아요" in page.content.decode()
    assert sent_codes(PHONE) == []


def test_code_checks_are_limited_per_ip(client, provisioned):
    _walk_to_code_step(client, name="김기사")
    for _ in range(20):
        client.post(reverse("accounts:password_set_code"), {"action": "verify", "code": "000000"})
    page = client.post(
        reverse("accounts:password_set_code"), {"action": "verify", "code": last_code(PHONE)}
    )
    assert page.status_code == 200
    assert "요청이 너무 많아요" in page.content.decode()


def test_signup_code_request_does_not_reveal_an_existing_account(client, roster, services):
    from accounts.services import roster_upsert

    roster_upsert(phone="01022223333", name="이기사", birth_date=dt.date(1970, 1, 1))
    fresh = _ask_signup_code(client, phone="010-2222-3333")
    User.objects.create_user(username=PHONE, phone=PHONE, password=PASSWORD)
    taken = _ask_signup_code(client, phone="010-1234-5678")
    assert _messages(fresh) == _messages(taken)
    assert "이미 가입된" in OutboxMessage.objects.filter(to=PHONE).get().body
    assert sent_codes(PHONE) == []


def test_signup_code_refuses_a_number_not_on_the_roster_with_next_step(client, roster):
    page = _ask_signup_code(client, phone="010-7777-6666")
    assert "소속 운수사에 번호 등록을 요청" in page.content.decode()
    assert not OutboxMessage.objects.filter(to="01077776666").exists()


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _walk_to_code_step(client, *, login_id="01012345678", birth="19650312", name="김기사"):
    client.post(reverse("accounts:password_set"), {"login_id": login_id})
    client.post(reverse("accounts:password_set_identity"), {"birth_date": birth, "phone": login_id})
    return client.post(
        reverse("accounts:password_set_code"), {"action": "send", "name": name}, follow=True
    )


@pytest.mark.parametrize(
    "answers",
    [
        {"login_id": "01099990000"},
        {"birth": "19700101"},
        {"name": "박기사"},
    ],
    ids=["unknown-id", "wrong-birth", "wrong-name"],
)
def test_password_set_never_reveals_whether_details_match(client, partner, answers):
    from django.core.cache import cache
    from django.test import Client

    real = _walk_to_code_step(Client())
    cache.clear()  # the per-phone resend limit is not what this test is about
    fake = _walk_to_code_step(client, **answers)
    assert _messages(real) == _messages(fake)
    assert real.status_code == fake.status_code == 200
    assert len(sent_codes(PHONE)) == 1  # only the matching details got a code
    wrong_real = Client()
    cache.clear()
    _walk_to_code_step(wrong_real)
    a = wrong_real.post(
        reverse("accounts:password_set_code"), {"action": "verify", "code": "000000"}
    )
    b = client.post(reverse("accounts:password_set_code"), {"action": "verify", "code": "000000"})
    assert a.context["code_form"].errors == b.context["code_form"].errors


def test_login_error_is_the_same_for_unknown_id_and_wrong_password(client, partner):
    unknown = client.post(
        reverse("account_login"), {"login": "01099990000", "password": "Xx1!abcd"}
    )
    wrong = client.post(reverse("account_login"), {"login": PHONE, "password": "Xx1!abcd"})
    assert unknown.status_code == wrong.status_code == 200
    assert unknown.context["form"].errors == wrong.context["form"].errors


def test_login_failures_are_rate_limited(client, partner):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": PHONE, "password": "Wrong123!"})
    page = client.post(reverse("account_login"), {"login": PHONE, "password": PASSWORD})
    assert "너무 많이" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_signup_code_error_does_not_reveal_an_existing_account(client, roster):
    from accounts.services import roster_upsert

    roster_upsert(phone="01022223333", name="이기사", birth_date=dt.date(1970, 1, 1))
    User.objects.create_user(username=PHONE, phone=PHONE, password=PASSWORD)
    _ask_signup_code(client, phone="010-2222-3333")  # gets a real code
    _ask_signup_code(client, phone="010-1234-5678")  # has an account: gets no code

    def attempt(phone, name, birth):
        return client.post(
            reverse("account_signup"),
            {
                "username": phone,
                "name": name,
                "birth_date": birth,
                "code": "999999",
                "password1": "Zz9!xxxxy",
                "password2": "Zz9!xxxxy",
                "agree_terms": "on",
                "agree_privacy": "on",
            },
        )

    fresh = attempt("01022223333", "이기사", "19700101")
    taken = attempt(PHONE, "김기사", "19650312")
    assert fresh.context["form"].errors["code"] == taken.context["form"].errors["code"]


def test_password_reminder_task_runs_the_job(partner):
    from accounts.tasks import send_password_reminders

    with clock.travel(partner.password_changed_at + dt.timedelta(days=181)):
        assert send_password_reminders() == 1
        assert send_password_reminders() == 0


def test_old_codes_are_purged_daily():
    from django.core.management import call_command

    start = clock.now()
    with clock.travel(start):
        code_issue(phone=PHONE, purpose=CodePurpose.SIGNUP)
    with clock.travel(start + dt.timedelta(hours=20)):
        call_command("accounts_codes_purge")
    assert VerificationCode.objects.count() == 1
    with clock.travel(start + dt.timedelta(days=1, minutes=4)):
        call_command("accounts_codes_purge")
    assert VerificationCode.objects.count() == 0
