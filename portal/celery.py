import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["portal.sms"])


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
