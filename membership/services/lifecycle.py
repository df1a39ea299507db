"""Ending a subscription (membership.md, "Ending a subscription"; precise semantics
6, 7, 8, 9, 10): the partner's cancellation, staff immediate termination and
cooling-off withdrawal."""

import datetime as dt

from django.db import transaction

from membership import selectors
from membership.calendar import ceil_div
from membership.models import (
    Account,
    AttemptResult,
    ChargeAttempt,
    EndReason,
    Payback,
    PaybackClawback,
    Period,
    RefundKind,
    RefundTo,
    Status,
    Subscription,
    SubscriptionEvent,
    TxnKind,
)
from membership.policy import policy
from membership.services import errors
from membership.services.journal import TxnDraft, journal_post_many
from membership.services.payback import payback_claw_back
from membership.services.refunds import refund_post, refunds_open
from portal import clock


def subscription_end(
    *,
    subscription: Subscription,
    reason: str,
    at: dt.datetime,
    event: str = SubscriptionEvent.Kind.ENDED,
    actor=None,
    ticket: str = "",
    note: str = "",
) -> None:
    subscription.status = Status.ENDED
    subscription.ended_at = at
    subscription.end_reason = reason
    subscription.due_on = None
    subscription.save(update_fields=["status", "ended_at", "end_reason", "due_on"])
    SubscriptionEvent.objects.create(
        subscription=subscription,
        kind=event,
        at=at,
        actor=actor,
        ticket=ticket,
        reason=note or reason,
    )


def _open_or_refuse(user) -> Subscription:
    if selectors.account_is_withdrawn(user=user):
        raise errors.MembershipRefused(errors.ACCOUNT_WITHDRAWN)
    subscription = selectors.subscription_open(user=user, for_update=True)
    if subscription is None:
        raise errors.MembershipRefused(errors.NOT_SUBSCRIBED)
    return subscription


@transaction.atomic
def subscription_cancel(*, user) -> Subscription:
    """The partner cancels in the app (해지 예약): no further charges; an active
    subscription keeps its benefits to the end of the paid period and ends at the next
    billing day's 04:00 job; a past-due one ends at once (precise semantics 8)."""
    subscription = _open_or_refuse(user)
    now = clock.now()
    if subscription.status == Status.CANCELLING:
        raise errors.MembershipRefused(errors.ALREADY_CANCELLING)
    if subscription.status == Status.PAST_DUE:
        subscription_end(
            subscription=subscription, reason=EndReason.CANCELLED_PAST_DUE, at=now, actor=user
        )
        return subscription
    subscription.status = Status.CANCELLING
    subscription.save(update_fields=["status"])
    SubscriptionEvent.objects.create(
        subscription=subscription, kind=SubscriptionEvent.Kind.CANCEL_REQUESTED, at=now, actor=user
    )
    return subscription


def paid_period(subscription: Subscription) -> tuple[Period, ChargeAttempt] | None:
    """The latest paid period of the subscription and its approved charge."""
    charge = (
        ChargeAttempt.objects.filter(subscription=subscription, result=AttemptResult.APPROVED)
        .select_related("period")
        .order_by("-period__seq")
        .first()
    )
    if charge is None:
        return None
    return charge.period, charge


def termination_split(*, paid: int, period: Period, day: dt.date) -> tuple[int, int, int]:
    """(fee, used, refund) of an immediate termination on ``day``: fee = ⌈5 % × paid⌉,
    used = ⌈paid × used days ÷ days in period⌉ (first day through ``day`` inclusive),
    refund = paid − fee − used, never below 0 (membership.md, immediate termination)."""
    days = (period.end - period.start).days + 1
    used_days = min(max((day - period.start).days + 1, 0), days)
    fee = ceil_div(paid * policy().termination_fee_percent, 100)
    used = ceil_div(paid * used_days, days)
    return fee, used, max(0, paid - fee - used)


