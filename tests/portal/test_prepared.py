"""portal.prepared: statements planned once per connection, still Django cursors."""

import pytest
from django.contrib.sessions.models import Session
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from portal import clock
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
