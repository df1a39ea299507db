"""How far a confirmation in the background has come, for the page staff watch.

A confirmation writes in one transaction that holds its upload's row locked, so its
steps cannot be recorded in that row (no other connection would see them before the
end). They go to the cache (Redis in production, shared by web and worker) instead.
The upload's status in the database stays the truth: done, failed or still running;
the steps only say which part is running.
"""

import datetime as dt
import logging

from django.core.cache import cache

from portal import clock

logger = logging.getLogger(__name__)

# Longer than any confirmation runs; a finished one's steps are not read any more.
KEEP_SECONDS = 6 * 3600


def _key(kind: str, pk: int) -> str:
    return f"upload-progress:{kind}:{pk}"


def progress_note(*, kind: str, pk: int, step: int, steps: int, label: str) -> None:
    """Record that step ``step`` of ``steps`` (``label``, Korean) of an upload has begun."""
    value = {"step": step, "steps": steps, "label": label, "at": clock.now().isoformat()}
    try:
        cache.set(_key(kind, pk), value, KEEP_SECONDS)
    except Exception:  # the cache being down must not fail the write it reports on
        logger.warning("progress of %s %s not recorded", kind, pk, exc_info=True)


def progress_read(*, kind: str, pk: int) -> dict | None:
    """The last step recorded for an upload: ``{"step", "steps", "label", "at"}``."""
    try:
        return cache.get(_key(kind, pk))
    except Exception:  # the page then shows the status alone
        logger.warning("progress of %s %s not read", kind, pk, exc_info=True)
        return None


# The page of a running confirmation reloads itself this often, without script: the
# response's ``Refresh`` header (``progress_refresh``). Staff can stop it (WCAG 2.2.1,
# a time limit the user can turn off): ``?auto=0`` keeps the page still.
REFRESH_SECONDS = 3


def upload_progress_context(
    *, kind: str, pk: int, running: bool, started_at: dt.datetime | None, request=None
) -> dict:
    """What the shared progress block (``admin/upload_progress.html``) shows."""
    if not running:
        return {"progress": None, "refresh_seconds": None}
    auto = request is None or request.GET.get("auto") != "0"
    step = progress_read(kind=kind, pk=pk) or {
        "step": 0,
        "steps": 1,
        "label": "작업 서버가 시작하기를 기다리고 있습니다",
    }
    seconds = int((clock.now() - started_at).total_seconds()) if started_at else 0
    return {
        "progress": {**step, "elapsed_seconds": max(seconds, 0)},
        "refresh_seconds": REFRESH_SECONDS if auto else None,
    }


def progress_refresh(response, context: dict):
    """Give a running confirmation's page its ``Refresh`` header (see ``REFRESH_SECONDS``)."""
    if context.get("refresh_seconds"):
        response["Refresh"] = str(context["refresh_seconds"])
    return response
