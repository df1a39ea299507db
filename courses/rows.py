"""Model instances from hand-written SQL, with values converted as the ORM converts them.

The partner pages called most often run fixed SQL: building the same query through the
ORM on every request costs more than running it. ``Columns`` lists a model's columns
for a ``SELECT`` and turns the values read back into an instance.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Model


class Columns:
    """The concrete columns of ``model`` (optionally only ``names``) under ``alias``."""

    def __init__(self, model: type[Model], alias: str, names: tuple[str, ...] = ()) -> None:
        self.model = model
        self.alias = alias
        self.fields = [
            field
            for field in model._meta.concrete_fields
            if not names or field.name in names or field.attname in names
        ]
        self.attnames = [field.attname for field in self.fields]
        self._converters: dict[str, list] = {}

    def __len__(self) -> int:
        return len(self.fields)

    def sql(self) -> str:
        quote = connection.ops.quote_name
        return ", ".join(f"{self.alias}.{quote(field.column)}" for field in self.fields)

    def _for_connection(self) -> list:
        vendor = connection.vendor
        if vendor not in self._converters:
            table = self.model._meta.db_table
            pairs = []
            for field in self.fields:
                column = field.get_col(table)
                functions = connection.ops.get_db_converters(column)
                functions += column.get_db_converters(connection)
                pairs.append((column, functions))
            self._converters[vendor] = pairs
        return self._converters[vendor]

    def values(self, row, start: int = 0) -> list:
        """The converted values of this model's columns, read from ``row[start:]``."""
        values = list(row[start : start + len(self.fields)])
        for index, (column, functions) in enumerate(self._for_connection()):
            value = values[index]
            for function in functions:
                value = function(value, column, connection)
            values[index] = value
        return values

    def instance(self, row, start: int = 0) -> Model:
        return self.model.from_db(connection.alias, self.attnames, self.values(row, start))
