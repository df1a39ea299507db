"""The first-month payback and its clawback (membership.md, "Policy": first-month
payback; "Ending a subscription": cooling-off withdrawal; precise semantics 10)."""

import datetime as dt

from membership import selectors
from membership.models import Account, ChargeAttempt, Payback, PaybackClawback, TxnKind
from membership.services.journal import TxnDraft, journal_post_many


def payback_post(
    *, qualification_no: str, charge: ChargeAttempt, amount: int, at: dt.datetime
) -> Payback:
    """Grant the payback for ``charge``: points equal to it, keyed by qualification no."""
    payback = Payback.objects.create(
        qualification_no=qualification_no,
        generation=selectors.payback_generation(qualification_no=qualification_no),
        charge=charge,
        amount=amount,
        at=at,
    )
    journal_post_many(
        drafts=[
            TxnDraft(
                key=f"payback:{charge.idempotency_key}",
                kind=TxnKind.PAYBACK,
                at=at,
                user_id=charge.user_id,
                charge_id=charge.pk,
                lines=((Account.PROMOTION, -amount), (Account.PARTNER_POINTS, amount)),
            )
        ]
    )
    return payback


def payback_claw_back(*, payback: Payback, at: dt.datetime) -> PaybackClawback:
    """Take back exactly the payback granted for one charge (a negative point entry)."""
    clawback = PaybackClawback.objects.create(payback=payback, at=at)
    journal_post_many(
        drafts=[
            TxnDraft(
                key=f"clawback:{payback.charge.idempotency_key}",
                kind=TxnKind.CLAWBACK,
                at=at,
                user_id=payback.charge.user_id,
                charge_id=payback.charge_id,
                lines=(
                    (Account.PARTNER_POINTS, -payback.amount),
                    (Account.PROMOTION, payback.amount),
                ),
            )
        ]
    )
    return clawback
