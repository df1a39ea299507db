"""portal.prepared: statements planned once per connection, run as Django runs them."""

import pytest
from django.contrib.sessions.models import Session
from django.db import IntegrityError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from portal import clock, prepared
from portal.prepared import prepared_cursor

pytestmark = pytest.mark.django_db

SQL = "SELECT %s + 1, %s"


def _run(value: int, text: str):
    with prepared_cursor() as cursor:
        cursor.execute(SQL, [value, text])
        return cursor.fetchone()


def test_runs_like_a_cursor_and_is_logged():
    with CaptureQueriesContext(connection) as queries:
        assert _run(1, "가") == (2, "가")
        assert _run(41, "나") == (42, "나")
    assert len(queries) == 2


def test_database_errors_are_djangos():
    table = connection.ops.quote_name(Session._meta.db_table)
    sql = f"INSERT INTO {table} (session_key, session_data, expire_date) VALUES (%s, %s, %s)"  # noqa: S608 (the name from the model)
    with prepared_cursor() as cursor:
        cursor.execute(sql, ["k" * 32, "", clock.now()])
    with pytest.raises(IntegrityError), transaction.atomic(), prepared_cursor() as cursor:
        cursor.execute(sql, ["k" * 32, "", clock.now()])


@pytest.mark.postgres
def test_postgresql_plans_the_statement_once_per_connection():
    for value in range(8):
        assert _run(value, "x")[0] == value + 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement = %s",
            ["SELECT $1 + 1, $2"],
        )
        (executions,) = cursor.fetchone()
    # Prepared at the first run, executed from the prepared statement ever since.
    assert executions == 8


@pytest.mark.postgres
def test_postgresql_prepares_no_other_statement():
    for _ in range(8):
        list(User.objects.filter(pk=1))
    _run(1, "x")
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        assert cursor.fetchall() == [("SELECT $1 + 1, $2",)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_keeps_one_cursor_and_a_new_connection_makes_its_own():
    def raw():
        with prepared_cursor() as cursor:
            cursor.execute(SQL, [1, "x"])
            return cursor.cursor

    first = raw()
    assert raw() is first and not first.closed
    # After a failed statement the kept cursor still runs the next one.
    table = connection.ops.quote_name(Session._meta.db_table)
    sql = f"INSERT INTO {table} (session_key, session_data, expire_date) VALUES (%s, %s, %s)"  # noqa: S608 (the name from the model)
    with pytest.raises(IntegrityError), transaction.atomic(), prepared_cursor() as cursor:
        cursor.execute(sql, ["d" * 32, "", clock.now()])
        cursor.execute(sql, ["d" * 32, "", clock.now()])
    assert _run(2, "y") == (3, "y")
    assert raw() is first
    connection.close()
    assert raw() is not first


def _fetch(value: int, text: str):
    return prepared.fetch(SQL, [value, text])


def test_fetch_returns_the_rows_and_is_logged_when_queries_are():
    with CaptureQueriesContext(connection) as queries:
        assert _fetch(1, "가") == [(2, "가")]
        assert prepared.fetch("SELECT %s WHERE false", [1]) == []
    assert len(queries) == 2


def test_fetch_raises_djangos_errors_and_leaves_the_connection_usable():
    table = connection.ops.quote_name(Session._meta.db_table)
    sql = f"INSERT INTO {table} (session_key, session_data, expire_date) VALUES (%s, %s, %s)"  # noqa: S608 (the name from the model)
    assert prepared.fetch(sql, ["f" * 32, "", clock.now()]) == []
    with pytest.raises(IntegrityError), transaction.atomic():
        prepared.fetch(sql, ["f" * 32, "", clock.now()])
    assert _fetch(2, "y") == [(3, "y")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fetch_prepares_once_per_connection_and_runs_in_the_callers_transaction():
    for value in range(8):
        assert _fetch(value, "x") == [(value + 1, "x")]
    # A parameter of another type is a statement of its own, prepared once too.
    assert prepared.fetch(SQL, [1, 7]) == [(2, 7)]
    assert prepared.fetch(SQL, [2, 7]) == [(3, 7)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, generic_plans + custom_plans FROM pg_prepared_statements "
            "WHERE statement = %s ORDER BY name",
            ["SELECT $1 + 1, $2"],
        )
        assert [executions for _, executions in cursor.fetchall()] == [8, 2]
    table = connection.ops.quote_name(Session._meta.db_table)
    insert = f"INSERT INTO {table} (session_key, session_data, expire_date) VALUES (%s, %s, %s)"  # noqa: S608 (the name from the model)
    # In a transaction, through the cursor: undone with it.
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        prepared.fetch(insert, ["a" * 32, "", clock.now()])
        prepared.fetch(insert, ["b" * 32, "", clock.now()])
        raise ZeroDivisionError
    assert not Session.objects.filter(session_key__in=["a" * 32, "b" * 32]).exists()
    connection.close()
    assert _fetch(5, "z") == [(6, "z")]


@pytest.mark.postgres
def test_fetch_refuses_to_run_in_a_broken_transaction():
    table = connection.ops.quote_name(Session._meta.db_table)
    sql = f"INSERT INTO {table} (session_key, session_data, expire_date) VALUES (%s, %s, %s)"  # noqa: S608 (the name from the model)
    prepared.fetch(sql, ["c" * 32, "", clock.now()])
    with transaction.atomic():
        with pytest.raises(IntegrityError), transaction.atomic(savepoint=False):
            prepared.fetch(sql, ["c" * 32, "", clock.now()])
        with pytest.raises(TransactionManagementError):
            _fetch(1, "x")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fetch_prepares_again_what_a_rollback_deallocated():
    assert _fetch(1, "x") == [(2, "x")]
    with pytest.raises(ZeroDivisionError), transaction.atomic(), prepared_cursor() as cursor:
        cursor.execute(SQL, [1, "x"])
        raise ZeroDivisionError
    # psycopg deallocates the session's prepared statements when it rolls back.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone() == (0,)
    assert _fetch(2, "y") == [(3, "y")]
    assert _fetch(3, "z") == [(4, "z")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fetch_in_autocommit_raises_djangos_errors_and_runs_the_next_statement():
    table = connection.ops.quote_name(Session._meta.db_table)
    sql = f"INSERT INTO {table} (session_key, session_data, expire_date) VALUES (%s, %s, %s)"  # noqa: S608 (the name from the model)
    assert connection.get_autocommit()
    assert prepared.fetch(sql, ["e" * 32, "", clock.now()]) == []
    with pytest.raises(IntegrityError):
        prepared.fetch(sql, ["e" * 32, "", clock.now()])
    assert _fetch(4, "w") == [(5, "w")]
    assert Session.objects.filter(session_key="e" * 32).count() == 1
