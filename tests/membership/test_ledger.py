"""The ledger is append-only and double-entry (membership.md, "The ledger"): refused in
Django (model, queryset). The database's own refusals: test_ledger_guards.py."""

import pytest
from django.db import DatabaseError, transaction
from django.db.models import Sum

from membership.models import (
    Account,
    ChargeAttempt,
    JournalEntry,
    JournalTransaction,
    LedgerImmutableError,
    Period,
    TxnKind,
)
from membership.selectors import points_balance
from membership.services.joining import subscription_join
from membership.services.journal import (
    TxnDraft,
    UnbalancedTransactionError,
    journal_post_many,
    journal_reverse,
)
from portal import clock
from tests.membership.conftest import seoul

pytestmark = pytest.mark.django_db


@pytest.fixture
def charged(partner):
    with clock.travel(seoul("2024-05-02T10:00")):
        return subscription_join(user=partner, method="phone")


def test_join_posts_a_balanced_charge_and_payback(charged):
    txns = JournalTransaction.objects.filter(charge=charged).order_by("id")
    assert [t.kind for t in txns] == [TxnKind.CHARGE, TxnKind.PAYBACK]
    for txn in txns:
        assert txn.entries.aggregate(s=Sum("amount"))["s"] == 0
    assert points_balance(user=charged.user) == 39000


def test_rows_cannot_be_changed_or_removed_in_django(charged):
    charged.amount = 1
    with pytest.raises(LedgerImmutableError):
        charged.save()
    with pytest.raises(LedgerImmutableError):
        charged.delete()
    with pytest.raises(LedgerImmutableError):
        ChargeAttempt.objects.filter(pk=charged.pk).update(amount=1)
    with pytest.raises(LedgerImmutableError):
        JournalEntry.objects.all().delete()
    with pytest.raises(LedgerImmutableError):
        Period.objects.filter(pk=charged.period_id).update(end=charged.period.start)
    assert ChargeAttempt.objects.get(pk=charged.pk).amount == 39000


def test_unbalanced_transaction_is_refused_before_writing(partner):
    with pytest.raises(UnbalancedTransactionError):
        journal_post_many(
            drafts=[
                TxnDraft(
                    key="bad",
                    kind=TxnKind.CORRECTION,
                    at=clock.now(),
                    user_id=partner.pk,
                    lines=((Account.PARTNER_POINTS, 100), (Account.PROMOTION, -99)),
                )
            ]
        )
    assert not JournalTransaction.objects.filter(idempotency_key="bad").exists()


def test_posting_twice_with_one_key_is_refused_by_the_database(partner):
    draft = TxnDraft(
        key="once",
        kind=TxnKind.CORRECTION,
        at=clock.now(),
        user_id=partner.pk,
        lines=((Account.PARTNER_POINTS, 100), (Account.PROMOTION, -100)),
    )
    journal_post_many(drafts=[draft])
    with pytest.raises(DatabaseError), transaction.atomic():
        journal_post_many(drafts=[draft])
    assert JournalTransaction.objects.filter(idempotency_key="once").count() == 1


def test_a_correction_is_a_new_transaction_pointing_to_the_corrected_one(charged):
    payback = JournalTransaction.objects.get(charge=charged, kind=TxnKind.PAYBACK)
    correction = journal_reverse(transaction=payback, at=clock.now(), memo="test")
    assert correction.corrects == payback
    assert points_balance(user=charged.user) == 0
    assert correction.entries.aggregate(s=Sum("amount"))["s"] == 0
