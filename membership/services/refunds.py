"""Refunds (membership.md, "Ending a subscription", refunds stop; precise semantics 6, 9).

A refund gives back money (a cancellation through the gateway) or points for one
approved charge. The refunds of one charge never exceed it. From the refund stop on no
refund of any kind is made, except a staff refund with a CS ticket and one of the
exception reasons.
"""

import datetime as dt

from django.db import transaction

from membership import selectors
from membership.gateway import CancelRequest, gateway
from membership.models import (
    Account,
    ChargeAttempt,
    Refund,
    RefundKind,
    RefundTo,
    TxnKind,
)
from membership.policy import policy
from membership.services import errors
from membership.services.journal import TxnDraft, journal_post_many
from portal import clock


def refunds_open(*, at: dt.datetime, ticket: str = "", reason: str = "") -> bool:
    """Before the refund stop anything goes; after it only the ticketed exception."""
    p = policy()
    if at < p.refunds_stop_at:
        return True
    return bool(ticket) and reason in p.refund_exception_reasons


def refund_post(
    *,
    charge: ChargeAttempt,
    amount: int,
    to: str,
    kind: str,
    at: dt.datetime,
    actor=None,
    ticket: str = "",
    reason: str = "",
    through_gateway: bool = True,
) -> Refund:
    """Write a refund and its journal transaction; money goes back through the gateway
    (not for refunds imported from the old system, which were paid back there).

    The amount comes out of the charge's prepaid balance first, then out of what was
    already recognised as used, then out of the fee, so no account of the charge goes
    below zero.
    """
    number = Refund.objects.filter(charge=charge).count() + 1
    key = f"refund:{charge.idempotency_key}:{number}"
    refund = Refund.objects.create(
        charge=charge,
        user_id=charge.user_id,
        idempotency_key=key,
        at=at,
        kind=kind,
        amount=amount,
        to=to,
        actor=actor,
        ticket=ticket,
        reason=reason,
    )
    if to == RefundTo.PAYMENT_METHOD and through_gateway:
        gateway().cancel(CancelRequest(key=key, charge_ref=charge.gateway_ref, amount=amount))
    lines: list[tuple[str, int]] = []
    left = amount
    for account in (Account.DEFERRED_REVENUE, Account.EARNED_REVENUE, Account.FEE_INCOME):
        if left == 0:
            break
        available = selectors.account_balance_for_charge(charge_id=charge.pk, account=account)
        take = min(left, max(available, 0))
        if take:
            lines.append((account, -take))
            left -= take
    if left:
        raise ValueError(f"refund of {amount} exceeds what charge {charge.pk} holds")
    destination = (
        Account.PARTNER_PAYMENT if to == RefundTo.PAYMENT_METHOD else Account.PARTNER_POINTS
    )
    lines.append((destination, amount))
    journal_post_many(
        drafts=[
            TxnDraft(
                key=key,
                kind=TxnKind.REFUND,
                at=at,
                user_id=charge.user_id,
                charge_id=charge.pk,
                refund_id=refund.pk,
                lines=tuple(lines),
            )
        ]
    )
    return refund


@transaction.atomic
def charge_refund(
    *, user, amount: int, to: str, actor=None, ticket: str = "", reason: str = ""
) -> Refund:
    """Staff refund of the partner's latest approved charge, as points or money.

    Raises MembershipRefused with account_withdrawn, refunds_closed, nothing_to_refund or
    refund_exceeds_charge, in that order (precise semantics 6).
    """
    if amount <= 0:
        raise ValueError("a refund amount must be a positive number of won")
    if to not in RefundTo.values:
        raise ValueError(f"unknown refund destination {to!r}")
    now = clock.now()
    if selectors.account_is_withdrawn(user=user):
        raise errors.MembershipRefused(errors.ACCOUNT_WITHDRAWN)
    if not refunds_open(at=now, ticket=ticket, reason=reason):
        raise errors.MembershipRefused(errors.REFUNDS_CLOSED)
    charge = selectors.charge_latest_approved(user=user)
    if charge is None:
        raise errors.MembershipRefused(errors.NOTHING_TO_REFUND)
    ChargeAttempt.objects.select_for_update().filter(pk=charge.pk).first()
    left = charge.amount - selectors.charge_refunded_total(charge_id=charge.pk)
    if left <= 0:
        raise errors.MembershipRefused(errors.NOTHING_TO_REFUND)
    if amount > left:
        raise errors.MembershipRefused(errors.REFUND_EXCEEDS_CHARGE)
    return refund_post(
        charge=charge,
        amount=amount,
        to=to,
        kind=RefundKind.STAFF,
        at=now,
        actor=actor,
        ticket=ticket,
        reason=reason,
    )
