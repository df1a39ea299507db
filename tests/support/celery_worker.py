"""A real ``celery -A portal worker`` for integration tests, and the broker it listens to.

Use with ``@pytest.mark.django_db(transaction=True)`` and ``@pytest.mark.celery_worker``.
The simple case is the ``celery_worker`` fixture (one worker, private Redis). For more
control (stop Redis, kill a worker and start another)::

    def test_x(celery_workers, redis_server):
        with use_broker(redis_server.url):
            worker = celery_workers.start(broker_url=redis_server.url)
            ...
            worker.kill()                     # SIGKILL, the whole process group
            celery_workers.start(broker_url=redis_server.url)

The worker runs against the test database (the SQLite test file, or the PostgreSQL test
database) with whatever extra environment the test gives it (SMS backend, gateway URL).
``use_broker`` points this process's Celery app at the same broker (and back after),
with no task run eagerly; ``eager_tasks`` makes tasks run in-process instead.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 40


def test_database_url() -> str:
    """DATABASE_URL of the database the tests are using right now."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        user = quote(db.get("USER") or "postgres")
        password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"
    raise RuntimeError(f"no worker support for {db['ENGINE']}")


def _reset_pools(app) -> None:
    """Forget every cached broker connection and producer (kombu keeps them globally)."""
    from kombu import pools

    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    pools.reset()


@contextlib.contextmanager
def _app_config(**changes) -> Iterator[None]:
    from portal.celery import app

    saved = {key: app.conf[key] for key in changes}
    _reset_pools(app)
    app.conf.update(changes)
    try:
        yield
    finally:
        _reset_pools(app)
        app.conf.update(saved)


def use_broker(url: str):
    """This process publishes tasks to ``url`` (no eager runs) until the block ends."""
    return _app_config(broker_url=url, broker_write_url=None, task_always_eager=False)


def eager_tasks():
    """Tasks run in-process when queued, whatever REDIS_URL says (unit tests)."""
    return _app_config(task_always_eager=True)


class CeleryWorker:
    """One worker process group; ``kill`` is a SIGKILL to all of it, mid-task or not."""

    def __init__(self, *, broker_url: str, env: dict[str, str], concurrency: int) -> None:
        self.name = f"test-{uuid.uuid4().hex[:8]}@%h"
        self.broker_url = broker_url
        self.log_path = Path(tempfile.mkstemp(prefix="celery-worker-", suffix=".log")[1])
        # Unless the test says otherwise, the worker's SMS go to a file of its own.
        self.sms_file = self.log_path.with_suffix(".sms.jsonl")
        child_env = dict(os.environ)
        child_env.update(
            DATABASE_URL=test_database_url(),
            REDIS_URL=broker_url,
            CELERY_TASK_ALWAYS_EAGER="false",
            DJANGO_SETTINGS_MODULE="portal.settings",
            PYTHONUNBUFFERED="1",
            SMS_BACKEND="portal.sms.backends.file.FileBackend",
            SMS_FILE_PATH=str(self.sms_file),
        )
        child_env.update(env)
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={concurrency}",
                "--pool=prefork",
                "--hostname",
                self.name,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=child_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> CeleryWorker:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Celery worker exited early:\n{self.log()[-4000:]}")
            if " ready." in self.log():
                return self
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"Celery worker not ready in {timeout}s:\n{self.log()[-4000:]}")

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once (no shutdown, no acks)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()

    def stop(self) -> None:
        """A warm shutdown (SIGTERM), falling back to SIGKILL."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self._log.close()


class CeleryWorkers:
    """Starts workers for one test and makes sure none outlives it."""

    def __init__(self) -> None:
        self.started: list[CeleryWorker] = []

    def start(
        self, *, broker_url: str, env: dict[str, str] | None = None, concurrency: int = 2
    ) -> CeleryWorker:
        worker = CeleryWorker(broker_url=broker_url, env=env or {}, concurrency=concurrency)
        self.started.append(worker)
        return worker.wait_ready()

    def close(self) -> None:
        for worker in self.started:
            worker.kill()
            for path in (worker.log_path, worker.sms_file):
                with contextlib.suppress(OSError):
                    path.unlink()


@pytest.fixture
def celery_workers() -> Iterator[CeleryWorkers]:
    """Start real workers with ``celery_workers.start(broker_url=...)``; all die at the end."""
    workers = CeleryWorkers()
    try:
        yield workers
    finally:
        workers.close()


@pytest.fixture
def celery_worker() -> Iterator[CeleryWorker]:
    """One running worker on a private Redis, with this process publishing there.

    The simple case: ``from tests.support.celery_worker import celery_worker`` and ask
    for it in a ``django_db(transaction=True)`` + ``celery_worker`` test. Its SMS go to
    ``celery_worker.sms_file`` (JSON lines).
    """
    from tests.support.redis_server import RedisServer
    from tests.support.services import redis_server_binary, require

    binary = redis_server_binary()
    require(binary is not None, "needs the redis-server binary")
    server = RedisServer(binary).start()
    workers = CeleryWorkers()
    try:
        with use_broker(server.url):
            yield workers.start(broker_url=server.url)
    finally:
        workers.close()
        server.close()
