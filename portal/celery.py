import logging.config
import os
import time

from celery import Celery
from celery.signals import setup_logging, task_postrun, task_prerun, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["portal.sms"])

logger = logging.getLogger(__name__)


def worker_warm_up() -> None:
    """Load what a worker's first task would otherwise load while it runs: the task
    registry (the app finalized) and the URLconf with every view module and its compiled
    patterns (jobs write links into their SMS)."""
    from django.urls import get_resolver

    app.finalize(auto=True)
    _resolver_warm_up(get_resolver())


def _resolver_warm_up(resolver) -> None:
    # What the first reverse() in each namespace would do: compile its patterns.
    resolver.reverse_dict  # noqa: B018
    for _prefix, namespace in resolver.namespace_dict.values():
        _resolver_warm_up(namespace)


@worker_process_init.connect
def _warm_up_worker_process(**kwargs) -> None:
    worker_warm_up()


@setup_logging.connect
def _logging_from_settings(**kwargs) -> None:
    # The worker and beat log as the web does (LOGGING: JSON lines in production).
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


# The scheduled jobs' record (portal/jobs.py): when each starts and how it ends. Task id
# → its job and start time, in the worker process that runs it.
_running: dict[str, tuple[str, float]] = {}


@task_prerun.connect
def _task_started(task_id=None, task=None, **kwargs) -> None:
    from portal.jobs import job_for_task, job_started
    from portal.logs import request_id_var

    request_id_var.set(task_id or "")
    job = job_for_task(task.name)
    if job is None:
        return
    _running[task_id] = (job, time.monotonic())
    try:
        job_started(job=job, task_id=task_id)
    except Exception:
        logger.exception("could not record the start of job %s", job)


@task_postrun.connect
def _task_finished(task_id=None, state=None, retval=None, **kwargs) -> None:
    from portal.jobs import job_finished
    from portal.logs import request_id_var

    request_id_var.set("")
    started = _running.pop(task_id, None)
    if started is None:
        return
    job, since = started
    error = None if state == "SUCCESS" else f"{state}: {retval!r}"
    try:
        job_finished(job=job, task_id=task_id, duration=time.monotonic() - since, error=error)
    except Exception:
        logger.exception("could not record the end of job %s", job)
