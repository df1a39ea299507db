"""Passwords: setting them, the 180-day prompt and the daily reminder SMS.

accounts.md, "Password rules", "Pre-provisioned accounts and first login",
"Password reset" and "180-day password reminder".
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from accounts.models import User
from portal import clock


def password_max_age() -> dt.timedelta:
    return dt.timedelta(days=settings.ACCOUNTS_PASSWORD_MAX_AGE_DAYS)


@transaction.atomic
def password_set(*, user: User, password: str, reason: str = "") -> User:
    """Give ``user`` a new password and start a new password age cycle.

    Every other session of the user ends: Django ties sessions to the password hash.
    The reminder SMS for this password falls due when it is 180 days old.
    """
    now = clock.now()
    user.set_password(password)
    user.password_changed_at = now
    user.password_prompt_snoozed_until = None
    user.password_reminder_due_at = now + password_max_age()
    user.skip_history_when_saving = True
    user.save(
        update_fields=[
            "password",
            "password_changed_at",
            "password_prompt_snoozed_until",
            "password_reminder_due_at",
        ]
    )
    return user


def password_prompt_due(*, user: User, now: dt.datetime | None = None) -> bool:
    """True when the 180-day prompt should show after login (never blocks the portal)."""
    if not user.is_authenticated or not user.has_usable_password():
        return False
    if user.password_changed_at is None:
        return False
    now = now or clock.now()
    if user.password_changed_at > now - password_max_age():
        return False
    snoozed = user.password_prompt_snoozed_until
    return snoozed is None or snoozed <= now


@transaction.atomic
def password_prompt_postpone(*, user: User) -> dt.datetime:
    """다음에 변경하기: keep the prompt away for the configured number of days."""
    until = clock.now() + dt.timedelta(days=settings.ACCOUNTS_PASSWORD_PROMPT_POSTPONE_DAYS)
    User.objects.filter(pk=user.pk).update(password_prompt_snoozed_until=until)
    user.password_prompt_snoozed_until = until
    return until


REMINDER_BODY = (
    "[파트너플레이스] 비밀번호를 바꾼 지 180일이 지났어요. "
    "로그인 후 비밀번호를 새로 설정해 주세요. {url}"
)


def password_reminders_send(*, now: dt.datetime | None = None, batch_size: int = 5000) -> int:
    """Queue one reminder SMS per partner whose password crossed 180 days.

    accounts.md, "180-day password reminder". Set-based and batched: each batch takes
    the next due rows by index (skipping rows another sweep holds), queues their SMS
    and clears their due time in one transaction, so a partner gets one reminder per
    password age cycle however often the job runs. Returns how many SMS were queued.
    """
    now = now or clock.now()
    url = settings.SITE_URL + "/accounts/login/"
    body = REMINDER_BODY.format(url=url)
    total = 0
    while True:
        queued, taken = _reminder_batch(now=now, batch_size=batch_size, body=body)
        total += queued
        if taken < batch_size:
            return total


@transaction.atomic
def _reminder_batch(*, now: dt.datetime, batch_size: int, body: str) -> tuple[int, int]:
    from portal.sms.services import SmsDraft, sms_queue_many

    rows = list(
        User.objects.select_for_update(skip_locked=True)
        .filter(password_reminder_due_at__lte=now)
        .order_by("password_reminder_due_at", "id")
        .values_list("id", "phone", "is_active", "password_reminder_due_at")[:batch_size]
    )
    if not rows:
        return 0, 0
    drafts = [
        SmsDraft(
            to=phone,
            body=body,
            kind="password_reminder",
            idempotency_key=f"pw-reminder:{pk}:{due:%Y%m%d%H%M%S%f}",
        )
        for pk, phone, active, due in rows
        if phone and active
    ]
    queued = sms_queue_many(drafts=drafts) if drafts else 0
    User.objects.filter(id__in=[row[0] for row in rows]).update(password_reminder_due_at=None)
    return queued, len(rows)
