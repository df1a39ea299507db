"""Scheduled jobs of the courses app: thin wrappers around the domain functions."""

from celery import shared_task

from courses.services.enrollments import enrollments_expire, reminders_send


@shared_task(name="courses.tasks.expire_enrollments")
def expire_enrollments() -> int:
    return enrollments_expire()


@shared_task(name="courses.tasks.send_reminders")
def send_reminders() -> int:
    return reminders_send()


@shared_task(name="courses.tasks.confirm_import")
def confirm_import(*, batch_id: int, user_id: int) -> int:
    """Write a large previewed upload (see ``import_confirm_request``)."""
    from django.db import IntegrityError

    from accounts.models import User
    from courses.models import ImportBatch
    from courses.services.imports import import_confirm, import_confirm_failed

    batch = ImportBatch.objects.defer("packed_rows", "errors").get(pk=batch_id)
    try:
        batch = import_confirm(batch=batch, confirmed_by=User.objects.get(pk=user_id))
    except IntegrityError:
        import_confirm_failed(
            batch_id=batch_id,
            reason="그사이 다른 등록과 겹쳐 아무것도 등록하지 않았습니다. 다시 눌러 주세요.",
        )
        raise
    return batch.created_count
