"""Accounts created by staff: pre-provisioned (필수 교육 대상자) and forced (강제 가입).

accounts.md, "Pre-provisioned accounts and first login" and "Staff".
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from accounts.models import RosterEntry, User
from accounts.services.passwords import password_max_age, password_set
from portal import clock


def first_login_url() -> str:
    """The absolute address of the password set-up page, for SMS bodies."""
    return settings.SITE_URL + reverse("accounts:password_set")


def _user_from_roster(entry: RosterEntry) -> User:
    return User(
        username=entry.phone,
        phone=entry.phone,
        name=entry.name,
        birth_date=entry.birth_date,
        qualification_no=entry.qualification_no,
        driver_type=entry.driver_type,
    )


@transaction.atomic
def account_preprovision(*, roster_entry: RosterEntry) -> tuple[User, bool]:
    """Make sure the driver on ``roster_entry`` has an account; return (user, created).

    A new account has no usable password: its first login sets one (the set-up page at
    ``first_login_url()``). The caller writes the SMS that carries the ID and the link.
    """
    entry = RosterEntry.objects.select_for_update().get(pk=roster_entry.pk)
    if entry.user_id:
        return entry.user, False
    existing = User.objects.filter(phone=entry.phone).first()
    if existing is not None:
        entry.user = existing
        entry.save(update_fields=["user"])
        return existing, False
    user = _user_from_roster(entry)
    user.set_unusable_password()
    user.provisioned_at = clock.now()
    user.save()
    entry.user = user
    entry.save(update_fields=["user"])
    return user, True


@transaction.atomic
def account_force_register(*, roster_entry: RosterEntry, password: str, staff: User) -> User:
    """강제 가입: staff create the account for a driver who cannot use their own phone.

    Staff hand over the ID and this first password; the 180-day prompt asks the
    partner to choose their own at their first login (it never blocks).
    """
    entry = RosterEntry.objects.select_for_update().get(pk=roster_entry.pk)
    user = entry.user or User.objects.filter(phone=entry.phone).first()
    if user is None:
        user = _user_from_roster(entry)
        user.provisioned_at = clock.now()
        user._change_reason = f"강제 가입 ({staff.get_username()})"
        user.save()
    if entry.user_id != user.pk:
        entry.user = user
        entry.save(update_fields=["user"])
    password_set(user=user, password=password)
    now = clock.now()
    User.objects.filter(pk=user.pk).update(
        password_changed_at=now - password_max_age() - dt.timedelta(seconds=1),
        password_reminder_due_at=None,
    )
    user.refresh_from_db()
    return user
