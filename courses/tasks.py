"""Scheduled jobs of the courses app: thin wrappers around the domain functions."""

from celery import shared_task

from courses.services.enrollments import enrollments_expire, reminders_send


@shared_task(name="courses.tasks.expire_enrollments")
def expire_enrollments() -> int:
    return enrollments_expire()


@shared_task(name="courses.tasks.send_reminders")
def send_reminders() -> int:
    return reminders_send()
