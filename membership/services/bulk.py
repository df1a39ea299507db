"""Set-based inserts for the ledger's batch writers (the 04:00 job, the journal).

On PostgreSQL a batch is one ``INSERT … SELECT * FROM unnest(array, …) RETURNING id``
per table, with the arrays bound in binary, so a batch costs a few statements and no
model instances. Other databases use ``bulk_create``. Either way the rows land in one
statement per table (the journal's integrity trigger relies on that).
"""

from collections.abc import Sequence

import psycopg
from django.db import connection, models


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple], *, ids: bool = True
) -> list[int]:
    """Insert ``rows`` (tuples in ``columns`` order, attribute names such as
    ``subscription_id``) in one statement; return their ids in order when ``ids``."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objs = model.objects.bulk_create(
            [model(**dict(zip(columns, row, strict=True))) for row in rows]
        )
        return [obj.pk for obj in objs] if ids else []
    table = model._meta.db_table
    fields = [model._meta.get_field(name) for name in columns]
    names = [f.column for f in fields]
    types = [
        f.target_field.db_type(connection) if f.is_relation else f.db_type(connection)
        for f in fields
    ]
    values = [list(col) for col in zip(*rows, strict=True)]
    placeholders = ", ".join(f"%b::{t}[]" for t in types)
    quoted = ", ".join(connection.ops.quote_name(n) for n in names)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) "  # noqa: S608 - model names
        f"SELECT * FROM unnest({placeholders})"
    )
    # The driver's own cursor binds the arrays on the server side (binary, no quoting of
    # every element into the SQL text); it runs in the same connection and transaction.
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        if not ids:
            cursor.execute(sql, values)
            return []
        # Rows come back in insertion order, as Django's own bulk_create relies on.
        cursor.execute(sql + " RETURNING id", values)
        return [row[0] for row in cursor.fetchall()]
