"""Reads of the pro-membership ledger (membership.md)."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from membership.models import (
    OPEN_STATUSES,
    Account,
    AttemptResult,
    ChargeAttempt,
    EndReason,
    JournalEntry,
    Payback,
    Period,
    Rating,
    Refund,
    Subscription,
    Usage,
)


def account_is_withdrawn(*, user) -> bool:
    """True once the partner deleted the portal account (accounts.md, "Withdrawal")."""
    if hasattr(user, "withdrawn_at"):
        return user.withdrawn_at is not None
    return not user.is_active


def subscription_latest(*, user, for_update: bool = False) -> Subscription | None:
    qs = Subscription.objects.filter(user=user).order_by("-joined_at", "-id")
    if for_update:
        qs = qs.select_for_update()
    return qs.first()


def subscription_open(*, user, for_update: bool = False) -> Subscription | None:
    qs = Subscription.objects.filter(user=user, status__in=OPEN_STATUSES)
    if for_update:
        qs = qs.select_for_update()
    return qs.first()


def rating_at(*, user_id: int, at: dt.datetime) -> Decimal | None:
    """The driver's latest monthly average in force at ``at`` (None: no rating)."""
    row = (
        Rating.objects.filter(user_id=user_id, effective_at__lte=at)
        .order_by("-effective_at", "-id")
        .values_list("value", flat=True)
        .first()
    )
    return row


def ratings_at(*, user_ids: Iterable[int], at: dt.datetime) -> dict[int, Decimal | None]:
    """``rating_at`` for many drivers in one query."""
    ids = list(user_ids)
    out: dict[int, Decimal | None] = {}
    rows = (
        Rating.objects.filter(user_id__in=ids, effective_at__lte=at)
        .order_by("user_id", "effective_at", "id")
        .values_list("user_id", "value")
    )
    for user_id, value in rows:
        out[user_id] = value  # the last row per user wins
    return out


def rating_subquery(*, at: dt.datetime, user_ref: str = "user_id"):
    """``rating_at`` as a correlated subquery, to read it along with many rows."""
    from django.db.models import OuterRef, Subquery

    return Subquery(
        Rating.objects.filter(user_id=OuterRef(user_ref), effective_at__lte=at)
        .order_by("-effective_at", "-id")
        .values("value")[:1]
    )


def charge_refunded_total(*, charge_id: int) -> int:
    return Refund.objects.filter(charge_id=charge_id).aggregate(s=Sum("amount"))["s"] or 0


def charge_latest_approved(*, user) -> ChargeAttempt | None:
    return (
        ChargeAttempt.objects.filter(user=user, result=AttemptResult.APPROVED)
        .order_by("-at", "-id")
        .first()
    )


def account_balance_for_charge(*, charge_id: int, account: str) -> int:
    return (
        JournalEntry.objects.filter(transaction__charge_id=charge_id, account=account).aggregate(
            s=Sum("amount")
        )["s"]
        or 0
    )


def points_balance(*, user) -> int:
    """Every point entry of the partner summed (paybacks, clawbacks, refunds as points)."""
    return (
        JournalEntry.objects.filter(user=user, account=Account.PARTNER_POINTS).aggregate(
            s=Sum("amount")
        )["s"]
        or 0
    )


def payback_live(*, qualification_no: str) -> Payback | None:
    """The first-month payback this qualification number holds (not clawed back)."""
    return Payback.objects.filter(qualification_no=qualification_no, clawback__isnull=True).first()


def payback_generation(*, qualification_no: str) -> int:
    return Payback.objects.filter(qualification_no=qualification_no, clawback__isnull=False).count()


def periods_paid(*, user) -> list[Period]:
    """Every paid period as billed, in order, without the periods of a subscription
    ended by a cooling-off withdrawal (membership.md, replay output ``periods``).

    The withdrawal undoes the join as if it never started, whatever staff had refunded
    of the charge before: the subscription's end reason decides, not the refunds.
    """
    paid = ChargeAttempt.objects.filter(user=user, result=AttemptResult.APPROVED).values(
        "period_id"
    )
    return list(
        Period.objects.filter(pk__in=paid)
        .exclude(subscription__end_reason=EndReason.WITHDRAWN)
        .order_by("start", "id")
    )


def duty_on_since(*, user_id: int, since: dt.datetime) -> bool:
    return Usage.objects.filter(user_id=user_id, kind=Usage.Kind.DUTY_ON, at__gte=since).exists()


@dataclass
class PointLine:
    at: dt.datetime
    amount: int
    kind: str
    kind_label: str


