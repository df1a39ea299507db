"""Set-based inserts for the ledger's batch writers (the 04:00 job, the journal).

A batch is one ``portal.bulk.rows_insert`` per table: on PostgreSQL the ids from the
table's sequence and one binary ``COPY``, elsewhere ``bulk_create``. Either way the rows
land in one statement per table, which the journal's integrity trigger (a statement
trigger over the new entries) relies on.
"""

from collections.abc import Sequence

from django.db import models

from portal.bulk import rows_insert


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple], *, ids: bool = True
) -> list[int]:
    """Insert ``rows`` (tuples in ``columns`` order, attribute names such as
    ``subscription_id``) in one statement; return their ids in order when ``ids``."""
    new_ids = rows_insert(model, columns=columns, rows=rows)
    return new_ids if ids else []
