"""Roster figures: a 50,000-row roster file imported and confirmed in the background.

- ``roster_import_50k_s``: a 50,000-row CSV of drivers not yet on the roster (each with
  a transport company and a service) from its bytes to its confirmation written by a
  real Celery worker (``celery -A portal worker``, started and warmed up beforehand):
  the preview (every row checked, the upload kept), then ``roster_import_confirm_request``
  queues the task, and the figure ends when the upload reads ``confirmed``.
  ``roster_preview_50k_s`` and ``roster_confirm_50k_s`` split it (the second from the
  request to the written result, queueing and the worker's pick-up included).
- ``roster_reimport_50k_s``: the same file again, every phone now known (updates, the
  services already there), the same way.

Bench data uses phone numbers 0106xxxxxxx; each run removes the previous run's first.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROWS = 50_000
PHONE_PREFIX = "0106"
COMPANY = "벤치운수"
SERVICE_CODE = "bench-roster"
READY_TIMEOUT = 60
CONFIRM_TIMEOUT = 600


def _cleanup() -> None:
    from django.db import connection

    from accounts.models import RosterEntry, RosterImport, User

    roster = RosterEntry._meta.db_table
    with connection.cursor() as cursor:
        through = RosterEntry.services.through._meta.db_table
        cursor.execute(
            f"DELETE FROM {through} WHERE rosterentry_id IN "
            f"(SELECT id FROM {roster} WHERE phone LIKE %s)",
            [PHONE_PREFIX + "%"],
        )
        history = RosterEntry.history.model._meta.db_table
        cursor.execute(
            f"DELETE FROM {history}_services WHERE rosterentry_id IN "
            f"(SELECT id FROM {roster} WHERE phone LIKE %s)",
            [PHONE_PREFIX + "%"],
        )
        cursor.execute(f"DELETE FROM {history} WHERE phone LIKE %s", [PHONE_PREFIX + "%"])
        cursor.execute(f"DELETE FROM {roster} WHERE phone LIKE %s", [PHONE_PREFIX + "%"])
        cursor.execute(f"VACUUM ANALYZE {roster}, {history}, {history}_services, {through}")
    RosterImport.objects.filter(file_name="bench-roster.csv").delete()
    User.objects.filter(username="bench-roster-staff").delete()


def _world():
    from accounts.models import Service, TransportCompany, User

    TransportCompany.objects.get_or_create(name=COMPANY)
    Service.objects.get_or_create(
        code=SERVICE_CODE, defaults={"name": "벤치 서비스", "position": 99}
    )
    return User.objects.create_user(
        username="bench-roster-staff", password=None, is_staff=True, is_superuser=True
    )


def _csv() -> bytes:
    lines = ["휴대폰 번호,이름,생년월일,운수사,자격번호,기사 유형,서비스"]
    lines.extend(
        f"{PHONE_PREFIX}{i:07d},기사{i},1970.{1 + i % 12:02d}.{1 + i % 28:02d},{COMPANY},"
        f"Q{i},가맹,{SERVICE_CODE}"
        for i in range(ROWS)
    )
    return ("\n".join(lines) + "\n").encode()


def _worker(ctx) -> tuple[subprocess.Popen, Path]:
    log = Path(tempfile.mkstemp(prefix="bench-roster-worker-", suffix=".log")[1])
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--loglevel=INFO",
            "--concurrency=1",
            "--pool=prefork",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname",
            f"bench-roster-{os.getpid()}@%h",
        ],
        cwd=ctx.root,
        # INFO: the worker says " ready." at that level.
        env=ctx.env(CELERY_TASK_ALWAYS_EAGER="false", PYTHONUNBUFFERED="1", LOG_LEVEL="INFO"),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + READY_TIMEOUT
    while " ready." not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("Celery worker not ready:\n" + log.read_text()[-2000:])
        time.sleep(0.1)
    return process, log


def _import(data: bytes, staff) -> tuple[float, float, int, int]:
    from accounts.models import RosterImport
    from accounts.services.roster_import import (
        roster_import_confirm_request,
        roster_import_create,
        roster_import_preview,
    )

    started = time.perf_counter()
    preview = roster_import_preview(filename="bench-roster.csv", content=data)
    assert preview.ok, (preview.file_error, preview.bad_rows[:3])
    upload = roster_import_create(preview=preview, file_name="bench-roster.csv", uploaded_by=staff)
    previewed = time.perf_counter()
    assert roster_import_confirm_request(upload=upload, confirmed_by=staff) is False
    deadline = time.monotonic() + CONFIRM_TIMEOUT
    while True:
        status, failure, created, updated = RosterImport.objects.filter(pk=upload.pk).values_list(
            "status", "failure", "created_count", "updated_count"
        )[0]
        if status == RosterImport.Status.CONFIRMED:
            break
        if status == RosterImport.Status.FAILED or time.monotonic() > deadline:
            raise RuntimeError(f"roster import {status}: {failure}")
        time.sleep(0.05)
    confirmed = time.perf_counter()
    return previewed - started, confirmed - previewed, created, updated


def run(ctx):
    from django.conf import settings

    from portal.celery import app

    # Files this large go to the worker (ROSTER_IMPORT_INLINE_ROWS, 5,000 by default).
    assert settings.ROSTER_IMPORT_INLINE_ROWS < ROWS
    _cleanup()
    staff = _world()
    data = _csv()
    with app.producer_or_acquire():
        pass
    process, log = _worker(ctx)
    try:
        preview_s, confirm_s, created, updated = _import(data, staff)
        assert (created, updated) == (ROWS, 0), (created, updated)
        yield "roster_preview_50k_s", preview_s, "s"
        yield "roster_confirm_50k_s", confirm_s, "s"
        yield "roster_import_50k_s", preview_s + confirm_s, "s"
        preview_s, confirm_s, created, updated = _import(data, staff)
        assert (created, updated) == (0, ROWS), (created, updated)
        yield "roster_reimport_50k_s", preview_s + confirm_s, "s"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.unlink(missing_ok=True)
        _cleanup()
