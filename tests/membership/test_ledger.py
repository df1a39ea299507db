"""The ledger is append-only and double-entry (membership.md, "The ledger"): refused in
Django (model, queryset) and, on PostgreSQL, by triggers."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
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


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE membership_chargeattempt SET amount = 1",
        "DELETE FROM membership_journalentry",
        "UPDATE membership_journaltransaction SET memo = 'x'",
        "DELETE FROM membership_period",
    ],
)
def test_postgres_refuses_update_and_delete(charged, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


@pytest.mark.postgres
def test_postgres_refuses_an_unbalanced_insert(charged):
    txn = JournalTransaction.objects.filter(charge=charged).first()
    with (
        pytest.raises(DatabaseError, match="does not sum to zero"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO membership_journalentry (transaction_id, account, user_id, amount) "
            "VALUES (%s, 'partner_points', %s, 5)",
            [txn.pk, charged.user_id],
        )


@pytest.mark.postgres
def test_postgres_refuses_an_entry_of_a_missing_transaction(charged):
    with (
        pytest.raises(DatabaseError, match="missing or does not sum to zero"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO membership_journalentry (transaction_id, account, user_id, amount) "
            "VALUES (987654321, 'partner_points', %s, 5), (987654321, 'promotion', %s, -5)",
            [charged.user_id, charged.user_id],
        )


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("column", "value"),
    [("period_id", 987654321), ("subscription_id", 987654321), ("user_id", 987654321)],
)
def test_postgres_refuses_an_attempt_referencing_a_missing_row(charged, column, value):
    """The hot ledger references are checked once per INSERT statement, like a foreign key."""
    values = {
        "user_id": charged.user_id,
        "subscription_id": charged.subscription_id,
        "period_id": charged.period_id,
        column: value,
    }
    with (
        pytest.raises(IntegrityError, match=f"{column}={value} is not present"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO membership_chargeattempt (user_id, subscription_id, period_id, "
            "idempotency_key, at, type, method, amount, result, reason, gateway_ref) "
            "VALUES (%s, %s, %s, 'k', now(), 'retry', 'phone', 1, 'declined', "
            "'gateway_declined', '')",
            [values["user_id"], values["subscription_id"], values["period_id"]],
        )


@pytest.mark.postgres
def test_postgres_refuses_a_journal_transaction_of_a_missing_charge(charged):
    with (
        pytest.raises(IntegrityError, match="charge_id=987654321 is not present"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO membership_journaltransaction (idempotency_key, kind, at, user_id, "
            "charge_id, memo) VALUES ('k', 'charge', now(), %s, 987654321, '')",
            [charged.user_id],
        )


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM membership_subscription WHERE id = %(subscription)s",
        "DELETE FROM accounts_user WHERE id = %(user)s",
        "UPDATE membership_subscription SET id = 987654321 WHERE id = %(subscription)s",
    ],
)
def test_postgres_refuses_removing_a_row_the_ledger_references(charged, sql):
    with (
        pytest.raises(IntegrityError, match="still referenced"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # Refused at the end of the statement (the other foreign keys would only
        # refuse at commit).
        cursor.execute(sql, {"user": charged.user_id, "subscription": charged.subscription_id})
