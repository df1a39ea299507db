"""The 04:00 job charges nobody twice: run twice for one day, and (PostgreSQL) twice at
once in two processes; the database constraints hold even against a stale run
(membership.md, "The ledger": idempotent)."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q

from membership.jobs import membership_daily_run
from membership.models import AttemptResult, ChargeAttempt, JournalTransaction, Period, Subscription
from membership.services.joining import subscription_join
from portal import clock
from tests.membership.conftest import seoul

ROOT = Path(__file__).resolve().parents[2]


def join_many(make_partner, n: int) -> list:
    users = [make_partner() for _ in range(n)]
    with clock.travel(seoul("2024-04-02T10:00")):
        for user in users:
            subscription_join(user=user, method="kakaopay_card")
    return users


def assert_one_approved_charge_per_period():
    doubles = Period.objects.annotate(
        n=Count("attempts", filter=Q(attempts__result=AttemptResult.APPROVED))
    ).filter(n__gt=1)
    assert not doubles.exists()


@pytest.mark.django_db
def test_running_the_job_twice_for_one_day_charges_once(make_partner):
    join_many(make_partner, 12)
    with clock.travel(seoul("2024-05-02T04:00")):
        first = membership_daily_run(batch_size=5)
        second = membership_daily_run(batch_size=5)
    assert (first.renewed, second.renewed) == (12, 0)
    assert ChargeAttempt.objects.filter(at=seoul("2024-05-02T04:00")).count() == 12
    assert_one_approved_charge_per_period()


@pytest.mark.django_db
def test_the_command_runs_the_job_for_a_given_day(make_partner):
    join_many(make_partner, 3)
    out = io.StringIO()
    call_command("membership_daily", "--date", "2024-05-02", stdout=out)
    assert json.loads(out.getvalue())["renewed"] == 3
    assert ChargeAttempt.objects.filter(at=seoul("2024-05-02T04:00")).count() == 3


@pytest.mark.django_db
def test_a_stale_run_hits_the_database_constraints(make_partner):
    """Even a run that believes the renewal is still due cannot charge again: the
    period and the attempt key are UNIQUE in the database."""
    join_many(make_partner, 2)
    with clock.travel(seoul("2024-05-02T04:00")):
        membership_daily_run()
    # Put the subscriptions back as they were before the run (a stale view of them).
    Subscription.objects.update(current_seq=1, due_on=seoul("2024-05-02T00:00").date())
    with (
        clock.travel(seoul("2024-05-02T04:00")),
        pytest.raises(IntegrityError),
        transaction.atomic(),
    ):
        membership_daily_run()
    assert ChargeAttempt.objects.filter(at=seoul("2024-05-02T04:00")).count() == 2
    assert_one_approved_charge_per_period()


@pytest.mark.django_db
def test_a_second_approved_charge_for_a_period_is_refused_by_the_database(make_partner):
    (user,) = join_many(make_partner, 1)
    charge = ChargeAttempt.objects.get(user=user)
    with pytest.raises(IntegrityError), transaction.atomic():
        ChargeAttempt.objects.create(
            user=user,
            subscription=charge.subscription,
            period=charge.period,
            idempotency_key="another-key",
            at=charge.at,
            type="retry",
            method="phone",
            amount=39000,
            result="approved",
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_processes_at_once_charge_nobody_twice(make_partner):
    join_many(make_partner, 120)
    db = settings.DATABASES["default"]
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    url = f"postgres://{db['USER'] or 'postgres'}@{host}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    env.pop("REDIS_URL", None)
    connection.close()
    command = [
        sys.executable,
        "manage.py",
        "membership_daily",
        "--date",
        "2024-05-02",
        "--batch-size",
        "7",
    ]
    runs = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    reports = []
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err.decode()
        reports.append(json.loads(out.decode()))
    assert sum(r["renewed"] for r in reports) == 120
    assert ChargeAttempt.objects.filter(at=seoul("2024-05-02T04:00")).count() == 120
    assert (
        JournalTransaction.objects.filter(kind="charge", at=seoul("2024-05-02T04:00")).count()
        == 120
    )
    assert_one_approved_charge_per_period()
    # and once more, after both: nothing left to charge
    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=120, check=True)
    assert json.loads(again.stdout.decode())["renewed"] == 0


@pytest.mark.django_db
def test_a_scoped_run_touches_only_its_partners(make_partner):
    """The replay runs the real job scoped to its own drivers."""
    first, _second = join_many(make_partner, 2)
    with clock.travel(seoul("2024-05-02T04:00")):
        report = membership_daily_run(scope=[first.pk])
    assert report.renewed == 1
    assert ChargeAttempt.objects.filter(at=seoul("2024-05-02T04:00")).get().user == first
