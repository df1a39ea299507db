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
"""

import contextlib
import functools
from collections.abc import Iterator

from django.db import connections

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
