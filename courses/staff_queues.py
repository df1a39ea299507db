"""What waits for staff in the courses app besides the clearance queue
(``selectors.clearance_queue``): uploads to confirm and uploads that failed.

The staff home counts these and the upload list filters by them (docs/admin.md).
"""

from django.db.models import QuerySet

from courses.models import ImportBatch


def import_batches_waiting() -> QuerySet:
    """Previews with rows to register that nobody has confirmed yet."""
    return ImportBatch.objects.filter(
        status=ImportBatch.Status.PREVIEW, valid_count__gt=0, failure=""
    )


def import_batches_failed() -> QuerySet:
    """Uploads whose confirmation failed (the reason is in ``failure``) and that were
    not registered since."""
    return ImportBatch.objects.exclude(failure="").exclude(status=ImportBatch.Status.CONFIRMED)