@dataclass
class MembershipHistory:
    subscriptions: list
    attempts: list
    periods: list
    refunds: list
    points: list[PointLine]

    @property
    def points_balance(self) -> int:
        return sum(line.amount for line in self.points)

    @property
    def is_empty(self) -> bool:
        return not (self.subscriptions or self.attempts or self.points)


def membership_history(*, user) -> MembershipHistory:
    """The partner's own membership history for the read-only page, in five queries:
    subscriptions, attempts, paid periods, refunds, point entries."""
    from membership.models import TxnKind

    labels = dict(TxnKind.choices)
    entries = (
        JournalEntry.objects.filter(user=user, account=Account.PARTNER_POINTS)
        .select_related("transaction")
        .order_by("transaction__at", "id")
    )
    return MembershipHistory(
        subscriptions=list(Subscription.objects.filter(user=user).order_by("-joined_at", "-id")),
        attempts=list(ChargeAttempt.objects.filter(user=user).order_by("-at", "-id")),
        periods=periods_paid(user=user)[::-1],
        refunds=list(Refund.objects.filter(user=user).order_by("-at", "-id")),
        points=[
            PointLine(
                at=e.transaction.at,
                amount=e.amount,
                kind=e.transaction.kind,
                kind_label=labels.get(e.transaction.kind, e.transaction.kind),
            )
            for e in entries
        ][::-1],
    )


@dataclass
class TimelineRow:
    at: dt.datetime | dt.date
    what: str
    detail: str
    reason: str = ""
    actor: str = ""
    ticket: str = ""
    account: str = ""

    @property
    def sort_key(self):
        from portal import clock

        if isinstance(self.at, dt.datetime):
            return clock.aware(self.at)
        return clock.at(self.at)


def staff_timeline(*, qualification_no: str) -> list[TimelineRow]:
    """Everything the ledger holds for one person (every account with this qualification
    number), in time order, with the reason for each row (staff look-up)."""
    from membership.models import SubscriptionEvent, TxnKind

    subs = list(
        Subscription.objects.filter(qualification_no=qualification_no).select_related("user")
    )
    users = {s.user_id: s.user for s in subs}
    user_ids = list(users) or [0]
    name = {uid: (u.name or u.get_username()) for uid, u in users.items()}
    rows: list[TimelineRow] = []
    for event in SubscriptionEvent.objects.filter(subscription__in=subs).select_related(
        "actor", "subscription"
    ):
        rows.append(
            TimelineRow(
                at=event.at,
                what=f"구독 #{event.subscription_id} {event.get_kind_display()}",
                detail="",
                reason=event.reason,
                actor=event.actor.get_username() if event.actor else "시스템",
                ticket=event.ticket,
                account=name.get(event.subscription.user_id, ""),
            )
        )
    for period in Period.objects.filter(subscription__in=subs):
        rows.append(
            TimelineRow(
                at=period.start,
                what=f"구독 #{period.subscription_id} {period.seq}회차 기간",
                detail=f"{period.start} ~ {period.end}",
            )
        )
    for attempt in ChargeAttempt.objects.filter(user_id__in=user_ids):
        rows.append(
            TimelineRow(
                at=attempt.at,
                what=f"결제 시도: {attempt.get_type_display()}",
                detail=(
                    f"{attempt.get_method_display()} {attempt.amount:,}원 "
                    f"{attempt.get_result_display()}"
                ),
                reason=attempt.get_reason_display() if attempt.reason else "",
                account=name.get(attempt.user_id, ""),
            )
        )
    for refund in Refund.objects.filter(user_id__in=user_ids).select_related("actor"):
        rows.append(
            TimelineRow(
                at=refund.at,
                what=f"환불: {refund.get_kind_display()}",
                detail=f"{refund.amount:,}원 ({refund.get_to_display()})",
                reason=refund.reason,
                actor=refund.actor.get_username() if refund.actor else "",
                ticket=refund.ticket,
                account=name.get(refund.user_id, ""),
            )
        )
    labels = dict(TxnKind.choices)
    for entry in JournalEntry.objects.filter(
        user_id__in=user_ids, account=Account.PARTNER_POINTS
    ).select_related("transaction"):
        rows.append(
            TimelineRow(
                at=entry.transaction.at,
                what=f"포인트: {labels.get(entry.transaction.kind, entry.transaction.kind)}",
                detail=f"{entry.amount:+,}원",
                reason=entry.transaction.memo,
                account=name.get(entry.user_id, ""),
            )
        )
    rows.sort(key=lambda row: row.sort_key)
    return rows
