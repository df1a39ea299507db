"""Liveness (``/healthz``) and readiness (``/readyz``) for probes and the proxy.

Both are answered by the first middleware, before host validation and the TLS
redirect: a probe calls the container on 127.0.0.1 over plain HTTP, which is neither an
allowed host nor https. Nothing else is answered there, and neither answer reads
anything from the request. See docs/operations.md, "Health".

- ``/healthz``: the process serves requests. No database, no Redis.
- ``/readyz``: 200 when the database answers, every migration is applied and the
  broker (Redis) answers; 503 with the failing check otherwise. It also reports the
  jobs that missed their schedule (``portal.jobs.jobs_missed``) and the outbox
  messages that are stuck, and answers 503 for those as well: they need ops too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

NO_STORE = "no-store"


def _database() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


_migrations_applied = False


def _migrations() -> str:
    # Once every migration is applied, this process's code cannot gain a new one.
    global _migrations_applied
    if not _migrations_applied:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            return f"{len(plan)} not applied"
        _migrations_applied = True
    return "ok"


def _broker() -> str:
    from portal.celery import app

    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def _jobs() -> str:
    from portal.jobs import jobs_missed

    missed = jobs_missed()
    return f"missed: {', '.join(missed)}" if missed else "ok"


def _outbox() -> str:
    from portal.sms.selectors import outbox_stuck_count

    stuck = outbox_stuck_count()
    return f"{stuck} stuck" if stuck else "ok"


CHECKS: dict[str, Callable[[], str]] = {
    "database": _database,
    "migrations": _migrations,
    "broker": _broker,
    "jobs": _jobs,
    "outbox": _outbox,
}
# The checks after these read tables; without a database they cannot answer.
NEEDS_DATABASE = {"migrations", "jobs", "outbox"}


def readiness() -> dict[str, str]:
    """Each check's result: ``"ok"`` or what is wrong."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name in NEEDS_DATABASE and results.get("database") != "ok":
            results[name] = "skipped: no database"
            continue
        try:
            results[name] = check()
        except Exception as exc:  # any failure is the answer, never a 500
            logger.warning("readiness check %s failed: %s", name, exc)
            results[name] = f"error: {type(exc).__name__}"
    return results


def healthz() -> HttpResponse:
    response = HttpResponse("ok", content_type="text/plain")
    response["Cache-Control"] = NO_STORE
    return response


def readyz() -> HttpResponse:
    results = readiness()
    ready = all(value == "ok" for value in results.values())
    response = HttpResponse(
        json.dumps({"ready": ready, "checks": results}),
        status=200 if ready else 503,
        content_type="application/json",
    )
    response["Cache-Control"] = NO_STORE
    return response


ANSWERS: dict[str, Callable[[], HttpResponse]] = {"/healthz": healthz, "/readyz": readyz}


class HealthMiddleware:
    """First in MIDDLEWARE: answers the two probe addresses (GET or HEAD) at once."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        answer = ANSWERS.get(request.path_info)
        if answer is not None and request.method in {"GET", "HEAD"}:
            return answer()
        return self.get_response(request)
