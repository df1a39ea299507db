"""Thin Celery tasks around the membership jobs (portal/schedule.py)."""

from celery import shared_task

from membership import jobs


@shared_task(name="membership.tasks.daily_run", ignore_result=True)
def daily_run() -> dict:
    """04:00 Asia/Seoul: dormancy, renewals, retries, endings."""
    return jobs.membership_daily_run().as_dict()


@shared_task(name="membership.tasks.dormancy_notify", ignore_result=True)
def dormancy_notify() -> int:
    """Daily: the dormancy notice SMS 30 days ahead."""
    return jobs.membership_dormancy_notify()
