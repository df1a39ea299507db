"""Posting to the double-entry journal (membership.md, "The ledger").

Every movement of money or points is a ``JournalTransaction`` whose entries sum to zero;
balances are sums of entries. Posting is idempotent through the transaction's key
(a UNIQUE column). All entries of one transaction are inserted in one statement, so the
PostgreSQL statement trigger can check the sum when they land.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from membership.models import Account, JournalEntry, JournalTransaction, TxnKind


class UnbalancedTransactionError(ValueError):
    pass


@dataclass(frozen=True)
class TxnDraft:
    key: str
    kind: str
    at: dt.datetime
    user_id: int
    lines: tuple[tuple[str, int], ...]
    charge_id: int | None = None
    refund_id: int | None = None
    corrects_id: int | None = None
    memo: str = ""
    entries_user_id: int | None = field(default=None)


def journal_post_many(*, drafts: Sequence[TxnDraft]) -> list[JournalTransaction]:
    """Post balanced transactions in two INSERT statements (transactions, then entries).

    A draft whose lines are all zero posts nothing. Raises UnbalancedTransactionError
    before writing anything if any draft does not sum to zero.
    """
    kept = []
    for draft in drafts:
        lines = [(account, amount) for account, amount in draft.lines if amount != 0]
        if sum(amount for _, amount in lines) != 0:
            raise UnbalancedTransactionError(
                f"{draft.key}: entries sum to {sum(a for _, a in lines)}"
            )
        if any(account not in Account.values for account, _ in lines):
            raise UnbalancedTransactionError(f"{draft.key}: unknown account")
        if lines:
            kept.append((draft, lines))
    if not kept:
        return []
    txns = JournalTransaction.objects.bulk_create(
        [
            JournalTransaction(
                idempotency_key=draft.key,
                kind=draft.kind,
                at=draft.at,
                user_id=draft.user_id,
                charge_id=draft.charge_id,
                refund_id=draft.refund_id,
                corrects_id=draft.corrects_id,
                memo=draft.memo,
            )
            for draft, _ in kept
        ]
    )
    JournalEntry.objects.bulk_create(
        [
            JournalEntry(
                transaction_id=txn.pk, account=account, user_id=draft.user_id, amount=amount
            )
            for txn, (draft, lines) in zip(txns, kept, strict=True)
            for account, amount in lines
        ]
    )
    return txns


def charge_draft(
    *, attempt_key: str, charge_id: int, user_id: int, amount: int, at: dt.datetime
) -> TxnDraft:
    """An approved charge: the partner's payment method pays the prepaid fee."""
    return TxnDraft(
        key=f"charge:{attempt_key}",
        kind=TxnKind.CHARGE,
        at=at,
        user_id=user_id,
        charge_id=charge_id,
        lines=((Account.PARTNER_PAYMENT, -amount), (Account.DEFERRED_REVENUE, amount)),
    )


def journal_reverse(
    *, transaction: JournalTransaction, at: dt.datetime, memo: str
) -> JournalTransaction:
    """Correct a transaction by posting its exact opposite, pointing to it."""
    lines = tuple((e.account, -e.amount) for e in transaction.entries.all())
    return journal_post_many(
        drafts=[
            TxnDraft(
                key=f"correction:{transaction.idempotency_key}",
                kind=TxnKind.CORRECTION,
                at=at,
                user_id=transaction.user_id,
                charge_id=transaction.charge_id,
                corrects_id=transaction.pk,
                memo=memo,
                lines=lines,
            )
        ]
    )[0]
