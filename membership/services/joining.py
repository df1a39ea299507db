"""Joining (membership.md, "Policy": who may join, rating to join, sign-ups close,
first-month payback; precise semantics 6 for the rejection order)."""

from django.contrib.auth import get_user_model
from django.db import transaction

from membership import selectors
from membership.calendar import period_end, period_start
from membership.models import (
    AttemptType,
    ChargeAttempt,
    Payback,
    Period,
    Status,
    Subscription,
    SubscriptionEvent,
    Usage,
)
from membership.policy import policy
from membership.services import errors
from membership.services.charging import (
    AttemptDraft,
    attempts_insert,
    charges_decide,
    rating_allows_join,
    with_ids,
)
from membership.services.payback import payback_post
from portal import clock


def payback_key(user) -> str:
    """The first-month benefit follows the qualification number (survives withdrawal)."""
    return user.qualification_no or f"user:{user.pk}"


@transaction.atomic
def subscription_join(*, user, method: str, key: str | None = None) -> ChargeAttempt:
    """The partner joins: one ``subscribe`` attempt now. Approved: the subscription
    starts with today as its billing day, and a qualification number that never kept a
    payback gets the charge back as points. Declined: no subscription starts.

    Raises MembershipRefused with account_withdrawn, signups_closed, not_general_driver,
    already_subscribed or rating_below_join_threshold, in that order.
    """
    now = clock.now()
    p = policy()
    if method not in p.methods:
        raise ValueError(f"unknown payment method {method!r}")
    if selectors.account_is_withdrawn(user=user):
        raise errors.MembershipRefused(errors.ACCOUNT_WITHDRAWN)
    if now >= p.signups_close_at:
        raise errors.MembershipRefused(errors.SIGNUPS_CLOSED)
    if user.driver_type != "general":
        raise errors.MembershipRefused(errors.NOT_GENERAL_DRIVER)
    # Serialise this partner's operations: one open subscription, one payback decision.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if selectors.subscription_open(user=user) is not None:
        raise errors.MembershipRefused(errors.ALREADY_SUBSCRIBED)
    if not rating_allows_join(selectors.rating_at(user_id=user.pk, at=now)):
        raise errors.MembershipRefused(errors.RATING_BELOW_JOIN_THRESHOLD)

    if key is None:
        # Numbered per partner (the partner row is locked above): a declined join and the
        # next try can happen at the same instant and are still two operations.
        earlier = ChargeAttempt.objects.filter(
            user=user, idempotency_key__startswith=f"join:{user.pk}:"
        ).count()
        key = f"join:{user.pk}:{earlier + 1}:{now.isoformat()}"
    draft = AttemptDraft(
        key=key, user_id=user.pk, type=AttemptType.SUBSCRIBE, method=method, amount=p.price
    )
    (decided,) = charges_decide(drafts=[draft])
    if not decided.approved:
        return attempts_insert(decided=[decided], at=now)[0]

    anchor = now.date()
    subscription = Subscription.objects.create(
        user=user,
        qualification_no=user.qualification_no,
        anchor_date=anchor,
        joined_at=now,
        method=method,
        status=Status.ACTIVE,
        current_seq=1,
        due_on=period_start(anchor=anchor, seq=2),
    )
    period = Period.objects.create(
        subscription=subscription, seq=1, start=anchor, end=period_end(anchor=anchor, seq=1)
    )
    (attempt,) = attempts_insert(
        decided=[with_ids(decided, subscription_id=subscription.pk, period_id=period.pk)], at=now
    )
    Usage.objects.create(user=user, kind=Usage.Kind.JOIN, at=now)
    SubscriptionEvent.objects.create(
        subscription=subscription, kind=SubscriptionEvent.Kind.JOINED, at=now, actor=user
    )
    payback_grant_if_first(user=user, charge=attempt)
    return attempt


def payback_grant_if_first(*, user, charge: ChargeAttempt) -> Payback | None:
    """First-month payback: points equal to the charge, once per qualification number
    (a payback that was clawed back does not count as received)."""
    qno = payback_key(user)
    if selectors.payback_live(qualification_no=qno) is not None:
        return None
    return payback_post(qualification_no=qno, charge=charge, amount=charge.amount, at=charge.at)
