"""Reads for account pages (one query per thing shown)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import lru_cache

import holidays

from accounts.models import AccessRequest, AccessRequestStatus, RosterEntry, Service, User
from portal import clock

GUIDE_CENTRE_OPENS = dt.time(8, 0)
GUIDE_CENTRE_CLOSES = dt.time(17, 0)


@dataclasses.dataclass(frozen=True)
class ServiceBadge:
    service: Service
    member: bool
    pending: bool
    # The latest request for the service was turned down: 반려됨, with staff's reason.
    rejected: bool = False
    rejected_reason: str = ""


def member_services(*, user: User) -> list[ServiceBadge]:
    """Every service of the catalogue with a 정회원 badge only where the partner is in,
    and the state of the partner's latest access request for each of the others.

    Three queries: the catalogue, the partner's services, their access requests.
    """
    catalogue = list(Service.objects.all())
    member_ids = set(
        RosterEntry.services.through.objects.filter(rosterentry__user=user).values_list(
            "service_id", flat=True
        )
    )
    latest: dict[int, tuple[str, str]] = {}
    requests = (
        AccessRequest.objects.filter(user=user)
        .order_by("-created_at", "-pk")
        .values_list("service_id", "status", "rejection_reason")
    )
    for service_id, status, reason in requests:
        latest.setdefault(service_id, (status, reason))
    badges = []
    for s in catalogue:
        status, reason = latest.get(s.id, ("", ""))
        rejected = status == AccessRequestStatus.REJECTED
        badges.append(
            ServiceBadge(
                service=s,
                member=s.id in member_ids,
                pending=status == AccessRequestStatus.PENDING,
                rejected=rejected,
                rejected_reason=reason.strip() if rejected else "",
            )
        )
    return badges


def member_roster_entry(*, user: User) -> RosterEntry | None:
    return (
        RosterEntry.objects.filter(user=user)
        .select_related(
            "transport_company",
            "transport_company__franchise_office",
            "transport_company__regional_hq",
        )
        .first()
    )


@lru_cache(maxsize=8)
def _korean_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("KR", years=year)


@dataclasses.dataclass(frozen=True)
class CentreStatus:
    open_now: bool
    reason: str


def guide_centre_status(*, now: dt.datetime | None = None) -> CentreStatus:
    """Whether the guide centre answers now: weekdays 08:00–17:00, holidays closed."""
    now = clock.aware(now) if now else clock.now()
    day = now.date()
    if day in _korean_holidays(day.year):
        name = _korean_holidays(day.year).get(day)
        return CentreStatus(False, f"오늘은 공휴일({name})이라 쉽니다.")
    if day.weekday() >= 5:
        return CentreStatus(False, "주말에는 쉽니다. 평일 오전 8시부터 전화해 주세요.")
    if now.time() < GUIDE_CENTRE_OPENS:
        return CentreStatus(False, "아직 상담 시간 전이에요. 오전 8시부터 전화해 주세요.")
    if now.time() >= GUIDE_CENTRE_CLOSES:
        return CentreStatus(False, "오늘 상담은 끝났어요. 다음 평일 오전 8시부터 전화해 주세요.")
    return CentreStatus(True, "지금 상담할 수 있어요 (오후 5시까지).")
