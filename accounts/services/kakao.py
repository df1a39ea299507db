"""Matching a Kakao account to a partner (accounts.md, "Log in with Kakao").

1. already linked → logged in (allauth does that before we are asked);
2. exactly one partner matches name, birth date and phone → link and log in; when
   Kakao did not give the name or a solar birth date, the partner types them first;
3. the phone is on the roster (no account yet) → prefilled sign-up;
4. otherwise refused, each case with its own next step: no phone from Kakao, a phone
   that is not on the roster, or a partial match.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum

from django.core.exceptions import ValidationError

from accounts.models import RosterEntry, User
from accounts.phone import normalize_phone


class KakaoOutcome(enum.Enum):
    LINK = "link"
    CONFIRM = "confirm"
    SIGNUP = "signup"
    NO_PHONE = "no_phone"
    NOT_ON_ROSTER = "not_on_roster"
    MISMATCH = "mismatch"


REFUSALS = frozenset({KakaoOutcome.NO_PHONE, KakaoOutcome.NOT_ON_ROSTER, KakaoOutcome.MISMATCH})


@dataclasses.dataclass(frozen=True)
class KakaoProfile:
    name: str = ""
    phone: str = ""
    birth_date: dt.date | None = None
    # Kakao gave a lunar birthday: it is neither matched nor prefilled as a solar date.
    lunar_birthday: bool = False

    def confirmed(self, *, name: str = "", birth_date: dt.date | None = None) -> KakaoProfile:
        """This profile with what the partner typed where Kakao gave nothing usable."""
        return dataclasses.replace(
            self,
            name=self.name or name,
            birth_date=self.birth_date or birth_date,
        )


@dataclasses.dataclass(frozen=True)
class KakaoMatch:
    outcome: KakaoOutcome
    user: User | None = None
    roster_entry: RosterEntry | None = None
    # For CONFIRM: what the partner must type (``name``, ``birth_date``).
    missing: tuple[str, ...] = ()


def kakao_profile(extra_data: dict) -> KakaoProfile:
    """What Kakao gave: name, phone_number, birthyear and birthday (MMDD, with
    ``birthday_type`` SOLAR or LUNAR). Items the partner did not agree to are absent."""
    account = extra_data.get("kakao_account") or {}
    if not isinstance(account, dict):
        account = {}
    name = str(account.get("name") or "").strip()
    try:
        phone = normalize_phone(str(account.get("phone_number") or ""))
    except ValidationError:
        phone = ""
    lunar = str(account.get("birthday_type") or "SOLAR").upper() == "LUNAR"
    birth_date = None
    year, monthday = str(account.get("birthyear") or ""), str(account.get("birthday") or "")
    if not lunar and len(year) == 4 and len(monthday) == 4 and (year + monthday).isdigit():
        try:
            birth_date = dt.date(int(year), int(monthday[:2]), int(monthday[2:]))
        except ValueError:
            birth_date = None
    return KakaoProfile(name=name[:50], phone=phone, birth_date=birth_date, lunar_birthday=lunar)


def _same_name(a: str, b: str) -> bool:
    return a.replace(" ", "") == b.replace(" ", "")


def kakao_match(*, profile: KakaoProfile) -> KakaoMatch:
    """Decide outcome 2, 3 or 4 for a Kakao account not linked yet."""
    if not profile.phone:
        return KakaoMatch(KakaoOutcome.NO_PHONE)
    user = User.objects.filter(phone=profile.phone, is_active=True).first()
    if user is not None:
        if profile.name and not _same_name(user.name, profile.name):
            return KakaoMatch(KakaoOutcome.MISMATCH)
        if profile.birth_date and user.birth_date != profile.birth_date:
            return KakaoMatch(KakaoOutcome.MISMATCH)
        missing = tuple(
            field
            for field, value in (("name", profile.name), ("birth_date", profile.birth_date))
            if not value
        )
        if missing:
            return KakaoMatch(KakaoOutcome.CONFIRM, user=user, missing=missing)
        return KakaoMatch(KakaoOutcome.LINK, user=user)
    entry = RosterEntry.objects.filter(phone=profile.phone, user__isnull=True).first()
    if entry is None:
        return KakaoMatch(KakaoOutcome.NOT_ON_ROSTER)
    if profile.name and not _same_name(entry.name, profile.name):
        return KakaoMatch(KakaoOutcome.MISMATCH)
    if profile.birth_date and entry.birth_date != profile.birth_date:
        return KakaoMatch(KakaoOutcome.MISMATCH)
    return KakaoMatch(KakaoOutcome.SIGNUP, roster_entry=entry)
