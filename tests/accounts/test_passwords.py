"""Password rules, Argon2id, reset ending other sessions, the 180-day prompt and the
daily reminder (accounts.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.services.passwords import password_reminders_send, password_set
from portal import clock
from portal.sms.models import OutboxMessage
from tests.accounts.conftest import NEW_PASSWORD, PASSWORD, last_code

pytestmark = pytest.mark.django_db
PHONE = "01012345678"


@pytest.mark.parametrize("password", ["Blue1234!", "Aa1!aaaa", "Zz9#zzzzzzzzzzzz"])
def test_rule_accepts(password):
    password_validation.validate_password(password, user=User(username=PHONE, phone=PHONE))


@pytest.mark.parametrize(
    "password",
    [
        "Blue123!"[:7],  # too short
        "Blue1234!Blue1234",  # 17 characters
        "blue1234!",  # no upper case
        "BLUE1234!",  # no lower case
        "Bluebell!",  # no digit
        "Blue12345",  # no special character
        "A01012345678!a",  # contains the ID
        "P@ssw0rd",  # common
    ],
)
def test_rule_rejects(password):
    with pytest.raises(ValidationError):
        password_validation.validate_password(password, user=User(username=PHONE, phone=PHONE))


def test_passwords_are_hashed_with_argon2id(partner):
    assert partner.password.startswith("argon2$argon2id$")


def test_reset_ends_other_sessions(client, partner):
    other = Client()
    assert other.login(username=PHONE, password=PASSWORD)
    assert other.get(reverse("accounts:member_info")).status_code == 302  # logged in
    client.post(reverse("accounts:password_set"), {"login_id": PHONE})
    client.post(
        reverse("accounts:password_set_identity"), {"birth_date": "19650312", "phone": PHONE}
    )
    client.post(reverse("accounts:password_set_code"), {"action": "send", "name": "김기사"})
    client.post(
        reverse("accounts:password_set_code"), {"action": "verify", "code": last_code(PHONE)}
    )
    done = client.post(
        reverse("accounts:password_set_new"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert done["Location"] == reverse("account_login")
    partner.refresh_from_db()
    assert partner.check_password(NEW_PASSWORD)
    page = other.get(reverse("home"))
    assert not page.wsgi_request.user.is_authenticated


def _login(client, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": "010-1234-5678", "password": password})


def test_old_password_prompts_after_login_and_postpones(client, partner):
    now = clock.now()
    User.objects.filter(pk=partner.pk).update(password_changed_at=now - dt.timedelta(days=180))
    with clock.travel(now):
        response = _login(client)
        assert response["Location"].startswith(reverse("accounts:password_prompt"))
        page = client.get(response["Location"])
        assert "다음에 변경하기" in page.content.decode()
        later = client.post(reverse("accounts:password_prompt"), {"action": "later", "next": "/"})
        assert later["Location"] == "/"
        client.logout()
        assert _login(client)["Location"] == "/"
    with clock.travel(now + dt.timedelta(days=29)):
        client.logout()
        assert _login(client)["Location"] == "/"
    with clock.travel(now + dt.timedelta(days=30, seconds=1)):
        client.logout()
        assert _login(client)["Location"].startswith(reverse("accounts:password_prompt"))


def test_prompt_does_not_block_the_portal(client, partner):
    User.objects.filter(pk=partner.pk).update(
        password_changed_at=clock.now() - dt.timedelta(days=400)
    )
    _login(client)
    assert client.get(reverse("home")).status_code == 200


def test_changing_password_from_prompt_starts_a_new_cycle(client, partner):
    User.objects.filter(pk=partner.pk).update(
        password_changed_at=clock.now() - dt.timedelta(days=200)
    )
    _login(client)
    client.post(
        reverse("accounts:password_prompt"),
        {"action": "change", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "next": "/"},
    )
    partner.refresh_from_db()
    assert partner.check_password(NEW_PASSWORD)
    client.logout()
    assert _login(client, NEW_PASSWORD)["Location"] == "/"


def test_reminder_sends_once_per_password_age_cycle(partner):
    start = partner.password_changed_at
    reminders = OutboxMessage.objects.filter(kind="password_reminder")
    assert password_reminders_send(now=start + dt.timedelta(days=179)) == 0
    assert password_reminders_send(now=start + dt.timedelta(days=180)) == 1
    for day in range(181, 190):
        assert password_reminders_send(now=start + dt.timedelta(days=day)) == 0
    assert reminders.count() == 1
    assert reminders.get().to == PHONE
    with clock.travel(start + dt.timedelta(days=200)):
        password_set(user=partner, password=NEW_PASSWORD)
    assert password_reminders_send(now=start + dt.timedelta(days=379)) == 0
    assert password_reminders_send(now=start + dt.timedelta(days=380)) == 1
    assert reminders.count() == 2


def _aged_partner(phone: str, *, days: int, **fields) -> User:
    user = User.objects.create_user(username=phone, phone=phone, name="기사", password=PASSWORD)
    User.objects.filter(pk=user.pk).update(
        password_changed_at=clock.now() - dt.timedelta(days=days), **fields
    )
    return user


def test_reminder_skips_who_cannot_or_need_not_get_it():
    due = _aged_partner("01020000001", days=181)
    _aged_partner("01020000002", days=179)  # not 180 days old yet
    _aged_partner("01020000003", days=181, is_active=False)
    _aged_partner("01020000004", days=181, password="!unusable")  # pre-provisioned
    _aged_partner("01020000005", days=181, password_reminded_at=clock.now())  # staff-set
    assert password_reminders_send() == 1
    assert list(OutboxMessage.objects.values_list("to", flat=True)) == [due.phone]


def test_reminder_key_names_the_partner_and_the_password_it_is_for(partner):
    # The same key on every database: PostgreSQL writes it in SQL, others in Python.
    password_reminders_send(now=partner.password_changed_at + dt.timedelta(days=180))
    reminder = OutboxMessage.objects.get(kind="password_reminder")
    changed = partner.password_changed_at.astimezone(dt.UTC)
    assert reminder.idempotency_key == f"pw-reminder:{partner.pk}:{changed:%Y%m%d%H%M%S%f}"
    assert reminder.body.endswith("/accounts/login/")


def test_reminder_follows_the_max_age_setting(settings):
    _aged_partner("01020000001", days=100)
    assert password_reminders_send() == 0
    settings.ACCOUNTS_PASSWORD_MAX_AGE_DAYS = 90
    assert password_reminders_send() == 1


def test_reminder_rearms_whatever_path_changed_the_password(partner):
    later = partner.password_changed_at + dt.timedelta(days=180)
    assert password_reminders_send(now=later) == 1
    # A change written without the password service still starts a new cycle.
    changed = later + dt.timedelta(days=1)
    User.objects.filter(pk=partner.pk).update(password_changed_at=changed)
    assert password_reminders_send(now=changed + dt.timedelta(days=179)) == 0
    assert password_reminders_send(now=changed + dt.timedelta(days=180)) == 1


def test_reminder_batches_queue_each_partner_once():
    for n in range(7):
        _aged_partner(f"010200000{n:02d}", days=200)
    assert password_reminders_send(batch_size=3) == 7
    assert password_reminders_send(batch_size=3) == 0
    phones = list(OutboxMessage.objects.values_list("to", flat=True))
    assert sorted(phones) == [f"010200000{n:02d}" for n in range(7)]


def test_reminder_command_takes_a_date(partner, capsys):
    # The Korean calendar day the password turns 180 days old (the command's --date is one).
    due = (partner.password_changed_at + dt.timedelta(days=180)).astimezone(clock.SEOUL).date()
    call_command("accounts_password_reminders", "--date", (due - dt.timedelta(days=1)).isoformat())
    assert "queued 0" in capsys.readouterr().out
    call_command("accounts_password_reminders", "--date", due.isoformat())
    assert "queued 1" in capsys.readouterr().out


def test_reminder_job_is_in_the_beat_schedule():
    from portal.schedule import BEAT_SCHEDULE, JOB_COMMANDS

    job = BEAT_SCHEDULE["accounts-password-reminders"]
    assert job["task"] == "accounts.tasks.send_password_reminders"
    assert JOB_COMMANDS["accounts-password-reminders"] == "accounts_password_reminders"


@pytest.mark.parametrize(
    "next_value", ["Blue1234!", "accounts:member_info", "//evil.example/", "https://evil.example/"]
)
def test_prompt_goes_home_for_a_next_that_is_not_a_path_here(client, partner, next_value):
    # A bare word reached redirect(), which takes it for a view name: a 500 found by the
    # random-input test.
    client.force_login(partner)
    response = client.post(
        reverse("accounts:password_prompt"), {"action": "later", "next": next_value}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reminder_runs_at_once_remind_each_partner_once():
    import threading

    from django.db import connection

    for n in range(40):
        _aged_partner(f"010300000{n:02d}", days=200)
    start = threading.Barrier(2)
    queued: list[int] = []

    def run() -> None:
        try:
            start.wait()
            queued.append(password_reminders_send(batch_size=7))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(queued) == 40
    phones = list(OutboxMessage.objects.values_list("to", flat=True))
    assert sorted(phones) == [f"010300000{n:02d}" for n in range(40)]
