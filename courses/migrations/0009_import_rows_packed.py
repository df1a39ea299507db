"""The valid rows of an upload preview are kept packed (compact JSON, zlib) with their
count, instead of in a JSON column: the database stores the bytes as they are."""

import json
import zlib

from django.db import migrations, models


def _pack(rows) -> bytes:
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode(), level=1)


def pack_rows(apps, schema_editor):
    ImportBatch = apps.get_model("courses", "ImportBatch")
    for batch in ImportBatch.objects.only("pk", "rows").iterator(chunk_size=10):
        ImportBatch.objects.filter(pk=batch.pk).update(
            packed_rows=_pack(batch.rows), valid_count=len(batch.rows)
        )


def unpack_rows(apps, schema_editor):
    ImportBatch = apps.get_model("courses", "ImportBatch")
    for batch in ImportBatch.objects.only("pk", "packed_rows").iterator(chunk_size=10):
        packed = batch.packed_rows
        rows = json.loads(zlib.decompress(packed)) if packed else []
        ImportBatch.objects.filter(pk=batch.pk).update(rows=rows)


class Migration(migrations.Migration):

    dependencies = [
        ("courses", "0008_bulk_history_no_date_or_author_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="packed_rows",
            field=models.BinaryField(default=bytes, verbose_name="등록할 행"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="valid_count",
            field=models.PositiveIntegerField(default=0, verbose_name="등록할 수 있는 행"),
        ),
        migrations.RunPython(pack_rows, unpack_rows),
        migrations.RemoveField(
            model_name="importbatch",
            name="rows",
        ),
    ]
