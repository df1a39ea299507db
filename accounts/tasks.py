"""Thin Celery tasks around account services (STYLE.md 4)."""

from celery import shared_task

from accounts.services.passwords import password_reminders_send


@shared_task(name="accounts.tasks.send_password_reminders", ignore_result=True)
def send_password_reminders() -> int:
    """Daily (portal/schedule.py): one SMS per partner whose password crossed 180 days."""
    return password_reminders_send()


@shared_task(name="accounts.tasks.purge_codes", ignore_result=True)
def purge_codes() -> int:
    """Daily (portal/schedule.py): codes expired over a day ago are deleted."""
    from accounts.services.codes import codes_purge

    return codes_purge()
