"""The record of the scheduled jobs: when each last ran, how long, how it ended, and
which ones missed their schedule.

Every entry of ``portal/schedule.py`` is a job. The worker records a job's task when
it starts and when it ends (``job_started`` / ``job_finished``, connected to Celery's
task signals in ``portal/celery.py``), whoever queued it: beat, or ops with
``celery -A portal call <task>``. ``migrate`` makes a row for every job of the schedule
(``jobs_register``), so that a job that never runs after a deploy counts as missed too.
See docs/operations.md, "Scheduled jobs".
"""

from __future__ import annotations

import datetime as dt

from celery.schedules import BaseSchedule, schedule
from django.conf import settings
from django.db import connections, transaction

from portal import clock
from portal.models import JobOutcome, ScheduledJob

ERROR_MAX_CHARS = 2000


def job_for_task(task_name: str) -> str | None:
    """The job (schedule entry) that runs ``task_name``, or None for other tasks."""
    for job, entry in settings.CELERY_BEAT_SCHEDULE.items():
        if entry["task"] == task_name:
            return job
    return None


def jobs_register(*, using: str = "default") -> int:
    """A row for every job of the schedule that has none yet; returns how many."""
    if ScheduledJob._meta.db_table not in connections[using].introspection.table_names():
        return 0  # migrated back before the table
    now = clock.now()
    jobs = ScheduledJob.objects.using(using)
    known = set(jobs.values_list("name", flat=True))
    new = [
        ScheduledJob(name=name, tracked_since=now)
        for name in settings.CELERY_BEAT_SCHEDULE
        if name not in known
    ]
    jobs.bulk_create(new, ignore_conflicts=True)
    return len(new)


def job_started(*, job: str, task_id: str) -> None:
    now = clock.now()
    with transaction.atomic():
        updated = ScheduledJob.objects.filter(name=job).update(
            last_started_at=now,
            last_finished_at=None,
            last_duration_seconds=None,
            last_outcome=JobOutcome.RUNNING,
            last_task_id=task_id,
        )
        if not updated:
            ScheduledJob.objects.get_or_create(
                name=job,
                defaults={
                    "tracked_since": now,
                    "last_started_at": now,
                    "last_outcome": JobOutcome.RUNNING,
                    "last_task_id": task_id,
                },
            )


def job_finished(*, job: str, task_id: str, duration: float, error: str | None) -> None:
    """The end of the run ``task_id`` started; a later run's record is left alone."""
    now = clock.now()
    changes: dict = {
        "last_finished_at": now,
        "last_duration_seconds": max(duration, 0.0),
        "last_outcome": JobOutcome.FAILED if error is not None else JobOutcome.OK,
        "last_error": (error or "")[:ERROR_MAX_CHARS],
    }
    if error is None:
        changes["last_success_at"] = now
    ScheduledJob.objects.filter(name=job, last_task_id=task_id).update(**changes)


def _as_schedule(value) -> BaseSchedule:
    if isinstance(value, BaseSchedule):
        return value
    seconds = value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
    return schedule(dt.timedelta(seconds=seconds))


def jobs_missed() -> list[str]:
    """The jobs whose last due run did not start within ``JOBS_LATE_AFTER_SECONDS``.

    A job's last start (or, when it never ran, the time its row was made) is where
    its schedule is read from: the run due next after it must have started by now,
    give or take the allowance. Jobs without a row (no ``migrate`` since they were
    added) are not judged. Uses the wall clock, as beat does.
    """
    late = dt.timedelta(seconds=settings.JOBS_LATE_AFTER_SECONDS)
    rows = {row.name: row for row in ScheduledJob.objects.all()}
    missed = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        row = rows.get(name)
        if row is None:
            continue
        since = max(filter(None, [row.tracked_since, row.last_started_at]))
        if _as_schedule(entry["schedule"]).remaining_estimate(since) < -late:
            missed.append(name)
    return missed
