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


_COUNT_COMPILED = """
import re._compiler, sys
import django
django.setup()
from django.urls import reverse
from portal.celery import worker_warm_up
if sys.argv[1] == "warm":
    worker_warm_up()
compiled = []
real = re._compiler.compile  # runs only for a pattern re's cache does not hold yet
re._compiler.compile = lambda p, *a: compiled.append(p) or real(p, *a)
for name in ("accounts:password_set", "account_login", "courses:dashboard"):
    reverse(name)
print(len(compiled))
"""


def test_a_warmed_up_worker_has_compiled_the_url_patterns_of_its_links():
    import os
    import subprocess
    import sys

    def compiled(state: str) -> int:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"}
        run = subprocess.run(
            [sys.executable, "-c", _COUNT_COMPILED, state],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return int(run.stdout.split()[-1])

    # Left on a warm worker: about one full-path check per new link. A cold one compiles
    # the URLconf's patterns (about a hundred) on its first link.
    assert compiled("warm") <= 4 < compiled("cold") // 10


def test_the_membership_jobs_run_at_the_times_the_replay_uses():
    """One source for the jobs' times: the beat entries and membership.jobs.DAILY_JOBS."""
    from membership.jobs import DAILY_JOBS

    entries = {"membership_daily": "membership-daily", "membership_dormancy": "membership-dormancy"}
    assert [name for name, _, _ in DAILY_JOBS] == list(entries)
    for name, at, _ in DAILY_JOBS:
        schedule = BEAT_SCHEDULE[entries[name]]["schedule"]
        assert (schedule.hour, schedule.minute) == ({at.hour}, {at.minute})
    assert dict((name, at) for name, at, _ in DAILY_JOBS)["membership_daily"].hour == 4
