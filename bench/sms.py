"""SMS throughput: the outbox path against posting straight to the gateway.

Both figures send the same 10,000 messages to the fake SOLAPI gateway, which runs in a
process of its own, with the same HTTP client code (``SolapiClient.send``):

- ``sms_gateway_direct_per_s``: one loop in this process posting them one by one.
- ``sms_dispatch_per_s``: ``sms_queue_many`` writes 10,000 outbox rows and commits; the
  commit queues tasks on Redis; a real ``celery -A portal worker`` (prefork, one process
  per core) claims and sends them. Timed from the call to ``sms_queue_many`` to the
  moment the gateway recorded the last message.

After the dispatch run the benchmark checks that every row is ``sent`` and that the
gateway took each outbox key exactly once.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = int(os.environ.get("BENCH_SMS_MESSAGES", "10000"))
API_KEY = "NCSBENCHKEY00001"
API_SECRET = "bench-secret-0123456789abcdef0123"
BODY = "[파트너플레이스] 교육 신청이 접수되었습니다. 일정 확인: https://partner.example/c/{i}"


def _phone(i: int) -> str:
    return f"010{i:08d}"


def _control(url: str, path: str, payload: dict | None = None) -> dict:
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url + path, data=data, method="POST" if data else "GET")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def _cpu_seconds(*, pid: int | None = None, group: int | None = None) -> float:
    """User + system CPU of a process, or of every live process in a process group."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields[0] is the state (stat field 3): pgrp is field 5, utime/stime 14/15.
        if (pid is not None and int(entry.name) == pid) or (
            group is not None and int(fields[2]) == group
        ):
            total += int(fields[11]) + int(fields[12])
    return total / ticks


@contextlib.contextmanager
def _gateway() -> Iterator[tuple[str, int]]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fakes.sms_gateway",
            "--api-key",
            API_KEY,
            "--api-secret",
            API_SECRET,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline().strip()
        if not line.startswith("READY "):
            raise RuntimeError(f"fake gateway did not start: {line!r}")
        yield line.split(" ", 1)[1], proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextlib.contextmanager
def _worker(env: dict[str, str]) -> Iterator[int]:
    log = tempfile.NamedTemporaryFile(prefix="bench-worker-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--loglevel=WARNING",
            f"--concurrency={os.cpu_count() or 2}",
            "--pool=prefork",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_ready(proc)
        yield proc.pid  # also its process group
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
        Path(log.name).unlink(missing_ok=True)


def _wait_ready(proc: subprocess.Popen, timeout: float = 60) -> None:
    from portal.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("Celery worker exited during start-up")
        with contextlib.suppress(Exception):
            if app.control.ping(timeout=0.5):
                return
        time.sleep(0.2)
    raise RuntimeError("Celery worker did not answer a ping")


def _wait_accepted(url: str, count: int, timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stats = _control(url, "/_fake/stats")
        if stats["accepted"] >= count:
            return stats
        time.sleep(0.05)
    raise RuntimeError(f"gateway saw {stats['accepted']} of {count} messages")


def _direct(url: str, gateway_pid: int) -> float:
    from portal.sms.backends.solapi import SolapiClient

    client = SolapiClient(
        base_url=url, api_key=API_KEY, api_secret=API_SECRET, sender="15330301", timeout=10
    )
    gateway_cpu = _cpu_seconds(pid=gateway_pid)
    own_cpu = time.process_time()
    started = time.time()
    for i in range(MESSAGES):
        client.send(to=_phone(i), text=BODY.format(i=i), reference=f"bench-direct:{i}")
    stats = _wait_accepted(url, MESSAGES)
    client.close()
    elapsed = stats["last_accepted_at"] - started
    print(
        f"# direct: {elapsed:.1f} s; CPU: client {time.process_time() - own_cpu:.1f} s, "
        f"gateway {_cpu_seconds(pid=gateway_pid) - gateway_cpu:.1f} s",
        flush=True,
    )
    return MESSAGES / elapsed


def _dispatch(url: str, gateway_pid: int, ctx) -> float:
    from django.db import transaction

    from portal.celery import app
    from portal.sms.models import OutboxMessage, OutboxStatus
    from portal.sms.services import SmsDraft, sms_queue_many

    OutboxMessage.objects.all().delete()
    app.control.purge()  # tasks left in this Redis database by an earlier run
    drafts = [
        SmsDraft(to=_phone(i), body=BODY.format(i=i), kind="bench", idempotency_key=f"bench:{i}")
        for i in range(MESSAGES)
    ]
    env = ctx.env(
        SMS_BACKEND="portal.sms.backends.solapi.SolapiBackend",
        SMS_GATEWAY_URL=url,
        SMS_GATEWAY_API_KEY=API_KEY,
        SMS_GATEWAY_API_SECRET=API_SECRET,
        CELERY_TASK_ALWAYS_EAGER="false",
        DB_CONN_MAX_AGE="600",
    )
    with _worker(env) as worker_group:
        gateway_cpu = _cpu_seconds(pid=gateway_pid)
        worker_cpu = _cpu_seconds(group=worker_group)
        own_cpu = time.process_time()
        started = time.time()
        with transaction.atomic():
            sms_queue_many(drafts=drafts)
        queued = time.time() - started
        queue_cpu = time.process_time() - own_cpu
        stats = _wait_accepted(url, MESSAGES)
        elapsed = stats["last_accepted_at"] - started
        print(
            f"# dispatch: {elapsed:.1f} s (queueing {queued:.1f} s); CPU: queueing "
            f"{queue_cpu:.1f} s, worker {_cpu_seconds(group=worker_group) - worker_cpu:.1f} s, "
            f"gateway {_cpu_seconds(pid=gateway_pid) - gateway_cpu:.1f} s",
            flush=True,
        )
        deadline = time.monotonic() + 60
        while OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() < MESSAGES:
            if time.monotonic() > deadline:
                raise RuntimeError("rows not all marked sent")
            time.sleep(0.2)
    references = _control(url, "/_fake/references")["references"]
    if len(references) != MESSAGES or len(set(references)) != MESSAGES:
        raise RuntimeError(f"gateway took {len(references)} messages, {len(set(references))} keys")
    OutboxMessage.objects.filter(kind="bench").delete()
    return MESSAGES / elapsed


def run(ctx):
    with _gateway() as (url, gateway_pid):
        direct = _direct(url, gateway_pid)
        _control(url, "/_fake/reset", {})
        dispatch = _dispatch(url, gateway_pid, ctx)
    yield "sms_gateway_direct_per_s", direct, "msg/s"
    yield "sms_dispatch_per_s", dispatch, "msg/s"
    yield "sms_dispatch_over_direct", dispatch / direct, "ratio"
