"""The 04:00 renewal moves ``due_on`` and ``current_seq`` of every renewed subscription.

Neither is indexed, and the table keeps half of every page free, so PostgreSQL can do
those updates heap-only (HOT), without touching any index — even on a billing day that
renews every row of a page at once (the new versions need a full page's worth of room).
"""

from django.db import migrations, models


def _fillfactor(schema_editor, value: int) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE membership_subscription SET (fillfactor = {value})", params=None
        )


def forwards(apps, schema_editor):
    _fillfactor(schema_editor, 50)


def backwards(apps, schema_editor):
    _fillfactor(schema_editor, 100)


class Migration(migrations.Migration):
    dependencies = [("membership", "0003_lighter_indexes")]

    operations = [
        migrations.RemoveIndex(model_name="subscription", name="membership_sub_due"),
        migrations.AddIndex(
            model_name="subscription",
            index=models.Index(fields=["status"], name="membership_sub_status"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
