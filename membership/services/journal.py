"""Posting to the double-entry journal (membership.md, "The ledger").

Every movement of money or points is a ``JournalTransaction`` whose entries sum to zero;
balances are sums of entries. Posting is idempotent through the transaction's key
(a UNIQUE column). All entries of one transaction are inserted in one statement, so the
PostgreSQL statement trigger can check the sum when they land.
"""

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

from membership.models import Account, JournalEntry, JournalTransaction, TxnKind
from membership.services.bulk import insert_rows

ACCOUNTS = frozenset(Account.values)
# Plain strings for the hot path of the 04:00 job (enum member access is slow in bulk).
_CHARGE = str(TxnKind.CHARGE.value)
_PAYMENT = str(Account.PARTNER_PAYMENT.value)
_DEFERRED = str(Account.DEFERRED_REVENUE.value)


class UnbalancedTransactionError(ValueError):
    pass


class TxnDraft(NamedTuple):
    key: str
    kind: str
    at: dt.datetime
    user_id: int
    lines: tuple[tuple[str, int], ...]
    charge_id: int | None = None
    refund_id: int | None = None
    corrects_id: int | None = None
    memo: str = ""


def journal_post_many(*, drafts: Sequence[TxnDraft]) -> list[int]:
    """Post balanced transactions in two INSERT statements (transactions, then entries);
    return the new transactions' ids.

    A draft whose lines are all zero posts nothing. Raises UnbalancedTransactionError
    before writing anything if any draft does not sum to zero.
    """
    kept = []
    for draft in drafts:
        lines = [line for line in draft.lines if line[1]]
        total = 0
        for account, amount in lines:
            if account not in ACCOUNTS:
                raise UnbalancedTransactionError(f"{draft.key}: unknown account {account!r}")
            total += amount
        if total:
            raise UnbalancedTransactionError(f"{draft.key}: entries sum to {total}")
        if lines:
            kept.append((draft, lines))
    if not kept:
        return []
    txn_ids = insert_rows(
        JournalTransaction,
        [
            "idempotency_key",
            "kind",
            "at",
            "user_id",
            "charge_id",
            "refund_id",
            "corrects_id",
            "memo",
        ],
        [
            (d.key, d.kind, d.at, d.user_id, d.charge_id, d.refund_id, d.corrects_id, d.memo)
            for d, _ in kept
        ],
    )
    insert_rows(
        JournalEntry,
        ["transaction_id", "account", "user_id", "amount"],
        [
            (txn_id, account, draft.user_id, amount)
            for txn_id, (draft, lines) in zip(txn_ids, kept, strict=True)
            for account, amount in lines
        ],
        ids=False,
    )
    return txn_ids


def charge_draft(
    *, attempt_key: str, charge_id: int, user_id: int, amount: int, at: dt.datetime
) -> TxnDraft:
    """An approved charge: the partner's payment method pays the prepaid fee."""
    return TxnDraft(
        key=f"charge:{attempt_key}",
        kind=_CHARGE,
        at=at,
        user_id=user_id,
        charge_id=charge_id,
        lines=((_PAYMENT, -amount), (_DEFERRED, amount)),
    )


def journal_reverse(
    *, transaction: JournalTransaction, at: dt.datetime, memo: str
) -> JournalTransaction:
    """Correct a transaction by posting its exact opposite, pointing to it."""
    lines = tuple((e.account, -e.amount) for e in transaction.entries.all())
    (txn_id,) = journal_post_many(
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
    )
    return JournalTransaction.objects.get(pk=txn_id)
