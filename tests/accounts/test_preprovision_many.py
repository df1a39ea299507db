"""accounts_preprovision_many: the set-based pre-provisioning both the single call and the
bulk enrollment upload use (accounts.md, "Pre-provisioned accounts")."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import RosterEntry, User
from accounts.services import account_preprovision, accounts_preprovision_many, roster_upsert
from portal import clock

pytestmark = pytest.mark.django_db

NOW = clock.aware(dt.datetime(2026, 3, 2, 9, 30))
# Set by the database default or the wall clock on a plain save, not by the rule.
WALL_CLOCK = {"id", "date_joined", "history_id", "history_date", "m2m_history_id", "history"}


def _orm_preprovision(entry: RosterEntry) -> None:
    """What a pre-provisioned account is, written one object at a time through the ORM."""
    user = User(
        username=entry.phone,
        phone=entry.phone,
        name=entry.name,
        birth_date=entry.birth_date,
        qualification_no=entry.qualification_no,
        driver_type=entry.driver_type,
    )
    user.set_unusable_password()
    user.provisioned_at = clock.now()
    user.save()
    entry.user = user
    entry.save(update_fields=["user"])


def _snapshot(entry_id: int) -> dict:
    """Everything pre-provisioning writes for one roster entry, without ids and wall-clock times."""
    entry = RosterEntry.objects.get(pk=entry_id)
    user = User.objects.get(pk=entry.user_id)

    def plain(row: dict) -> dict:
        return {
            key: value
            for key, value in row.items()
            if key not in WALL_CLOCK and not key.endswith("user_id") and key != "password"
        }

    user_history = [plain(row) for row in User.history.filter(id=user.pk).values()]
    roster_history = [
        plain(row)
        for row in RosterEntry.history.filter(id=entry_id).order_by("history_id").values()
    ]
    linked = RosterEntry.history.filter(id=entry_id).order_by("history_id").last()
    return {
        "user": plain(User.objects.filter(pk=user.pk).values()[0]),
        "usable_password": user.has_usable_password(),
        "password_prefix": user.password[:1],
        "linked": entry.user_id == user.pk,
        "user_history": user_history,
        "roster_history": roster_history,
        "linked_history_services": sorted(linked.services.values_list("service_id", flat=True)),
    }


def _rolled_back(run, entry_id: int) -> dict:
    with transaction.atomic():
        with clock.travel(NOW):
            run()
        taken = _snapshot(entry_id)
        transaction.set_rollback(True)
    return taken


@pytest.fixture
def others(services, company):
    return [
        roster_upsert(
            phone=f"010-5555-000{i}",
            name=f"박기사{i}",
            birth_date=dt.date(1970, 1, i + 1),
            transport_company=company,
            driver_type="general",
        )
        for i in range(3)
    ]


def test_many_and_single_make_the_same_account_for_the_same_roster_entry(roster, others):
    by_orm = _rolled_back(lambda: _orm_preprovision(roster), roster.pk)
    by_single = _rolled_back(lambda: account_preprovision(roster_entry=roster), roster.pk)
    by_many = _rolled_back(
        lambda: accounts_preprovision_many(
            roster_entry_ids=[other.pk for other in others] + [roster.pk]
        ),
        roster.pk,
    )
    assert by_single == by_many == by_orm
    assert by_many["user"]["name"] == "김기사" and by_many["user"]["provisioned_at"] == NOW
    assert by_many["usable_password"] is False and by_many["password_prefix"] == "!"
    assert [row["history_type"] for row in by_many["user_history"]] == ["+"]
    assert [row["history_type"] for row in by_many["roster_history"]][-1] == "~"
    assert by_many["linked_history_services"] == list(roster.services.values_list("pk", flat=True))


def test_many_reports_created_linked_and_kept_accounts(roster, others):
    already, _ = account_preprovision(roster_entry=others[0])
    existing = User.objects.create_user(username=others[1].phone, phone=others[1].phone)
    with clock.travel(NOW):
        made = accounts_preprovision_many(
            roster_entry_ids=[roster.pk, others[0].pk, others[1].pk, others[2].pk],
            created_by_id=existing.pk,
            reason="필수 교육 일괄 등록",
        )
    assert made[others[0].pk] == (already.pk, False)
    assert made[others[1].pk] == (existing.pk, False)
    assert made[roster.pk][1] is True and made[others[2].pk][1] is True
    for entry_id, (user_id, _) in made.items():
        assert RosterEntry.objects.get(pk=entry_id).user_id == user_id
    created = User.objects.get(pk=made[roster.pk][0])
    assert (created.username, created.date_joined) == (roster.phone, NOW)
    history = User.history.get(id=created.pk)
    assert (history.history_user_id, history.history_change_reason) == (
        existing.pk,
        "필수 교육 일괄 등록",
    )
    assert RosterEntry.history.filter(id=others[0].pk, history_type="~").count() == 1
    again = accounts_preprovision_many(roster_entry_ids=list(made))
    assert again == {entry_id: (user_id, False) for entry_id, (user_id, _) in made.items()}
    assert User.objects.count() == 4


def test_many_runs_the_same_statements_for_one_entry_or_many(others):
    with CaptureQueriesContext(connection) as one:
        accounts_preprovision_many(roster_entry_ids=[others[0].pk])
    with CaptureQueriesContext(connection) as two:
        accounts_preprovision_many(roster_entry_ids=[other.pk for other in others[1:]])
    assert len(two) == len(one)
    assert User.objects.filter(provisioned_at__isnull=False).count() == 3


def test_many_refuses_an_unknown_roster_entry(roster):
    with pytest.raises(RosterEntry.DoesNotExist):
        accounts_preprovision_many(roster_entry_ids=[roster.pk, roster.pk + 999])
    assert not User.objects.exists()


def test_many_gives_every_account_its_own_unusable_password(roster, others):
    made = accounts_preprovision_many(roster_entry_ids=[roster.pk, *(o.pk for o in others)])
    users = User.objects.filter(pk__in=[user_id for user_id, _ in made.values()])
    passwords = [user.password for user in users]
    assert len(passwords) == 4 and len(set(passwords)) == 4
    # Django's own unusable form: "!" and 40 URL-safe characters.
    assert all(re.fullmatch(r"![A-Za-z0-9_-]{40}", password) for password in passwords)
    assert not any(user.has_usable_password() for user in users)
