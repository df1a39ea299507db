"""The scheduled jobs' record: each run's start, duration and outcome; missed runs."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from celery import shared_task
from django.core.management import call_command

from portal import clock
from portal.jobs import jobs_missed, jobs_register
from portal.models import JobOutcome, ScheduledJob
from portal.schedule import BEAT_SCHEDULE
from portal.sms.tasks import sweep_outbox
from tests.support.celery_worker import eager_tasks

pytestmark = pytest.mark.django_db


@shared_task(name="tests.portal.failing_job", ignore_result=True)
def failing_job() -> None:
    raise RuntimeError("the gateway's balance ran out")


def test_migrate_registers_every_job_of_the_schedule():
    ScheduledJob.objects.all().delete()
    call_command("migrate", verbosity=0)
    assert set(ScheduledJob.objects.values_list("name", flat=True)) == set(BEAT_SCHEDULE)
    assert jobs_register() == 0


def test_a_run_records_its_start_duration_and_success():
    with eager_tasks():
        sweep_outbox.delay()
    job = ScheduledJob.objects.get(name="sms-sweep")
    assert job.last_outcome == JobOutcome.OK
    assert job.last_started_at <= job.last_finished_at == job.last_success_at
    assert job.last_duration_seconds >= 0
    assert job.last_error == ""


def test_a_failed_run_records_the_error_and_keeps_the_last_success(settings):
    settings.CELERY_BEAT_SCHEDULE = {
        **BEAT_SCHEDULE,
        "failing": {"task": "tests.portal.failing_job", "schedule": 60.0},
    }
    jobs_register()
    with eager_tasks():
        failing_job.delay()
    job = ScheduledJob.objects.get(name="failing")
    assert job.last_outcome == JobOutcome.FAILED
    assert "the gateway's balance ran out" in job.last_error
    assert job.last_success_at is None
    assert job.last_finished_at is not None


def test_other_tasks_are_not_recorded():
    from portal.sms.tasks import dispatch_outbox

    before = list(ScheduledJob.objects.values_list("name", "last_started_at"))
    with eager_tasks():
        dispatch_outbox.delay(ids=[])
    assert list(ScheduledJob.objects.values_list("name", "last_started_at")) == before


def _only(name: str, **fields) -> None:
    ScheduledJob.objects.exclude(name=name).update(last_started_at=clock.now())
    ScheduledJob.objects.filter(name=name).update(**fields)


def test_an_interval_job_is_missed_once_its_run_is_late_by_the_allowance(settings):
    settings.JOBS_LATE_AFTER_SECONDS = 600
    start = dt.datetime(2026, 3, 2, 12, 0, tzinfo=clock.SEOUL)
    with time_machine.travel(start, tick=False):
        _only("sms-sweep", tracked_since=start - dt.timedelta(days=1), last_started_at=start)
    # Due at 12:01; missed after 12:11.
    with time_machine.travel(start + dt.timedelta(minutes=10), tick=False):
        assert jobs_missed() == []
    with time_machine.travel(start + dt.timedelta(minutes=11, seconds=1), tick=False):
        assert jobs_missed() == ["sms-sweep"]


def test_a_daily_job_is_judged_by_its_time_of_day(settings):
    settings.JOBS_LATE_AFTER_SECONDS = 600
    ran = dt.datetime(2026, 3, 2, 0, 5, tzinfo=clock.SEOUL)  # courses-expire, 00:05
    with time_machine.travel(ran, tick=False):
        _only("courses-expire", tracked_since=ran - dt.timedelta(days=5), last_started_at=ran)
    with time_machine.travel(ran + dt.timedelta(days=1, minutes=9), tick=False):
        assert jobs_missed() == []
    with time_machine.travel(ran + dt.timedelta(days=1, minutes=11), tick=False):
        assert jobs_missed() == ["courses-expire"]


def test_a_job_that_never_ran_is_missed_from_its_registration():
    registered = dt.datetime(2026, 3, 2, 9, 30, tzinfo=clock.SEOUL)
    with time_machine.travel(registered, tick=False):
        ScheduledJob.objects.update(tracked_since=clock.now(), last_started_at=None)
        # courses-remind is due at 09:00: the next one is tomorrow's.
        assert jobs_missed() == []
    with time_machine.travel(registered + dt.timedelta(minutes=20), tick=False):
        assert jobs_missed() == ["sms-sweep"]
