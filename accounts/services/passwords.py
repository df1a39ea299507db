"""Passwords: setting them, the 180-day prompt and the daily reminder SMS.

accounts.md, "Password rules", "Pre-provisioned accounts and first login",
"Password reset" and "180-day password reminder".
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connections, transaction
from django.db.models import F, Q

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
    user.set_password(password)
    user.password_changed_at = clock.now()
    user.password_prompt_snoozed_until = None
    user.skip_history_when_saving = True
    user.save(update_fields=["password", "password_changed_at", "password_prompt_snoozed_until"])
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


REMINDER_KIND = "password_reminder"
REMINDER_BODY = (
    "[파트너플레이스] 비밀번호를 바꾼 지 180일이 지났어요. "
    "로그인 후 비밀번호를 새로 설정해 주세요. {url}"
)


def password_reminder_due(*, now: dt.datetime) -> Q:
    """Who gets the reminder SMS at ``now``: the rule of the daily job, as one filter.

    An active partner with a phone and a usable password that is 180 days old or older
    (``ACCOUNTS_PASSWORD_MAX_AGE_DAYS``), not yet reminded since that password was set.
    """
    return (
        Q(is_active=True, phone__isnull=False, password_changed_at__lte=now - password_max_age())
        & ~Q(phone="")
        & ~Q(password__startswith=UNUSABLE_PASSWORD_PREFIX)
        & (
            Q(password_reminded_at__isnull=True)
            | Q(password_reminded_at__lt=F("password_changed_at"))
        )
    )


def password_reminders_send(*, now: dt.datetime | None = None, batch_size: int = 5000) -> int:
    """Queue one reminder SMS per partner whose password crossed 180 days.

    accounts.md, "180-day password reminder". One read of the accounts table finds the
    due partners (only their ids come back); then each batch marks its partners
    reminded and queues their SMS in one transaction. A partner gets one reminder per
    password age cycle however often, or however concurrently, the job runs. Returns
    how many SMS were queued.
    """
    now = now or clock.now()
    body = REMINDER_BODY.format(url=settings.SITE_URL + "/accounts/login/")
    due = password_reminder_due(now=now)
    ids = list(User.objects.filter(due).order_by().values_list("id", flat=True))
    return sum(
        _reminder_batch(ids=ids[start : start + batch_size], due=due, now=now, body=body)
        for start in range(0, len(ids), batch_size)
    )


@transaction.atomic
def _reminder_batch(*, ids: list[int], due: Q, now: dt.datetime, body: str) -> int:
    from portal.sms.services import SmsDraft, sms_queue_many, sms_queue_select

    update_sql, update_params = _mark_reminded_sql(ids=ids, due=due, now=now)
    if connections[User.objects.db].vendor == "postgresql":
        # One statement marks the partners and writes their SMS: no row comes back to
        # Python but the new outbox ids. The key is the one the other branch formats.
        return sms_queue_select(
            with_sql=f"WITH marked AS ({update_sql})",
            with_params=update_params,
            select_sql=(
                "SELECT phone, %s, %s, 'pw-reminder:' || id || ':'"
                " || to_char(password_changed_at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS')"
                " FROM marked"
            ),
            params=[body, REMINDER_KIND],
        )
    with connections[User.objects.db].cursor() as cursor:
        cursor.execute(update_sql, update_params)
        rows = cursor.fetchall()
    return sms_queue_many(
        drafts=[
            SmsDraft(
                to=phone,
                body=body,
                kind=REMINDER_KIND,
                idempotency_key=f"pw-reminder:{pk}:{changed:%Y%m%d%H%M%S%f}",
            )
            for pk, phone, changed in rows
        ]
    )


def user_filter_sql(condition: Q, *, connection) -> tuple[str, list]:
    """``condition`` as the SQL of a WHERE clause on the accounts table, and its
    parameters: what the ORM would send, for statements it cannot write itself."""
    query = User.objects.filter(condition).query
    where, params = query.get_compiler(connection=connection).compile(query.where)
    return where, list(params)


def _mark_reminded_sql(*, ids: list[int], due: Q, now: dt.datetime) -> tuple[str, list]:
    """The statement that records the reminder on the partners of ``ids`` the rule
    still picks, and its parameters.

    One ``UPDATE … RETURNING`` (id, phone, password_changed_at): it locks each row it
    changes, and a row that another run marked meanwhile no longer matches the rule
    once its lock is granted, so no partner is picked twice.
    """
    connection = connections[User.objects.db]
    where, params = user_filter_sql(due & Q(id__any=ids), connection=connection)
    field = User._meta.get_field("password_reminded_at")
    qn = connection.ops.quote_name
    sql = (
        f"UPDATE {qn(User._meta.db_table)} SET {qn(field.column)} = %s WHERE {where}"  # noqa: S608 (names from the model, values as parameters)
        f" RETURNING {qn('id')}, {qn('phone')}, {qn('password_changed_at')}"
    )
    return sql, [field.get_db_prep_save(now, connection), *params]
