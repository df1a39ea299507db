"""The outbox's key, number, kind and status compare byte by byte
(``portal.bulk_schema``): cheaper index entries for the 100,000 messages of an upload."""

from django.db import migrations

from portal.bulk_schema import byte_order_operation


class Migration(migrations.Migration):

    dependencies = [
        ("sms", "0002_outbox_fewer_indexes"),
    ]

    operations = [
        byte_order_operation("sms_outboxmessage", ["idempotency_key", "to", "kind", "status"]),
    ]
