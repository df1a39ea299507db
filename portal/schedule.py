"""The Celery beat schedule: every scheduled job of the portal, in one place.

Each job is a thin task that calls a domain function; each is also a management
command for ops (``JOB_COMMANDS``), so a job can be run by hand, for a given day where
the job is about a day.
"""

from celery.schedules import crontab

from portal.env import env_int

BEAT_SCHEDULE: dict[str, dict] = {
    # manage.py accounts_codes_purge [--date YYYY-MM-DD]: at night
    "accounts-codes-purge": {
        "task": "accounts.tasks.purge_codes",
        "schedule": crontab(minute=20, hour=3),
    },
    # manage.py accounts_password_reminders [--date YYYY-MM-DD]: mornings, Korean time
    "accounts-password-reminders": {
        "task": "accounts.tasks.send_password_reminders",
        "schedule": crontab(minute=30, hour=10),
    },
    # manage.py sms_sweep (SMS_SWEEP_EVERY_SECONDS: shorter in the production-shape check)
    "sms-sweep": {
        "task": "portal.sms.tasks.sweep_outbox",
        "schedule": float(env_int("SMS_SWEEP_EVERY_SECONDS", 60)),
    },
    # manage.py courses_expire [--date YYYY-MM-DD]: after midnight, Korean time
    "courses-expire": {
        "task": "courses.tasks.expire_enrollments",
        "schedule": crontab(minute=5, hour=0),
    },
    # manage.py courses_remind [--date YYYY-MM-DD]: in the morning, not at midnight
    "courses-remind": {
        "task": "courses.tasks.send_reminders",
        "schedule": crontab(minute=0, hour=9),
    },
    # manage.py membership_daily [--date YYYY-MM-DD]: 04:00 Korean time (membership.md)
    "membership-daily": {
        "task": "membership.tasks.daily_run",
        "schedule": crontab(minute=0, hour=4),
    },
    # manage.py membership_dormancy [--date YYYY-MM-DD]: dormancy notices, mid-morning
    "membership-dormancy": {
        "task": "membership.tasks.dormancy_notify",
        "schedule": crontab(minute=0, hour=10),
    },
}

# job name → the management command that runs the same job by hand
JOB_COMMANDS: dict[str, str] = {
    "accounts-codes-purge": "accounts_codes_purge",
    "accounts-password-reminders": "accounts_password_reminders",
    "sms-sweep": "sms_sweep",
    "courses-expire": "courses_expire",
    "courses-remind": "courses_remind",
    "membership-daily": "membership_daily",
    "membership-dormancy": "membership_dormancy",
}
