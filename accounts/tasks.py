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


@shared_task(name="accounts.tasks.confirm_roster_import")
def confirm_roster_import(*, upload_id: int, user_id: int) -> int:
    """Write a large previewed roster upload (see ``roster_import_confirm_request``); a
    failure marks the upload failed with its reason."""
    from accounts.services.roster_import import roster_import_run

    upload = roster_import_run(upload_id=upload_id, user_id=user_id)
    return upload.created_count + upload.updated_count


@shared_task(name="accounts.tasks.sweep_roster_imports", ignore_result=True)
def sweep_roster_imports() -> int:
    """Every 10 minutes (portal/schedule.py): stalled confirmations are failed, roster
    uploads not confirmed in time are deleted with their rows."""
    from accounts.services.roster_import import roster_imports_sweep

    return sum(roster_imports_sweep())
