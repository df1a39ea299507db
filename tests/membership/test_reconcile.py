"""Reconciliation finds a hand-corrupted entry (membership.md, "The ledger")."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from membership.models import Account, JournalEntry
from membership.replay import _run, scenario_parse
from membership.services.reconcile import ledger_reconcile
from tests.membership.test_properties import scenario_of
from tests.support.ledger import sqlite_guards_lifted

pytestmark = pytest.mark.django_db

HISTORY = [
    (0, "d1", {"type": "join", "method": "phone"}),
    (60, "d3", {"type": "join", "method": "kakaopay_card"}),
    (3 * 1440, "d3", {"type": "withdraw", "ticket": "CS-1"}),
    (4 * 1440, "d3", {"type": "join", "method": "kakaopay_card"}),
    (6 * 1440, "d1", {"type": "refund", "amount": 1000, "to": "payment_method"}),
    (20 * 1440, "d1", {"type": "terminate", "ticket": "CS-2"}),
    (21 * 1440, "d2", {"type": "join", "method": "phone"}),
    (25 * 1440, "d3", {"type": "terminate"}),
]


@pytest.fixture
def history(fake_gateway):
    _run(scenario_parse(__import__("json").dumps(scenario_of(HISTORY))), fake_gateway)


def test_a_clean_ledger_reconciles(history):
    assert ledger_reconcile() == []
    out = io.StringIO()
    call_command("membership_reconcile", stdout=out)
    assert "no differences" in out.getvalue()


def corrupt(entry_id: int, amount: int) -> None:
    """What a careless hand in the database does, bypassing every guard."""
    with connection.cursor() as cursor:
        restore = []
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        else:
            restore = sqlite_guards_lifted(cursor, ["membership_journalentry"])
        cursor.execute(
            "UPDATE membership_journalentry SET amount = %s WHERE id = %s", [amount, entry_id]
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
        for sql in restore:
            cursor.execute(sql)


def test_a_hand_corrupted_entry_is_found(history):
    entry = JournalEntry.objects.filter(account=Account.PARTNER_POINTS).order_by("id").first()
    corrupt(entry.pk, entry.amount + 1)
    diffs = ledger_reconcile()
    whats = {d.what for d in diffs}
    assert "transaction does not sum to zero" in whats
    assert "points balance" in whats
    assert any(entry.transaction.idempotency_key == d.ref for d in diffs)
    with pytest.raises(CommandError, match="difference"):
        call_command("membership_reconcile", stdout=io.StringIO())


def test_a_corrupted_termination_fee_is_found(history):
    entry = JournalEntry.objects.filter(account=Account.FEE_INCOME).order_by("id").first()
    deferred = JournalEntry.objects.get(
        transaction=entry.transaction, account=Account.DEFERRED_REVENUE
    )
    corrupt(entry.pk, entry.amount - 100)
    corrupt(deferred.pk, deferred.amount + 100)  # still balanced, but wrong
    diffs = ledger_reconcile()
    assert [d.what for d in diffs] == ["termination: entries differ"]
