"""Emptying the append-only ledger between transactional tests.

The ledger's guards (membership/migrations/0002_ledger_guards) refuse the flush a
transactional test ends with while ledger rows exist: on PostgreSQL a TRUNCATE that
would remove rows, on SQLite each deleted row. Only the test harness empties the
ledger, as an operator would restore a database: on PostgreSQL with triggers off for
one transaction (``session_replication_role``), on SQLite by taking the guard triggers
away and putting them back as they were.
"""

from django.apps import apps
from django.db import connection, transaction


def ledger_tables() -> list[str]:
    from membership.models import AppendOnlyModel

    return [
        model._meta.db_table
        for model in apps.get_app_config("membership").get_models()
        if issubclass(model, AppendOnlyModel)
    ]


def sqlite_guards_lifted(cursor, tables: list[str]) -> list[str]:
    """Drop the SQLite triggers of ``tables``; return their statements, to restore."""
    placeholders = ", ".join(["%s"] * len(tables))
    cursor.execute(
        "SELECT name, sql FROM sqlite_master "  # noqa: S608 (placeholders only)
        f"WHERE type = 'trigger' AND tbl_name IN ({placeholders})",
        tables,
    )
    triggers = cursor.fetchall()
    for name, _ in triggers:
        cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
    return [sql for _, sql in triggers]


def ledger_emptied() -> None:
    tables = ledger_tables()
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(f"TRUNCATE {', '.join(quote(table) for table in tables)} CASCADE")
            return
        restore = sqlite_guards_lifted(cursor, tables)
        for table in tables:
            cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608 (names from the models)
        for sql in restore:
            cursor.execute(sql)
