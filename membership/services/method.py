"""Payment-method change with an immediate ``register`` attempt (membership.md,
"Policy": method change; "Charge attempts": register; precise semantics 5, 7)."""

from django.db import transaction

from membership import selectors
from membership.calendar import period_start
from membership.models import (
    AttemptResult,
    AttemptType,
    ChargeAttempt,
    EndReason,
    Period,
    Status,
    SubscriptionEvent,
)
from membership.policy import policy
from membership.services import errors
from membership.services.charging import (
    AttemptDraft,
    attempts_insert,
    charges_decide,
    rating_allows_renewal,
)
from portal import clock


@transaction.atomic
def subscription_change_method(*, user, method: str) -> ChargeAttempt:
    """Change the payment method while the current period is unpaid after a failed
    attempt: an immediate ``register`` attempt for that period with the new method,
    checked against the renewal rating. Approved: the method sticks and the
    subscription is active again with the same billing day (also after it ended by
    failed retries, as long as the unpaid period has not passed; no cancellation is
    recorded). Declined: nothing else changes. From the renewal stop on, or without an
    unpaid period: method_change_not_allowed."""
    p = policy()
    if method not in p.methods:
        raise ValueError(f"unknown payment method {method!r}")
    if selectors.account_is_withdrawn(user=user):
        raise errors.MembershipRefused(errors.ACCOUNT_WITHDRAWN)
    now = clock.now()
    if now >= p.renewals_stop_at:
        raise errors.MembershipRefused(errors.METHOD_CHANGE_NOT_ALLOWED)
    subscription = selectors.subscription_latest(user=user, for_update=True)
    if subscription is None:
        raise errors.MembershipRefused(errors.METHOD_CHANGE_NOT_ALLOWED)
    period = Period.objects.filter(subscription=subscription, seq=subscription.current_seq).first()
    if period is None or period.attempts.filter(result=AttemptResult.APPROVED).exists():
        raise errors.MembershipRefused(errors.METHOD_CHANGE_NOT_ALLOWED)
    ended_by_retries = (
        subscription.status == Status.ENDED
        and subscription.end_reason == EndReason.RETRIES_EXHAUSTED
        and now.date() <= period.end
    )
    if subscription.status != Status.PAST_DUE and not ended_by_retries:
        raise errors.MembershipRefused(errors.METHOD_CHANGE_NOT_ALLOWED)

    number = period.attempts.filter(type=AttemptType.REGISTER).count() + 1
    draft = AttemptDraft(
        key=f"sub:{subscription.pk}:p{period.seq}:register{number}",
        user_id=user.pk,
        type=AttemptType.REGISTER,
        method=method,
        amount=p.price,
        subscription_id=subscription.pk,
        period_id=period.pk,
        rating_ok=rating_allows_renewal(selectors.rating_at(user_id=user.pk, at=now)),
    )
    (attempt,) = attempts_insert(decided=charges_decide(drafts=[draft]), at=now)
    if attempt.result == AttemptResult.APPROVED:
        subscription.method = method
        subscription.status = Status.ACTIVE
        subscription.due_on = period_start(anchor=subscription.anchor_date, seq=period.seq + 1)
        subscription.retries_done = 0
        subscription.ended_at = None
        subscription.end_reason = ""
        subscription.save(
            update_fields=["method", "status", "due_on", "retries_done", "ended_at", "end_reason"]
        )
        SubscriptionEvent.objects.create(
            subscription=subscription,
            kind=SubscriptionEvent.Kind.REACTIVATED,
            at=now,
            actor=user,
            reason=f"method {method}",
        )
    return attempt
