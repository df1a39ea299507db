"""The Celery beat schedule: every scheduled job of the portal, in one place.

Each job is a thin task that calls a domain function; each is also a management
command for ops (named in the comment), so a job can be run by hand for a given day.
"""

BEAT_SCHEDULE: dict[str, dict] = {
    # manage.py sms_sweep
    "sms-sweep": {
        "task": "portal.sms.tasks.sweep_outbox",
        "schedule": 60.0,
    },
}
