"""Charge attempts: the one code path from a planned attempt to the gateway, the attempt
row and the journal (membership.md, "Charge attempts"; precise semantics 4 and 5).

A renewal, retry or register attempt of a driver below the renewal rating is declined
with ``rating_below_renewal_threshold`` without reaching the gateway.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from membership.gateway import ChargeRequest, gateway
from membership.models import AttemptResult, ChargeAttempt, DeclineReason
from membership.policy import policy
from membership.services.journal import charge_draft, journal_post_many


@dataclass(frozen=True)
class AttemptDraft:
    key: str
    user_id: int
    type: str
    method: str
    amount: int
    subscription_id: int | None = None
    period_id: int | None = None
    rating_ok: bool = True


@dataclass(frozen=True)
class Decided:
    draft: AttemptDraft
    approved: bool
    reason: str
    ref: str


def rating_allows_renewal(rating: Decimal | None) -> bool:
    """Renewal needs the latest monthly average ≥ the renewal threshold, or no rating."""
    return rating is None or rating >= policy().renew_min_rating


def rating_allows_join(rating: Decimal | None) -> bool:
    return rating is None or rating >= policy().join_min_rating


def charges_decide(*, drafts: Sequence[AttemptDraft]) -> list[Decided]:
    """Ask the gateway for every draft whose rating allows it; the others are declined."""
    to_gateway = [d for d in drafts if d.rating_ok]
    results = gateway().charge_many(
        [
            ChargeRequest(key=d.key, user_id=d.user_id, method=d.method, amount=d.amount)
            for d in to_gateway
        ]
    )
    by_key = {d.key: r for d, r in zip(to_gateway, results, strict=True)}
    out = []
    for d in drafts:
        result = by_key.get(d.key)
        if result is None:
            out.append(Decided(d, False, DeclineReason.RATING_BELOW_RENEWAL_THRESHOLD, ""))
        elif result.approved:
            out.append(Decided(d, True, "", result.ref))
        else:
            out.append(Decided(d, False, DeclineReason.GATEWAY_DECLINED, ""))
    return out


def attempts_insert(*, decided: Sequence[Decided], at: dt.datetime) -> list[ChargeAttempt]:
    """Insert the attempts (one statement) and post a charge transaction per approval."""
    attempts = ChargeAttempt.objects.bulk_create(
        [
            ChargeAttempt(
                user_id=d.draft.user_id,
                subscription_id=d.draft.subscription_id,
                period_id=d.draft.period_id,
                idempotency_key=d.draft.key,
                at=at,
                type=d.draft.type,
                method=d.draft.method,
                amount=d.draft.amount,
                result=AttemptResult.APPROVED if d.approved else AttemptResult.DECLINED,
                reason=d.reason,
                gateway_ref=d.ref,
            )
            for d in decided
        ]
    )
    journal_post_many(
        drafts=[
            charge_draft(
                attempt_key=a.idempotency_key,
                charge_id=a.pk,
                user_id=a.user_id,
                amount=a.amount,
                at=at,
            )
            for a in attempts
            if a.result == AttemptResult.APPROVED
        ]
    )
    return attempts


def with_ids(decided: Decided, *, subscription_id: int, period_id: int) -> Decided:
    return replace(
        decided, draft=replace(decided.draft, subscription_id=subscription_id, period_id=period_id)
    )
