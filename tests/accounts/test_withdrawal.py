"""Withdrawal (accounts.md): guards, erasure across every table, sessions, the phone."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import RosterEntry, SignupInquiry, User
from accounts.services import account_preprovision, account_withdraw, roster_upsert
from accounts.services.access import access_request_create
from accounts.services.inquiries import inquiry_create
from accounts.services.withdrawal import (
    WithdrawalBlocked,
    register_withdrawal_guard,
    unregister_withdrawal_guard,
)
from tests.accounts.conftest import PASSWORD, last_code

pytestmark = pytest.mark.django_db
PHONE = "01012345678"
NEEDLES = ["김기사", PHONE, "010-1234-5678", "1965-03-12", "19650312", "650312"]


def _rows_mentioning(needles: list[str]) -> list[str]:
    """Every row of every table (sessions decoded) that contains one of ``needles``."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 (table names from the schema)
            for row in cursor.fetchall():
                values = [str(v) for v in row]
                if table == "django_session":
                    values.append(str(SessionStore().decode(row[1])))
                text = " ".join(values)
                found += [f"{table}: {n}" for n in needles if n in text]
    return found


def _member_client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    session = client.session
    session["accounts_sms_reauth_at"] = 0
    session.save()
    return client


def test_withdrawal_leaves_no_personal_data_in_any_table(partner, services, company):
    client = Client()
    # A partner who used the portal: codes, SMS, a Kakao link, a request, an inquiry,
    # staff edits (history rows) and the path through the pages.
    client.post(reverse("account_login"), {"login": PHONE, "password": PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    SocialAccount.objects.create(
        user=partner, provider="kakao", uid="1", extra_data={"kakao_account": {"name": "김기사"}}
    )
    access_request_create(user=partner, service=services["blue"], reason="김기사 블루 희망")
    inquiry_create(service=None, name="김기사", phone=PHONE, question="가입 문의")
    partner.qualification_no = "Q-1001"
    partner._change_reason = "직원 수정"
    partner.save()
    assert _rows_mentioning(NEEDLES)

    notice = client.get(reverse("accounts:withdraw_notice"))
    assert notice.status_code == 200 and "탈퇴" in notice.content.decode()
    done = client.post(reverse("accounts:withdraw_confirm"))
    assert done["Location"] == reverse("accounts:withdraw_done")

    assert _rows_mentioning(NEEDLES) == []
    user = User.objects.get(pk=partner.pk)
    assert user.withdrawn_at and not user.is_active and user.phone is None
    assert user.qualification_no == "Q-1001"  # benefit history follows the qualification no.
    assert not user.has_usable_password()


def test_withdrawal_ends_every_session_and_frees_the_phone(partner):
    first, second = _member_client(partner), _member_client(partner)
    first.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    first.post(reverse("accounts:withdraw_confirm"))
    assert not second.get(reverse("home")).wsgi_request.user.is_authenticated
    assert not first.get(reverse("home")).wsgi_request.user.is_authenticated
    # The transport company registers the number again; a new sign-up works.
    entry = roster_upsert(phone=PHONE, name="김기사", birth_date=dt.date(1965, 3, 12))
    new_user, created = account_preprovision(roster_entry=entry)
    assert created and new_user.pk != partner.pk


def test_guard_blocks_withdrawal_with_its_reason(client, partner):
    def membership_guard(user):
        return "membership_active"

    register_withdrawal_guard(membership_guard)
    try:
        with pytest.raises(WithdrawalBlocked) as blocked:
            account_withdraw(user=partner)
        assert blocked.value.reason_code == "membership_active"
        client.post(reverse("account_login"), {"login": PHONE, "password": PASSWORD})
        client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
        notice = client.get(reverse("accounts:withdraw_notice"))
        assert "멤버십이 끝난 뒤" in notice.content.decode()
        refused = client.post(reverse("accounts:withdraw_confirm"))
        assert refused["Location"] == reverse("accounts:withdraw_notice")
        assert User.objects.get(pk=partner.pk).is_active
        assert RosterEntry.objects.filter(phone=PHONE).exists()
    finally:
        unregister_withdrawal_guard(membership_guard)


def test_withdrawal_needs_the_password_check(client, partner):
    client.post(reverse("account_login"), {"login": PHONE, "password": PASSWORD})
    response = client.post(reverse("accounts:withdraw_confirm"))
    assert response.status_code == 302
    assert reverse("account_reauthenticate") in response["Location"]
    assert User.objects.get(pk=partner.pk).is_active


def test_kakao_only_partner_confirms_by_sms_code(client, roster):
    user, _ = account_preprovision(roster_entry=roster)
    SocialAccount.objects.create(user=user, provider="kakao", uid="5")
    client.force_login(user)
    response = client.get(reverse("accounts:withdraw_notice"))
    assert reverse("accounts:reauth_sms") in response["Location"]
    client.post(reverse("accounts:reauth_sms"), {"action": "send", "next": "/x"})
    ok = client.post(
        reverse("accounts:reauth_sms"),
        {"action": "verify", "code": last_code(PHONE), "next": reverse("accounts:withdraw_notice")},
    )
    assert ok["Location"] == reverse("accounts:withdraw_notice")
    assert client.get(reverse("accounts:withdraw_notice")).status_code == 200


def test_staff_withdrawal_for_a_partner_is_logged(partner, django_user_model):
    from django.contrib.admin.models import LogEntry

    staff = django_user_model.objects.create_user(username="staff", password="x", is_staff=True)
    account_withdraw(user=partner, actor=staff)
    entry = LogEntry.objects.get(user=staff)
    assert "김기사" not in entry.object_repr
    assert not SignupInquiry.objects.exists()
