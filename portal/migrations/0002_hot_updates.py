"""Free space in the pages of the two tables whose rows daily jobs rewrite in place.

The reminder job marks partners reminded (``accounts_user``) and billing day moves every
renewed subscription (``membership_subscription``): with room left in each page,
PostgreSQL writes the new row version in the same page without new index entries (a
heap-only update). A standard storage parameter, on PostgreSQL only.
"""

from django.db import migrations

FILLFACTOR = {"accounts_user": 90, "membership_subscription": 50}


def _fillfactor(schema_editor, reset: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, value in FILLFACTOR.items():
        setting = "RESET (fillfactor)" if reset else f"SET (fillfactor = {value})"
        schema_editor.execute(f"ALTER TABLE {table} {setting}", params=None)


def forwards(apps, schema_editor):
    _fillfactor(schema_editor, reset=False)


def backwards(apps, schema_editor):
    _fillfactor(schema_editor, reset=True)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("accounts", "0001_initial"),
        ("membership", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards)
    ]
