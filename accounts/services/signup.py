"""Sign-up (회원가입) for drivers on the roster, by phone code or through Kakao.

accounts.md, "Sign-up" and "Log in with Kakao".
"""

from __future__ import annotations

from django.db import transaction

from accounts.models import RosterEntry, User
from accounts.services.codes import code_consume
from accounts.services.passwords import password_set


class SignupRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def roster_match(*, phone: str, name: str, birth_date) -> RosterEntry | None:
    """The roster entry matching all three of phone, name and birth date."""
    entry = RosterEntry.objects.filter(phone=phone).first()
    if entry is None or entry.birth_date != birth_date:
        return None
    if entry.name.replace(" ", "") != (name or "").replace(" ", ""):
        return None
    return entry


@transaction.atomic
def account_signup(
    *, roster_entry: RosterEntry, password: str | None, code_id: int | None = None
) -> User:
    """Create the partner's account from their roster entry (accounts.md, "Sign-up").

    ``code_id`` is the SMS code already checked by the form, used up here; a Kakao
    sign-up has none (Kakao gave the phone). Without ``password`` the account has only
    the Kakao login.
    """
    if code_id is not None and not code_consume(code_id=code_id):
        raise SignupRefused("code")
    entry = RosterEntry.objects.select_for_update().get(pk=roster_entry.pk)
    if entry.user_id or User.objects.filter(phone=entry.phone).exists():
        raise SignupRefused("exists")
    user = User(
        username=entry.phone,
        phone=entry.phone,
        name=entry.name,
        birth_date=entry.birth_date,
        qualification_no=entry.qualification_no,
        driver_type=entry.driver_type,
    )
    user.set_unusable_password()
    user.save()
    entry.user = user
    entry.save(update_fields=["user"])
    if password:
        password_set(user=user, password=password)
    return user
