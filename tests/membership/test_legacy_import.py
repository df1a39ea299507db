"""Legacy CSV import: a bad file is refused with row numbers and nothing written; a
good one loads and then reconciles clean (membership.md, "The ledger")."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from membership.models import ChargeAttempt, JournalTransaction, Payback, Refund, Subscription
from membership.selectors import points_balance
from membership.services.reconcile import ledger_reconcile

pytestmark = pytest.mark.django_db

LEGACY = Path(__file__).parent / "legacy"


@pytest.fixture
def partners(make_partner):
    return [
        make_partner(phone="01020000001", qualification_no="Q-L1"),
        make_partner(phone="01020000002", qualification_no="Q-L2"),
    ]


def test_good_files_load_and_reconcile_clean(partners):
    out = io.StringIO()
    call_command("membership_import", str(LEGACY / "good"), stdout=out)
    assert "subscriptions 3, attempts 8, refunds 2, points 3" in out.getvalue()
    assert ledger_reconcile() == []
    call_command("membership_reconcile", stdout=io.StringIO())
    first, second = partners
    assert points_balance(user=first) == 59000
    assert points_balance(user=second) == 39000
    active = Subscription.objects.get(legacy_id="S2")
    assert (active.status, active.method, active.due_on.isoformat()) == (
        "active",
        "phone",
        "2024-11-30",
    )
    assert Payback.objects.filter(qualification_no="Q-L1").count() == 1
    assert Refund.objects.get(to="payment_method").amount == 39000


def test_imported_history_goes_on_under_the_real_job(partners, fake_gateway):
    from membership.jobs import membership_daily_run
    from portal import clock
    from tests.membership.conftest import seoul

    call_command("membership_import", str(LEGACY / "good"), stdout=io.StringIO())
    with clock.travel(seoul("2024-11-30T04:00")):
        report = membership_daily_run()
    assert report.renewed == 1
    assert ChargeAttempt.objects.filter(at=seoul("2024-11-30T04:00")).count() == 1
    assert ledger_reconcile() == []


def test_bad_files_are_refused_with_row_numbers_and_nothing_written(partners):
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("membership_import", str(LEGACY / "bad"), stdout=io.StringIO(), stderr=err)
    report = err.getvalue()
    for expected in [
        "attempts.csv row 3: reason must be one of",
        "attempts.csv row 4: amount must be a whole number",
        "attempts.csv row 5: method must be one of",
        "attempts.csv row 6: unknown subscription_id 'S9'",
        "attempts.csv row 7: legacy_id missing or repeated: 'A5'",
        "refunds.csv row 2: refunds of this charge exceed the charge",
    ]:
        assert expected in report, report
    assert Subscription.objects.count() == 0
    assert ChargeAttempt.objects.count() == 0
    assert JournalTransaction.objects.count() == 0


def test_missing_partner_and_missing_column(partners, tmp_path):
    for name in ("attempts", "refunds", "points"):
        (tmp_path / f"{name}.csv").write_text((LEGACY / "good" / f"{name}.csv").read_text())
    (tmp_path / "subscriptions.csv").write_text(
        "legacy_id,phone,qualification_no,joined_at,method,status,ended_at\n"
        "S1,010-9999-0000,Q-L1,2024-03-05T09:30:00,kakaopay_card,ended,2024-06-05T04:00:00\n"
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("membership_import", str(tmp_path), stdout=io.StringIO(), stderr=err)
    assert "subscriptions.csv row 2: no partner with phone '010-9999-0000'" in err.getvalue()
    (tmp_path / "points.csv").write_text("legacy_id,attempt_id\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("membership_import", str(tmp_path), stdout=io.StringIO(), stderr=err)
    assert (
        "points.csv row 1: missing column(s) qualification_no, at, amount, kind" in err.getvalue()
    )


def test_points_that_do_not_match_the_ledger_are_reported(partners, tmp_path):
    for name in ("subscriptions", "attempts", "refunds"):
        (tmp_path / f"{name}.csv").write_text((LEGACY / "good" / f"{name}.csv").read_text())
    text = (
        (LEGACY / "good" / "points.csv")
        .read_text()
        .replace(
            "P2,Q-L1,A4,2024-05-10T10:00:00,20000,refund",
            "P2,Q-L1,A4,2024-05-10T10:00:00,25000,refund",
        )
    )
    (tmp_path / "points.csv").write_text(text)
    err = io.StringIO()
    with pytest.raises(CommandError, match="reconciliation"):
        call_command("membership_import", str(tmp_path), stdout=io.StringIO(), stderr=err)
    assert "points.csv vs ledger" in err.getvalue()
    assert Subscription.objects.count() == 0
