"""Every scheduled job is a registered task and a management command for ops."""

import pytest
from django.core.management import CommandError, call_command, get_commands

from portal.celery import app
from portal.schedule import BEAT_SCHEDULE, JOB_COMMANDS


def test_every_scheduled_job_is_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"{name}: task {entry['task']} is not registered"


def test_every_scheduled_job_can_be_run_by_hand():
    commands = get_commands()
    assert set(JOB_COMMANDS) == set(BEAT_SCHEDULE)
    for name, command in JOB_COMMANDS.items():
        assert command in commands, f"{name}: no management command {command}"


def test_beat_runs_in_korean_time(settings):
    assert settings.CELERY_TIMEZONE == "Asia/Seoul"


DATED_COMMANDS = sorted(set(JOB_COMMANDS.values()) - {"sms_sweep"})


@pytest.mark.parametrize("command", DATED_COMMANDS)
def test_a_dated_job_refuses_a_malformed_date_in_plain_korean(command):
    with pytest.raises(CommandError, match="날짜는 YYYY-MM-DD 형식으로"):
        call_command(command, "--date", "2025-13-01")


def test_worker_processes_warm_up_the_task_registry_and_the_urlconf():
    from celery.signals import worker_process_init
    from django.urls import clear_url_caches, get_resolver

    from portal.celery import _warm_up_worker_process, app

    assert _warm_up_worker_process in [receiver() for _, receiver in worker_process_init.receivers]
    clear_url_caches()
    _warm_up_worker_process()
    assert app.finalized
    assert "url_patterns" in get_resolver().__dict__
