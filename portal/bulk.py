"""Set-based inserts for large writes (bulk enrollment, bulk account provisioning).

On PostgreSQL the primary keys are drawn from the table's sequence in one query and
the rows go in with one binary ``COPY``: the server parses no SQL values, the driver
formats each row in C, and the 100,000-row upload and the 04:00 ledger job stay within a
small factor of a plain ``COPY``. ``COPY`` fires the triggers an ``INSERT`` does,
statement triggers with their transition tables included. Elsewhere (SQLite) the same
rows go through ``bulk_create``. Callers pass plain values in the database's own form
(``str``, ``int``, ``bool``, ``date``, aware ``datetime``, ``Decimal``, ``None``), so no
per-field ORM preparation runs per row; errors are Django's (``IntegrityError`` ...).
"""

import contextlib
import enum
import gc
import re
from collections.abc import Iterable, Iterator, Sequence

from django.db import connections, models, transaction
from psycopg.types.json import Jsonb

from portal.lookups import array_literal


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Run a bulk step without Python's cyclic garbage collector.

    A 100,000-row step holds millions of small objects (rows, tuples, strings) until it
    ends, none of them in a reference cycle: the collector would walk them all again at
    each full collection. Reference counting still frees everything; the collector is
    back when the outermost paused step ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextlib.contextmanager
