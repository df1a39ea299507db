"""Thin Celery tasks around the outbox services (STYLE.md 4)."""

from celery import shared_task

from portal.sms import services


@shared_task(name="portal.sms.tasks.send_outbox_batch", ignore_result=True)
def send_outbox_batch(ids: list[int]) -> dict:
    """Claim and send the given outbox rows (those still due)."""
    result = services.outbox_send(ids=ids)
    return {"claimed": result.claimed, "sent": result.sent}


@shared_task(name="portal.sms.tasks.sweep_outbox", ignore_result=True)
def sweep_outbox() -> dict:
    """Every minute (portal/schedule.py): rows of dead workers and lost tasks."""
    result = services.outbox_sweep()
    return {"reclaimed": result.reclaimed, "queued": result.queued, "sent_here": result.sent_here}


@shared_task(name="portal.sms.tasks.dispatch_outbox", ignore_result=True)
def dispatch_outbox(ids: list[int]) -> None:
    """Publish the send tasks of a large queueing (see ``sms_queue_many``)."""
    services.outbox_dispatch(ids=ids)
