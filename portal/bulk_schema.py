"""PostgreSQL settings of the tables that bulk writes fill, as migration steps.

A 100,000-row upload inserts every new row into each index of its table; two settings
make each of those inserts cheaper without changing what a query returns:

- ``byte_order_operation``: identifier columns (phone numbers, usernames, keys, codes)
  compared byte by byte (``COLLATE "C"``). Their values are ASCII, where byte order and
  the database's language order agree, but every index comparison under a language
  collation goes through the C library's collation routine; byte order is a plain
  ``memcmp``. A B-tree index on such a column also serves ``LIKE 'prefix%'``.
- ``sequence_cache_operation``: an id sequence that hands each session its ids in
  blocks of ``size`` instead of one by one, for tables whose ids nobody reads in order
  across sessions (history rows). Ids stay unique and increasing within a session; a
  session that ends leaves the rest of its block unused.

Django's migration state knows neither setting: a later ``AlterField`` of such a column
would put the default collation back. ``tests/portal/test_write_indexes.py`` checks
both on PostgreSQL. Elsewhere (SQLite) the steps do nothing.
"""

from django.db import migrations


def _postgresql_only(function):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            function(schema_editor)

    return operation


def byte_order_operation(table: str, columns: list[str]) -> migrations.RunPython:
    """Compare ``table``'s ``columns`` byte by byte (back: the database's collation)."""

    def run(collation: str):
        def apply(schema_editor):
            quote = schema_editor.quote_name
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(
                    "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
                    " WHERE attrelid = %s::regclass AND attname = ANY(%s) ORDER BY attnum",
                    [table, list(columns)],
                )
                types = cursor.fetchall()
            if len(types) != len(columns):
                raise ValueError(f"{table}: not every column of {columns} exists")
            # One statement: the indexes on these columns are rebuilt once.
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} "
                + ", ".join(
                    f"ALTER COLUMN {quote(name)} TYPE {type_} COLLATE {quote(collation)}"
                    for name, type_ in types
                ),
                params=None,
            )

        return _postgresql_only(apply)

    return migrations.RunPython(run("C"), run("default"))


def sequence_cache_operation(table: str, column: str, size: int) -> migrations.RunPython:
    """Hand out ``table.column``'s ids ``size`` at a time (back: one at a time)."""

    def run(cache: int):
        def apply(schema_editor):
            quote = schema_editor.quote_name
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(column)} SET CACHE {int(cache)}",
                params=None,
            )

        return _postgresql_only(apply)

    return migrations.RunPython(run(size), run(1))