@transaction.atomic
def subscription_terminate(*, user, actor=None, ticket: str = "", reason: str = "") -> Subscription:
    """Staff immediate termination (즉시 해지): ends now; refund as points = paid − fee −
    used, less what was already refunded of that charge, never below 0, and 0 when the
    charge was paid back as first-month points. Past due: ends with no refund."""
    subscription = _open_or_refuse(user)
    now = clock.now()
    if subscription.status != Status.PAST_DUE:
        found = paid_period(subscription)
        if found is not None:
            period, charge = found
            _settle_termination(
                charge=charge, period=period, now=now, actor=actor, ticket=ticket, reason=reason
            )
    subscription_end(
        subscription=subscription,
        reason=EndReason.TERMINATED,
        at=now,
        event=SubscriptionEvent.Kind.TERMINATED,
        actor=actor,
        ticket=ticket,
        note=reason,
    )
    return subscription


def _settle_termination(*, charge, period, now, actor, ticket, reason) -> None:
    fee, used, formula = termination_split(paid=charge.amount, period=period, day=now.date())
    if Payback.objects.filter(charge=charge, clawback__isnull=True).exists():
        formula = 0
    already = selectors.charge_refunded_total(charge_id=charge.pk)
    refund = max(0, formula - already)
    if not refunds_open(at=now, ticket=ticket, reason=reason):
        refund = 0
    if refund:
        refund_post(
            charge=charge,
            amount=refund,
            to=RefundTo.POINTS,
            kind=RefundKind.TERMINATION,
            at=now,
            actor=actor,
            ticket=ticket,
            reason=reason,
        )
    held = selectors.account_balance_for_charge(
        charge_id=charge.pk, account=Account.DEFERRED_REVENUE
    )
    fee_booked = min(fee, held)
    used_booked = min(used, held - fee_booked)
    journal_post_many(
        drafts=[
            TxnDraft(
                key=f"termination:{charge.idempotency_key}",
                kind=TxnKind.TERMINATION,
                at=now,
                user_id=charge.user_id,
                charge_id=charge.pk,
                memo=f"fee {fee}, used {used}",
                lines=(
                    (Account.DEFERRED_REVENUE, -(fee_booked + used_booked)),
                    (Account.FEE_INCOME, fee_booked),
                    (Account.EARNED_REVENUE, used_booked),
                ),
            )
        ]
    )


@transaction.atomic
def subscription_withdraw(*, user, actor=None, ticket: str = "", reason: str = "") -> Subscription:
    """Staff cooling-off withdrawal (청약 철회): only before join time + 7 days and only
    if the driver did not go on duty since joining. Full refund of the join charge by
    cancelling the payment, except phone billing requested in a later calendar month
    than the payment (then as points); the payback granted for that charge is clawed
    back; ends now. Refusals in order: account_withdrawn, not_subscribed,
    refunds_closed, withdrawal_window_passed, used_within_window."""
    subscription = _open_or_refuse(user)
    now = clock.now()
    if not refunds_open(at=now, ticket=ticket, reason=reason):
        raise errors.MembershipRefused(errors.REFUNDS_CLOSED)
    if now >= subscription.joined_at + policy().withdrawal_window:
        raise errors.MembershipRefused(errors.WITHDRAWAL_WINDOW_PASSED)
    if selectors.duty_on_since(user_id=user.pk, since=subscription.joined_at):
        raise errors.MembershipRefused(errors.USED_WITHIN_WINDOW)
    charge = (
        ChargeAttempt.objects.filter(
            subscription=subscription, result=AttemptResult.APPROVED, period__seq=1
        )
        .select_related("payback")
        .first()
    )
    if charge is not None:
        amount = charge.amount - selectors.charge_refunded_total(charge_id=charge.pk)
        charged_at = clock.aware(charge.at)
        later_month = (now.year, now.month) != (charged_at.year, charged_at.month)
        to = (
            RefundTo.POINTS if charge.method == "phone" and later_month else RefundTo.PAYMENT_METHOD
        )
        if amount > 0:
            refund_post(
                charge=charge,
                amount=amount,
                to=to,
                kind=RefundKind.WITHDRAWAL,
                at=now,
                actor=actor,
                ticket=ticket,
                reason=reason,
            )
        payback = getattr(charge, "payback", None)
        if payback is not None and not PaybackClawback.objects.filter(payback=payback).exists():
            payback_claw_back(payback=payback, at=now)
    subscription_end(
        subscription=subscription,
        reason=EndReason.WITHDRAWN,
        at=now,
        event=SubscriptionEvent.Kind.WITHDRAWN,
        actor=actor,
        ticket=ticket,
        note=reason,
    )
    return subscription
