"""Reconciliation (membership.md, "The ledger"): recompute the expected journal from the
recorded events (approved attempts, paybacks, clawbacks, refunds, terminations) and
report every difference from the journal as it stands.

The expected amounts come from the same functions the services use
(``termination_split``, ``refunds_open``); nothing here is a second rule book.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Sum

from membership.models import (
    Account,
    AttemptResult,
    ChargeAttempt,
    JournalEntry,
    JournalTransaction,
    Payback,
    PaybackClawback,
    Refund,
    RefundKind,
    RefundTo,
    SubscriptionEvent,
    TxnKind,
)
from membership.services.lifecycle import termination_split
from portal import clock


@dataclass(frozen=True)
class Difference:
    what: str
    ref: str
    expected: object
    actual: object

    def __str__(self) -> str:
        return f"{self.what} [{self.ref}]: expected {self.expected}, found {self.actual}"


def _lines(txn_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for txn_id, account, amount in JournalEntry.objects.filter(
        transaction_id__in=list(txn_ids)
    ).values_list("transaction_id", "account", "amount"):
        out[txn_id][account] += amount
    return out


def ledger_reconcile(*, user_ids: Iterable[int] | None = None) -> list[Difference]:
    """Every difference between the journal and what the recorded events imply."""
    diffs: list[Difference] = []
    users = None if user_ids is None else list(user_ids)

    def scoped(qs, field="user_id"):
        return qs if users is None else qs.filter(**{f"{field}__in": users})

    txns = list(scoped(JournalTransaction.objects.all()))
    lines = _lines(t.pk for t in txns)
    by_key = {t.idempotency_key: t for t in txns}

    for txn in txns:
        total = sum(lines[txn.pk].values())
        if total != 0:
            diffs.append(
                Difference("transaction does not sum to zero", txn.idempotency_key, 0, total)
            )

    def expect(key: str, wanted: dict[str, int], what: str) -> None:
        txn = by_key.pop(key, None)
        wanted = {a: v for a, v in wanted.items() if v}
        if txn is None:
            diffs.append(Difference(f"{what}: transaction missing", key, wanted, None))
            return
        got = {a: v for a, v in lines[txn.pk].items() if v}
        if got != wanted:
            diffs.append(Difference(f"{what}: entries differ", key, wanted, got))

    charges = list(scoped(ChargeAttempt.objects.all()).select_related("period"))
    approved = {c.pk: c for c in charges if c.result == AttemptResult.APPROVED}
    for charge in approved.values():
        expect(
            f"charge:{charge.idempotency_key}",
            {Account.PARTNER_PAYMENT: -charge.amount, Account.DEFERRED_REVENUE: charge.amount},
            "charge",
        )
    for payback in scoped(Payback.objects.select_related("charge"), "charge__user_id"):
        expect(
            f"payback:{payback.charge.idempotency_key}",
            {Account.PROMOTION: -payback.amount, Account.PARTNER_POINTS: payback.amount},
            "payback",
        )
    for claw in scoped(
        PaybackClawback.objects.select_related("payback__charge"), "payback__charge__user_id"
    ):
        expect(
            f"clawback:{claw.payback.charge.idempotency_key}",
            {Account.PARTNER_POINTS: -claw.payback.amount, Account.PROMOTION: claw.payback.amount},
            "clawback",
        )
    refunds = list(scoped(Refund.objects.all()).order_by("at", "id"))
    refunded: dict[int, int] = defaultdict(int)
    for refund in refunds:
        txn = by_key.pop(refund.idempotency_key, None)
        destination = (
            Account.PARTNER_POINTS if refund.to == RefundTo.POINTS else Account.PARTNER_PAYMENT
        )
        if txn is None:
            diffs.append(
                Difference(
                    "refund: transaction missing", refund.idempotency_key, refund.amount, None
                )
            )
        else:
            got = lines[txn.pk]
            if got.get(destination, 0) != refund.amount:
                diffs.append(
                    Difference(
                        "refund: amount differs",
                        refund.idempotency_key,
                        refund.amount,
                        got.get(destination, 0),
                    )
                )
        refunded[refund.charge_id] += refund.amount
    for charge_id, total in refunded.items():
        charge = approved.get(charge_id)
        if charge is None or total > charge.amount:
            diffs.append(
                Difference(
                    "refunds exceed the charge",
                    str(charge_id),
                    charge.amount if charge else 0,
                    total,
                )
            )

    diffs += _terminations(approved, refunds, by_key, lines, users)

    for key, txn in by_key.items():
        if txn.kind in (TxnKind.CORRECTION, TxnKind.LEGACY):
            continue
        if txn.kind != TxnKind.TERMINATION:
            diffs.append(
                Difference("transaction without a recorded event", key, None, dict(lines[txn.pk]))
            )

    points = dict(
        scoped(JournalEntry.objects.filter(account=Account.PARTNER_POINTS))
        .values_list("user_id")
        .annotate(s=Sum("amount"))
    )
    expected_points: dict[int, int] = defaultdict(int)
    for payback in scoped(Payback.objects.select_related("charge"), "charge__user_id"):
        expected_points[payback.charge.user_id] += payback.amount
    for claw in scoped(
        PaybackClawback.objects.select_related("payback__charge"), "payback__charge__user_id"
    ):
        expected_points[claw.payback.charge.user_id] -= claw.payback.amount
    for refund in refunds:
        if refund.to == RefundTo.POINTS:
            expected_points[refund.user_id] += refund.amount
    for txn in txns:
        if txn.kind in (TxnKind.CORRECTION, TxnKind.LEGACY):
            expected_points[txn.user_id] += lines[txn.pk].get(Account.PARTNER_POINTS, 0)
    for user_id in set(points) | set(expected_points):
        if points.get(user_id, 0) != expected_points.get(user_id, 0):
            diffs.append(
                Difference(
                    "points balance",
                    f"user {user_id}",
                    expected_points.get(user_id, 0),
                    points.get(user_id, 0),
                )
            )
    return diffs


def _terminations(approved, refunds, by_key, lines, users) -> list[Difference]:
    """Each immediate termination: the fee and used amounts booked, and the refund."""
    diffs = []
    events = SubscriptionEvent.objects.filter(kind=SubscriptionEvent.Kind.TERMINATED)
    if users is not None:
        events = events.filter(subscription__user_id__in=users)
    paid_by_sub: dict[int, ChargeAttempt] = {}
    for charge in approved.values():
        current = paid_by_sub.get(charge.subscription_id)
        if current is None or charge.period.seq > current.period.seq:
            paid_by_sub[charge.subscription_id] = charge
    for event in events:
        charge = paid_by_sub.get(event.subscription_id)
        key = f"termination:{charge.idempotency_key}" if charge else None
        txn = by_key.pop(key, None) if key else None
        if charge is None or txn is None:
            continue  # past due: nothing was booked
        fee, used, _ = termination_split(
            paid=charge.amount, period=charge.period, day=clock.aware(event.at).date()
        )
        before = sum(r.amount for r in refunds if r.charge_id == charge.pk and r.at <= event.at)
        held = charge.amount - before
        fee_booked = min(fee, held)
        used_booked = min(used, held - fee_booked)
        got = lines[txn.pk]
        wanted = {
            Account.FEE_INCOME: fee_booked,
            Account.EARNED_REVENUE: used_booked,
            Account.DEFERRED_REVENUE: -(fee_booked + used_booked),
        }
        if {a: v for a, v in got.items() if v} != {a: v for a, v in wanted.items() if v}:
            diffs.append(Difference("termination: entries differ", key, wanted, dict(got)))
        termination_refunds = [
            r for r in refunds if r.charge_id == charge.pk and r.kind == RefundKind.TERMINATION
        ]
        if len(termination_refunds) > 1:
            diffs.append(
                Difference("termination: more than one refund", key, 1, len(termination_refunds))
            )
    return diffs
