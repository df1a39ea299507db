"""An attempt's upload key and status compare byte by byte, and its history rows draw
their ids in blocks (``portal.bulk_schema``): cheaper index entries for the 100,000
attempts of an upload."""

from django.db import migrations

from portal.bulk_schema import byte_order_operation, sequence_cache_operation


class Migration(migrations.Migration):

    dependencies = [
        ("courses", "0012_packed_rows_stored_as_is"),
    ]

    operations = [
        byte_order_operation("courses_enrollment", ["import_key", "status"]),
        sequence_cache_operation("courses_historicalenrollment", "history_id", 1000),
    ]
