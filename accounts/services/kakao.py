"""Matching a Kakao account to a partner (accounts.md, "Log in with Kakao").

1. already linked → logged in (allauth does that before we are asked);
2. exactly one partner matches name, birth date and phone → link and log in;
3. the phone is on the roster (no account yet) → prefilled sign-up;
4. anything else, or a partial match → refused, with the guide centre's contact.
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
    SIGNUP = "signup"
    REFUSE = "refuse"


@dataclasses.dataclass(frozen=True)
class KakaoProfile:
    name: str = ""
    phone: str = ""
    birth_date: dt.date | None = None


@dataclasses.dataclass(frozen=True)
class KakaoMatch:
    outcome: KakaoOutcome
    user: User | None = None
    roster_entry: RosterEntry | None = None


def kakao_profile(extra_data: dict) -> KakaoProfile:
    """What Kakao told us (name, phone_number, birthyear, birthday as MMDD)."""
    account = extra_data.get("kakao_account") or {}
    if not isinstance(account, dict):
        account = {}
    name = str(account.get("name") or "").strip()
    phone = ""
    try:
        phone = normalize_phone(str(account.get("phone_number") or ""))
    except ValidationError:
        phone = ""
    birth_date = None
    year, monthday = str(account.get("birthyear") or ""), str(account.get("birthday") or "")
    if len(year) == 4 and len(monthday) == 4 and (year + monthday).isdigit():
        try:
            birth_date = dt.date(int(year), int(monthday[:2]), int(monthday[2:]))
        except ValueError:
            birth_date = None
    return KakaoProfile(name=name[:50], phone=phone, birth_date=birth_date)


def _same_name(a: str, b: str) -> bool:
    return a.replace(" ", "") == b.replace(" ", "")


def kakao_match(*, profile: KakaoProfile) -> KakaoMatch:
    """Decide outcome 2, 3 or 4 for a Kakao account not linked yet."""
    if not profile.phone:
        return KakaoMatch(KakaoOutcome.REFUSE)
    user = User.objects.filter(phone=profile.phone, is_active=True).first()
    if user is not None:
        if (
            profile.name
            and profile.birth_date
            and _same_name(user.name, profile.name)
            and user.birth_date == profile.birth_date
        ):
            return KakaoMatch(KakaoOutcome.LINK, user=user)
        return KakaoMatch(KakaoOutcome.REFUSE)
    entry = RosterEntry.objects.filter(phone=profile.phone, user__isnull=True).first()
    if entry is None:
        return KakaoMatch(KakaoOutcome.REFUSE)
    if profile.name and not _same_name(entry.name, profile.name):
        return KakaoMatch(KakaoOutcome.REFUSE)
    if profile.birth_date and entry.birth_date != profile.birth_date:
        return KakaoMatch(KakaoOutcome.REFUSE)
    return KakaoMatch(KakaoOutcome.SIGNUP, roster_entry=entry)
