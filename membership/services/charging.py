"""Charge attempts: the one code path from a planned attempt to the gateway, the attempt
row and the journal (membership.md, "Charge attempts"; precise semantics 4 and 5).

A renewal, retry or register attempt of a driver below the renewal rating is declined
with ``rating_below_renewal_threshold`` without reaching the gateway.
"""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from membership.gateway import ChargeRequest, gateway
from membership.models import AttemptResult, ChargeAttempt, DeclineReason
from membership.policy import policy
from membership.services.bulk import insert_rows
from membership.services.journal import charge_draft, journal_post_many


class AttemptDraft(NamedTuple):
    key: str
    user_id: int
    type: str
    method: str
    amount: int
    subscription_id: int | None = None
    period_id: int | None = None
    rating_ok: bool = True


class Decided(NamedTuple):
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


class AttemptRow(NamedTuple):
    pk: int
    key: str
    user_id: int
    approved: bool


_APPROVED = str(AttemptResult.APPROVED.value)
_DECLINED = str(AttemptResult.DECLINED.value)

ATTEMPT_COLUMNS = [
    "user_id",
    "subscription_id",
    "period_id",
    "idempotency_key",
    "at",
    "type",
    "method",
    "amount",
    "result",
    "reason",
    "gateway_ref",
]


def attempts_write(*, decided: Sequence[Decided], at: dt.datetime) -> list[AttemptRow]:
    """Insert the attempts (one statement) and post a charge transaction per approval."""
    ids = insert_rows(
        ChargeAttempt,
        ATTEMPT_COLUMNS,
        [
            (
                d.draft.user_id,
                d.draft.subscription_id,
                d.draft.period_id,
                d.draft.key,
                at,
                d.draft.type,
                d.draft.method,
                d.draft.amount,
                _APPROVED if d.approved else _DECLINED,
                d.reason,
                d.ref,
            )
            for d in decided
        ],
    )
    journal_post_many(
        drafts=[
            charge_draft(
                attempt_key=d.draft.key,
                charge_id=pk,
                user_id=d.draft.user_id,
                amount=d.draft.amount,
                at=at,
            )
            for d, pk in zip(decided, ids, strict=True)
            if d.approved
        ]
    )
    return [
        AttemptRow(pk=pk, key=d.draft.key, user_id=d.draft.user_id, approved=d.approved)
        for d, pk in zip(decided, ids, strict=True)
    ]


def attempts_insert(*, decided: Sequence[Decided], at: dt.datetime) -> list[ChargeAttempt]:
    """``attempts_write`` for a partner's own operation, returning the attempt rows."""
    rows = attempts_write(decided=decided, at=at)
    by_pk = ChargeAttempt.objects.in_bulk([row.pk for row in rows])
    return [by_pk[row.pk] for row in rows]


def with_ids(decided: Decided, *, subscription_id: int, period_id: int) -> Decided:
    return decided._replace(
        draft=decided.draft._replace(subscription_id=subscription_id, period_id=period_id)
    )
