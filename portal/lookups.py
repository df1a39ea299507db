"""``field__any=[...]``: membership in a long list as one array parameter on PostgreSQL.

``__in`` with thousands of values sends thousands of placeholders, which the driver
parses in Python on every query; ``= ANY(%s)`` sends one array. The array goes as one
text literal cast to the column's array type: the driver quotes a single string in C,
where it would adapt every element of a list in Python. Other databases get a plain
``IN``. Used by the set-based look-ups of the bulk writes.

Pass the values as a set (``any_chunks`` gives them so): Django's query builder walks a
list or tuple element by element, looking for expressions, and copies it; a set it
passes through whole.
"""

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence

from django.db.models import Field, Lookup


def array_literal(values) -> str:
    """PostgreSQL's text form of a one-dimensional array of ``values``."""
    values = list(values)
    if all(type(value) is int for value in values):
        return "{" + ",".join(map(str, values)) + "}"
    if all(type(value) is str for value in values):
        joined = "\x00".join(values)
        if "\\" in joined or '"' in joined:
            values = [value.replace("\\", "\\\\").replace('"', '\\"') for value in values]
        return '{"' + '","'.join(values) + '"}' if values else "{}"
    parts = []
    for value in values:
        if value is None:
            parts.append("NULL")
        elif isinstance(value, bool):
            parts.append("t" if value else "f")
        elif isinstance(value, int):
            parts.append(str(value))
        else:
            if isinstance(value, dt.date | dt.datetime):
                value = value.isoformat()
            text = str(value).replace("\\", "\\\\").replace('"', '\\"')
            parts.append(f'"{text}"')
    return "{" + ",".join(parts) + "}"


ANY_CHUNK = 20000


def any_chunks(values: Iterable, size: int = ANY_CHUNK) -> Iterator[frozenset]:
    """``values`` for ``__any`` look-ups, ``size`` at a time (one query each)."""
    items = values if isinstance(values, Sequence) else list(values)
    for start in range(0, len(items), size):
        yield frozenset(items[start : start + size])


@Field.register_lookup
class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self):
        prepare = self.lhs.output_field.get_prep_value
        # Plain strings and integers (phones, keys, ids) are already what the column takes.
        return [value if type(value) in (str, int) else prepare(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            db_type = self.lhs.output_field.db_type(connection)
            return f"{lhs} = ANY(%s::{db_type}[])", [*lhs_params, array_literal(values)]
        if not values:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]
