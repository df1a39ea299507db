"""Change history of the tables that bulk writes fill 100,000 rows at a time."""

from django.db import models
from simple_history.models import HistoricalRecords


class BulkWrittenHistory(HistoricalRecords):
    """django-simple-history's records, read per object and never searched otherwise.

    Each history row is written with the bulk write that caused it, so it carries only
    the indexes reads use: its own key and the object's id (one object's changes, in
    order). The copied columns listed in ``no_db_index`` lose their indexes; the date has
    none (no page lists changes across objects by date); who made the change
    (``history_user``) is kept without a foreign key, which would cost a check per row,
    and without an index (nothing asks what one staff member changed).
    """

    # simple-history indexes history_date unless this says otherwise.
    _date_indexing = False

    def __init__(self, **kwargs):
        kwargs.setdefault("user_db_constraint", False)
        super().__init__(**kwargs)

    def _get_history_user_fields(self):
        fields = super()._get_history_user_fields()
        user = fields.get("history_user")
        if isinstance(user, models.ForeignKey):
            user.db_index = False
        return fields
