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
    """Write a large previewed upload (see ``import_confirm_request``); a failure marks
    the batch failed with its reason."""
    from courses.services.imports import import_confirm_run

    return import_confirm_run(batch_id=batch_id, user_id=user_id).created_count


@shared_task(name="courses.tasks.sweep_imports", ignore_result=True)
def sweep_imports() -> int:
    """Every 10 minutes (portal/schedule.py): confirmations whose worker died are failed."""
    from courses.services.imports import imports_stale_fail

    return imports_stale_fail()
