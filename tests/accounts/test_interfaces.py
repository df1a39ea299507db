"""The functions other apps call: roster_upsert, account_preprovision, first_login_url."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accounts.models import RosterEntry, User
from accounts.services import account_preprovision, first_login_url, roster_upsert

pytestmark = pytest.mark.django_db


def test_roster_upsert_normalises_and_only_adds_services(services, company):
    entry = roster_upsert(
        phone="+82 10-2000-3000",
        name="한기사",
        birth_date=dt.date(1970, 1, 1),
        transport_company=company,
        services=[services["blue"]],
    )
    assert entry.phone == "01020003000"
    again = roster_upsert(
        phone="010-2000-3000",
        name="한기사",
        birth_date=dt.date(1970, 1, 1),
        qualification_no="Q9",
        driver_type="general",
        services=[services["venti"]],
    )
    assert again.pk == entry.pk
    assert set(again.services.values_list("code", flat=True)) == {"blue", "venti"}
    assert again.transport_company == company and again.qualification_no == "Q9"
    with pytest.raises(ValidationError):
        roster_upsert(phone="02-123-4567", name="x", birth_date=dt.date(1970, 1, 1))


def test_preprovision_is_idempotent_and_has_no_usable_password(roster):
    user, created = account_preprovision(roster_entry=roster)
    assert created and not user.has_usable_password()
    assert (user.username, user.phone, user.qualification_no, user.driver_type) == (
        "01012345678",
        "01012345678",
        "Q-1001",
        "franchise",
    )
    same, created_again = account_preprovision(roster_entry=roster)
    assert same.pk == user.pk and not created_again
    roster_upsert(
        phone=roster.phone,
        name=roster.name,
        birth_date=roster.birth_date,
        qualification_no="Q-2002",
    )
    assert User.objects.get(pk=user.pk).qualification_no == "Q-2002"


def test_preprovision_links_an_existing_account(roster):
    existing = User.objects.create_user(username="01012345678", phone="01012345678")
    user, created = account_preprovision(roster_entry=roster)
    assert user.pk == existing.pk and not created
    assert RosterEntry.objects.get(pk=roster.pk).user_id == existing.pk


def test_first_login_url_is_absolute(settings):
    settings.SITE_URL = "https://partner.example.kr"
    assert first_login_url() == "https://partner.example.kr/accounts/password/setup/"


def test_demo_data_is_idempotent_and_named():
    from accounts import demo

    first = demo.load()
    second = demo.load()
    assert first == second
    text = "\n".join(first)
    for needle in ("pre-provisioned", "Kakao-linkable", "180-day prompt"):
        assert needle in text
    assert not User.objects.get(phone="01010000002").has_usable_password()
    from accounts.services.passwords import password_prompt_due

    assert password_prompt_due(user=User.objects.get(phone="01010000004"))
