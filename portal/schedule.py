"""The Celery beat schedule: every scheduled job of the portal, in one place.

Each job is a thin task that calls a domain function; each is also a management
command for ops (``JOB_COMMANDS``), so a job can be run by hand, for a given day where
the job is about a day.
"""

import datetime as dt

from celery.schedules import crontab

from portal.env import env_int

# Seoul wall times of the membership jobs (membership.md: everything turns at 04:00);
# the membership replay and the jobs' commands read them from membership.jobs.DAILY_JOBS.
MEMBERSHIP_DAILY_AT = dt.time(4, 0)
MEMBERSHIP_DORMANCY_AT = dt.time(10, 0)


def _daily(at: dt.time) -> crontab:
    return crontab(minute=at.minute, hour=at.hour)


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
    # manage.py courses_imports_sweep [--date YYYY-MM-DD]: stalled upload confirmations
    "courses-imports-sweep": {
        "task": "courses.tasks.sweep_imports",
        "schedule": crontab(minute="*/10"),
    },
    # manage.py accounts_roster_imports_sweep [--date YYYY-MM-DD]: expired roster uploads
    "accounts-roster-imports-sweep": {
        "task": "accounts.tasks.sweep_roster_imports",
        "schedule": crontab(minute="*/10"),
    },
    # manage.py membership_daily [--date YYYY-MM-DD]: 04:00 Korean time (membership.md)
    "membership-daily": {
        "task": "membership.tasks.daily_run",
        "schedule": _daily(MEMBERSHIP_DAILY_AT),
    },
    # manage.py membership_dormancy [--date YYYY-MM-DD]: dormancy notices, mid-morning
    "membership-dormancy": {
        "task": "membership.tasks.dormancy_notify",
        "schedule": _daily(MEMBERSHIP_DORMANCY_AT),
    },
}

# job name → the management command that runs the same job by hand
JOB_COMMANDS: dict[str, str] = {
    "accounts-codes-purge": "accounts_codes_purge",
    "accounts-password-reminders": "accounts_password_reminders",
    "sms-sweep": "sms_sweep",
    "courses-expire": "courses_expire",
    "courses-remind": "courses_remind",
    "courses-imports-sweep": "courses_imports_sweep",
    "accounts-roster-imports-sweep": "accounts_roster_imports_sweep",
    "membership-daily": "membership_daily",
    "membership-dormancy": "membership_dormancy",
}
