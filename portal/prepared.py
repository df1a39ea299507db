"""Cursors for the fixed SQL of the busiest requests: planned once per connection.

PostgreSQL plans every statement it is sent as text. For the partner dashboard's query
planning takes several times longer than running it, and the progress report is sent
every few seconds by every player. ``prepared_cursor()`` binds parameters on the
server and prepares each statement on first use, so that later executions on the same
connection skip parsing and planning (psycopg keeps the prepared statements of a
connection and forgets them with it). The cursor is wrapped like any Django cursor:
query logging, ``execute_wrappers`` and error translation still apply.

Each connection keeps one such cursor for its life: making a psycopg cursor sets up its
adapters anew, and a kept cursor remembers how to dump and load the types it has seen
(a short statement's client work went from about 61 to 43 µs).

Only for hand-written SQL whose parameters are plain values in ``%s`` (or
``%(name)s``) placeholders: the ORM's SQL is not written for server-side binding.
Other databases get their usual cursor.

``fetch()`` runs such a statement and returns its rows in one call to libpq, with
psycopg's own conversion of parameters and values: the cursor's machinery around it
(Django's wrapper, psycopg's query generators and prepared-statement bookkeeping) cost
a progress report about 84,000 of its worker's 1.8 million instructions (callgrind, one
process, 200 reports). It does so in autocommit only (as a request's statements run):
in a transaction psycopg sends the ``BEGIN``, and at a rollback it deallocates every
prepared statement of the session, so a statement of a transaction goes through the
cursor, as it does whenever Django would do more than run it (queries are logged, an
``execute_wrapper`` is installed). A statement deallocated by an earlier rollback is
prepared again.
"""

import contextlib
import functools
from collections.abc import Iterator, Mapping, Sequence

from django.db import connections
from psycopg import errors, pq
from psycopg._queries import PostgresQuery

_NEVER = 2**62


@functools.cache
def _preparing_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparingCursor


def _raw_cursor(connection):
    """As ``DatabaseWrapper.create_cursor`` makes one, of the server-binding class."""
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, Format
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns psycopg's prepared statements off (for connection poolers that
        # do not keep them); this cursor prepares its statements explicitly and no
        # other statement is prepared at all, however often it runs.
        raw.prepare_threshold = _NEVER
    cursor = _preparing_cursor_class()(raw)
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    if connection.timezone != loader.timezone:
        register_tzloader(connection.timezone, cursor)
    return cursor


def _kept_cursor(connection):
    """The connection's preparing cursor, made on first use (a new connection, a new
    cursor: it is kept on psycopg's connection object, which Django replaces)."""
    raw_connection = connection.connection
    cursor = getattr(raw_connection, "_portal_prepared_cursor", None)
    if cursor is None or cursor.closed:
        cursor = _raw_cursor(connection)
        raw_connection._portal_prepared_cursor = cursor
    return cursor


@contextlib.contextmanager
def prepared_cursor(using: str = "default") -> Iterator:
    """A cursor whose statements are prepared on the server (PostgreSQL)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    # What connection.cursor() does, with the kept cursor: Django's wrapper (logging,
    # execute wrappers, error translation), not closed after the block.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = _kept_cursor(connection)
    yield connection._prepare_cursor(raw)


class _Statements:
    """A connection's statements prepared by :func:`fetch`, the converter of their
    parameters and values (the kept cursor's adapters: Django's time zone loader), and
    each statement's text as psycopg converted it (placeholders to ``$n``)."""

    def __init__(self, cursor) -> None:
        from psycopg.adapt import Transformer

        self.transformer = Transformer(cursor)
        self.names: dict[tuple, bytes] = {}
        self.converted: dict[str, tuple] = {}


def _query(statements: _Statements, sql: str, params: Sequence | Mapping) -> PostgresQuery:
    """``sql`` with ``params`` converted for libpq. The text is converted once per
    connection: psycopg would encode it and look it up by its bytes on every call."""
    query = PostgresQuery(statements.transformer)
    converted = statements.converted.get(sql)
    if converted is None:
        query.convert(sql, params)
        statements.converted[sql] = (query.query, query._want_formats, query._order, query._parts)
    else:
        query.query, query._want_formats, query._order, query._parts = converted
        query.dump(params)
    return query


def fetch(sql: str, params: Sequence | Mapping, using: str = "default") -> list[tuple]:
    """The rows of ``sql`` run with ``params`` as a prepared statement (PostgreSQL);
    elsewhere, or when the statement must go through a cursor, as ``prepared_cursor``
    runs it. A statement without rows returns an empty list."""
    connection = connections[using]
    if connection.vendor == "postgresql" and not (
        connection.queries_logged or connection.execute_wrappers
    ):
        # What connection.cursor() and Django's cursor wrapper check first.
        connection.close_if_health_check_failed()
        connection.ensure_connection()
        connection.validate_thread_sharing()
        if connection.connection.autocommit:
            with connection.wrap_database_errors:
                return _fetch(connection, sql, params)
    with prepared_cursor(using) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _fetch(connection, sql: str, params: Sequence | Mapping) -> list[tuple]:
    raw = connection.connection
    statements = getattr(raw, "_portal_statements", None)
    if statements is None:
        statements = raw._portal_statements = _Statements(_kept_cursor(connection))
    transformer = statements.transformer
    query = _query(statements, sql, params)
    pgconn = raw.pgconn
    key = (sql, query.types)
    with raw.lock:
        for attempt in range(2):
            name = statements.names.get(key)
            if name is None:
                name = f"_portal_{len(statements.names)}".encode()
                _check(raw, pgconn.prepare(name, query.query, query.types))
                statements.names[key] = name
            result = pgconn.exec_prepared(name, query.params, query.formats)
            if attempt == 0 and result.status == pq.ExecStatus.FATAL_ERROR and _deallocated(result):
                # A rollback since (psycopg deallocates all at a rollback): in
                # autocommit the failed execution changed nothing.
                statements.names.clear()
                continue
            break
        _check(raw, result)
        if result.status != pq.ExecStatus.TUPLES_OK:
            return []
        transformer.set_pgresult(result)
        rows = transformer.load_rows(0, result.ntuples, tuple)
        transformer.set_pgresult(None)
    return rows


def _deallocated(result) -> bool:
    sqlstate = result.error_field(pq.DiagnosticField.SQLSTATE)
    return sqlstate == errors.InvalidSqlStatementName.sqlstate.encode()


def _check(raw, result) -> None:
    """psycopg's error for a failed statement (Django's wrapper translates it; a lost
    connection psycopg raises itself)."""
    if result.status == pq.ExecStatus.FATAL_ERROR:
        raise errors.error_from_result(result, encoding=raw.info.encoding)
