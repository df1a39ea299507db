"""PostgreSQL keeps an upload's packed rows as they are, without compressing them again.

The bytes are zlib-compressed already (``rows_pack``): the default storage would try its
own compression on every preview (a tenth of a second for a 100,000-row file) and give
up, the data being incompressible. Other databases have no such setting.
"""

from django.db import migrations

TABLE = "courses_importbatch"


def _storage(kind: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"ALTER TABLE {TABLE} ALTER COLUMN packed_rows SET STORAGE {kind}"
            )

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("courses", "0011_watched_as_multirange"),
    ]

    operations = [
        migrations.RunPython(_storage("EXTERNAL"), _storage("EXTENDED"), elidable=False),
    ]
