"""The ledger's guards in the database (membership/migrations/0002_ledger_guards), on
SQLite and on PostgreSQL, by raw SQL so that no model or queryset refuses first:
ledger rows are never updated, deleted or truncated away, and a journal entry's partner
is its transaction's."""

import pytest
from django.db import DatabaseError, connection, transaction

from membership.models import JournalTransaction
from membership.services.joining import subscription_join
from membership.services.lifecycle import subscription_withdraw
from portal import clock
from tests.membership.conftest import seoul
from tests.support.ledger import ledger_tables

pytestmark = pytest.mark.django_db

LEDGER_TABLES = [
    "membership_subscriptionevent",
    "membership_period",
    "membership_chargeattempt",
    "membership_refund",
    "membership_payback",
    "membership_paybackclawback",
    "membership_usage",
    "membership_rating",
    "membership_journaltransaction",
    "membership_journalentry",
]


@pytest.fixture
def ledger(partner):
    """A join and its cooling-off withdrawal: a row in every ledger table."""
    with clock.travel(seoul("2024-05-02T10:00")):
        charge = subscription_join(user=partner, method="phone")
    with clock.travel(seoul("2024-05-03T10:00")):
        subscription_withdraw(user=partner, ticket="CS-1", reason="청약 철회")
    with connection.cursor() as cursor:
        for table in LEDGER_TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed names)
            assert cursor.fetchone()[0] > 0, table
    return charge


def _refused(sql: str, params=(), match: str = "append-only"):
    with (
        pytest.raises(DatabaseError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


def _truncate_refused(sql: str):
    # The fixture's rows are not committed: their foreign-key checks, deferred to the
    # commit, are run first (PostgreSQL truncates no table with checks pending).
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    _refused(sql)


def test_the_guarded_tables_are_the_append_only_models():
    assert sorted(ledger_tables()) == sorted(LEDGER_TABLES)


@pytest.mark.parametrize("table", LEDGER_TABLES)
def test_update_of_a_ledger_row_is_refused(ledger, table):
    _refused(f"UPDATE {table} SET id = id")  # noqa: S608 (fixed names)


@pytest.mark.parametrize("table", LEDGER_TABLES)
def test_delete_of_a_ledger_row_is_refused(ledger, table):
    _refused(f"DELETE FROM {table}")  # noqa: S608 (fixed names)


@pytest.mark.postgres
@pytest.mark.parametrize("table", LEDGER_TABLES)
def test_truncate_of_a_ledger_table_is_refused(ledger, table):
    _truncate_refused(f"TRUNCATE {table} CASCADE")


@pytest.mark.postgres
def test_truncate_through_a_cascade_from_the_partners_is_refused(ledger):
    _truncate_refused("TRUNCATE accounts_user CASCADE")


def test_rows_are_still_there_after_the_refusals(ledger):
    for sql in ("UPDATE membership_chargeattempt SET amount = 1", "DELETE FROM membership_usage"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    ledger.refresh_from_db()
    assert ledger.amount == 39000
    assert ledger.user.membership_usage.exists()


def test_an_entry_whose_partner_is_not_its_transactions_is_refused(ledger, make_partner):
    other = make_partner()
    txn = JournalTransaction.objects.filter(charge=ledger).earliest("id")
    match = "foreign key|FOREIGN KEY|partner"
    # Balanced, so that only the partner is wrong.
    _refused(
        "INSERT INTO membership_journalentry (transaction_id, account, user_id, amount) "
        "VALUES (%s, 'partner_points', %s, 5), (%s, 'promotion', %s, -5)",
        [txn.pk, other.pk, txn.pk, other.pk],
        match=match,
    )
    # The transaction's own partner is accepted.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO membership_journalentry (transaction_id, account, user_id, amount) "
            "VALUES (%s, 'partner_points', %s, 5), (%s, 'promotion', %s, -5)",
            [txn.pk, ledger.user_id, txn.pk, ledger.user_id],
        )
    assert txn.entries.filter(user=other).count() == 0


@pytest.mark.postgres
def test_an_unbalanced_insert_is_refused(ledger):
    txn = JournalTransaction.objects.filter(charge=ledger).earliest("id")
    _refused(
        "INSERT INTO membership_journalentry (transaction_id, account, user_id, amount) "
        "VALUES (%s, 'partner_points', %s, 5)",
        [txn.pk, ledger.user_id],
        match="does not sum to zero",
    )


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_can_end_with_ledger_rows(partner):
    """The harness empties the ledger before the flush (tests.support.ledger); the
    guards are back afterwards, as the other tests of this module show."""
    with clock.travel(seoul("2024-05-02T10:00")):
        subscription_join(user=partner, method="phone")
    assert JournalTransaction.objects.exists()