def sent_ahead(using: str = "default") -> Iterator[None]:
    """Let the server run the statements of the block while the block's Python goes on.

    On PostgreSQL the statements executed in the block are sent and not waited for
    (psycopg's pipeline mode), so the server writes a large ``INSERT ... SELECT`` while
    Python makes the next step's rows. The end of the block waits for them and raises
    the first error (Django's, as from a cursor). Inside, no ``COPY`` and no statement
    whose rows are read. Elsewhere (SQLite) each statement runs as it comes.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


def _default(field: models.Field):
    value = field.get_default()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _copy_type(field: models.Field, connection) -> str:
    """The column's type as the driver's binary ``COPY`` names it (``varchar``, not
    ``varchar(120)``)."""
    target = field.target_field if field.is_relation else field
    return re.sub(r"\(.*\)", "", target.db_type(connection)).strip()


def rows_insert(
    model: type[models.Model],
    *,
    columns: Sequence[str],
    rows: Iterable[tuple],
    count: int | None = None,
    using: str = "default",
) -> list[int]:
    """Insert ``rows`` (values for ``columns``, by attname); return their new ids in order.

    Fields not in ``columns`` get their model default. Runs in the caller's transaction.
    With ``count`` (how many rows there are), ``rows`` may be a generator: on PostgreSQL
    each row is made while the server writes the rows before it.
    """
    if count is None:
        rows = rows if isinstance(rows, Sequence) else list(rows)
        count = len(rows)
    if not count:
        return []
    meta = model._meta
    by_attname = {field.attname: field for field in meta.concrete_fields}
    rest = [
        field
        for field in meta.concrete_fields
        if field.attname not in columns and not field.primary_key
    ]
    tail = tuple(_default(field) for field in rest)
    connection = connections[using]
    if connection.vendor != "postgresql":
        names = [*columns, *(field.attname for field in rest)]
        objects = [model(**dict(zip(names, (*row, *tail), strict=True))) for row in rows]
        if len(objects) != count:
            raise ValueError(f"rows_insert: {len(objects)} rows, {count} expected")
        model.objects.using(using).bulk_create(objects, batch_size=1000)
        return [obj.pk for obj in objects]

    fields = [by_attname[name] for name in columns]
    json_at = [i for i, field in enumerate(fields) if isinstance(field, models.JSONField)]
    tail = tuple(
        Jsonb(value) if isinstance(field, models.JSONField) else value
        for field, value in zip(rest, tail, strict=True)
    )
    quote = connection.ops.quote_name
    all_fields = [meta.pk, *fields, *rest]
    column_sql = ", ".join(quote(f.column) for f in all_fields)
    types = [_copy_type(f, connection) for f in all_fields]
    with (
        transaction.atomic(using=using),
        connection.cursor() as cursor,
        connection.wrap_database_errors,
    ):
        # The sequence is looked up once, not once per id (OFFSET 0 keeps the planner
        # from pulling the look-up into every row).
        cursor.execute(
            "SELECT nextval(seq) FROM (SELECT pg_get_serial_sequence(%s, %s)::regclass"
            " OFFSET 0) AS s (seq), generate_series(1, %s)",
            [quote(meta.db_table), meta.pk.column, count],
        )
        ids = [row[0] for row in cursor.fetchall()]
        # The table and column names come from the model, never from input.
        statement = f"COPY {quote(meta.db_table)} ({column_sql}) FROM STDIN (FORMAT BINARY)"
        with cursor.cursor.copy(statement) as copy:
            copy.set_types(types)
            for pk, row in zip(ids, rows, strict=True):
                if json_at:
                    row = tuple(
                        Jsonb(value) if i in json_at else value for i, value in enumerate(row)
                    )
                copy.write_row((pk, *row, *tail))
    return ids


def history_rows_insert(
    model: type[models.Model],
    *,
    ids: Sequence[int],
    columns: Sequence[str],
    rows: Sequence[tuple],
    when,
    by_id: int | None,
    reason: str,
) -> None:
    """The django-simple-history "created" rows for rows just inserted with ``rows_insert``.

    ``columns`` must name every tracked field that is not a model default.
    """
    history = model.history.model
    tracked = {field.attname for field in history._meta.concrete_fields}
    kept = [i for i, name in enumerate(columns) if name in tracked]
    names = ["id", *(columns[i] for i in kept), "history_date", "history_type"]
    extra: tuple = (when, "+")
    if "history_user_id" in tracked:
        names.append("history_user_id")
        extra += (by_id,)
    if "history_change_reason" in tracked:
        names.append("history_change_reason")
        extra += (reason,)
    rows_insert(
        history,
        columns=names,
        rows=[(pk, *(row[i] for i in kept), *extra) for pk, row in zip(ids, rows, strict=True)],
    )


def id_chunks(ids: Sequence[int], using: str = "default") -> list[tuple[str, list]]:
    """``(condition, params)`` pairs that together select ``ids`` by primary key.

    Ids that fill a range (the rows ``rows_insert`` has just written, drawn from the
    sequence together) are one ``BETWEEN``: a range scan instead of a probe per id.
    Otherwise one ``= ANY(array)`` on PostgreSQL, ``IN`` lists of at most 500 ids
    elsewhere. The condition is written against a column named ``id``.
    """
    if not ids:
        return []
    low, high = min(ids), max(ids)
    if high - low + 1 == len(ids) and len(set(ids)) == len(ids):
        return [("id BETWEEN %s AND %s", [low, high])]
    if connections[using].vendor == "postgresql":
        return [("id = ANY(%s::bigint[])", [array_literal(ids)])]
    return [
        (
            f"id IN ({', '.join(['%s'] * len(ids[start : start + 500]))})",
            list(ids[start : start + 500]),
        )
        for start in range(0, len(ids), 500)
    ]


def history_rows_from_table(
    model: type[models.Model],
    *,
    ids: Sequence[int],
    history_type: str,
    when,
    by_id: int | None,
    reason: str | None,
    returning: bool = False,
    using: str = "default",
) -> list[tuple[int, int]]:
    """django-simple-history rows for ``ids``, copied from their current rows.

    One ``INSERT ... SELECT`` (per 500 ids off PostgreSQL): the values never travel to
    Python and back. ``history_type`` is "+" for rows just created, "~" for rows just
    changed. With ``returning``, gives (object id, history id) pairs.
    """
    history = model.history.model
    quote = connections[using].ops.quote_name
    table = model._meta.db_table
    tracked = [
        field.column
        for field in history._meta.concrete_fields
        if not field.attname.startswith("history_")
    ]
    names = [*tracked, "history_date", "history_type"]
    # As the ORM stores it (SQLite keeps text in UTC: a local time with its offset would
    # sort after later changes by date).
    date = history._meta.get_field("history_date").get_db_prep_value(when, connections[using])
    values: list = [date, history_type]
    attnames = {field.attname for field in history._meta.concrete_fields}
    if "history_user_id" in attnames:
        names.append("history_user_id")
        values.append(by_id)
    if "history_change_reason" in attnames:
        names.append("history_change_reason")
        values.append(reason)
    select = ", ".join([*(quote(name) for name in tracked), *(["%s"] * len(values))])
    target = ", ".join(quote(name) for name in names)
    pairs: list[tuple[int, int]] = []
    with connections[using].cursor() as cursor:
        for condition, params in id_chunks(ids, using):
            # Table and column names come from the models, every value is a parameter.
            sql = (
                f"INSERT INTO {quote(history._meta.db_table)} ({target}) "  # noqa: S608
                f"SELECT {select} FROM {quote(table)} WHERE {condition}"
            )
            if returning:
                sql += " RETURNING id, history_id"
            cursor.execute(sql, [*values, *params])
            if returning:
                pairs.extend(cursor.fetchall())
    return pairs
