"""Legacy import (membership.md, "The ledger": legacy import): load the ledger from the
old system's CSV exports — subscriptions, attempts, refunds, points — with validation
(every problem reported with its file and row number, nothing written when there is
one) and a reconciliation report afterwards.

Files (UTF-8, header row first; times Asia/Seoul, naive or with +09:00):

- subscriptions.csv: legacy_id, phone, qualification_no, joined_at, method, status
  (active, past_due, cancelling, ended), ended_at (only when ended)
- attempts.csv: legacy_id, subscription_id, at, type (subscribe, retry, register),
  method, amount, result (approved, declined), reason (empty when approved),
  period_start (a billing day of the subscription)
- refunds.csv: legacy_id, attempt_id, at, amount, to (points, payment_method),
  kind (termination, withdrawal, staff), ticket, reason
- points.csv: legacy_id, qualification_no, attempt_id, at, amount, kind (payback,
  clawback, refund): the old system's point ledger. Paybacks and clawbacks are loaded;
  refunds as points come from refunds.csv and are only reconciled.
"""

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from membership.calendar import period_end, period_start
from membership.models import (
    OPEN_STATUSES,
    AttemptResult,
    AttemptType,
    ChargeAttempt,
    DeclineReason,
    Method,
    Period,
    RefundKind,
    RefundTo,
    Status,
    Subscription,
    SubscriptionEvent,
    Usage,
)
from membership.selectors import points_balance
from membership.services.journal import charge_draft, journal_post_many
from membership.services.payback import payback_claw_back, payback_post
from membership.services.reconcile import Difference, ledger_reconcile
from membership.services.refunds import refund_post
from portal import clock

COLUMNS = {
    "subscriptions": [
        "legacy_id",
        "phone",
        "qualification_no",
        "joined_at",
        "method",
        "status",
        "ended_at",
    ],
    "attempts": [
        "legacy_id",
        "subscription_id",
        "at",
        "type",
        "method",
        "amount",
        "result",
        "reason",
        "period_start",
    ],
    "refunds": ["legacy_id", "attempt_id", "at", "amount", "to", "kind", "ticket", "reason"],
    "points": ["legacy_id", "qualification_no", "attempt_id", "at", "amount", "kind"],
}


@dataclass
class ImportReport:
    errors: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.differences


class _Rows:
    """Read one CSV, remembering each row's line number for error messages."""

    def __init__(self, name: str, text: str, errors: list[str]) -> None:
        self.name = name
        self.errors = errors
        self.rows: list[tuple[int, dict]] = []
        reader = csv.DictReader(io.StringIO(text))
        missing = [c for c in COLUMNS[name] if c not in (reader.fieldnames or [])]
        if missing:
            errors.append(f"{name}.csv row 1: missing column(s) {', '.join(missing)}")
            return
        for row in reader:
            self.rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}))

    def error(self, line: int, message: str) -> None:
        self.errors.append(f"{self.name}.csv row {line}: {message}")


def _when(rows: _Rows, line: int, value: str, column: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        rows.error(line, f"{column} is not a date-time: {value!r}")
        return None
    if parsed.tzinfo is not None and parsed.utcoffset() != dt.timedelta(hours=9):
        rows.error(line, f"{column} must be Asia/Seoul time")
        return None
    return clock.aware(parsed)


def _amount(rows: _Rows, line: int, value: str, *, signed: bool = False) -> int | None:
    try:
        amount = int(value)
    except ValueError:
        rows.error(line, f"amount must be a whole number of won: {value!r}")
        return None
    if not signed and amount <= 0:
        rows.error(line, "amount must be more than 0")
        return None
    return amount


def _choice(rows: _Rows, line: int, value: str, column: str, allowed) -> str | None:
    if value not in allowed:
        rows.error(line, f"{column} must be one of {', '.join(allowed)}: {value!r}")
        return None
    return value


def legacy_import(*, files: dict[str, str]) -> ImportReport:
    """Validate all four files; load them in one transaction when valid; reconcile."""
    report = ImportReport()
    errors = report.errors
    for name in COLUMNS:
        if name not in files:
            errors.append(f"{name}.csv: file missing")
    if errors:
        return report
    subs_rows = _Rows("subscriptions", files["subscriptions"], errors)
    att_rows = _Rows("attempts", files["attempts"], errors)
    ref_rows = _Rows("refunds", files["refunds"], errors)
    pts_rows = _Rows("points", files["points"], errors)
    if errors:
        return report

    User = get_user_model()
    phones = {"".join(ch for ch in row["phone"] if ch.isdigit()) for _, row in subs_rows.rows}
    users = {u.phone: u for u in User.objects.filter(phone__in=phones)}

    subs: dict[str, dict] = {}
    seen_subs: set[str] = set()
    for line, row in subs_rows.rows:
        lid = row["legacy_id"]
        if not lid or lid in seen_subs:
            subs_rows.error(line, f"legacy_id missing or repeated: {lid!r}")
            continue
        seen_subs.add(lid)
        phone = "".join(ch for ch in row["phone"] if ch.isdigit())
        user = users.get(phone)
        if user is None:
            subs_rows.error(line, f"no partner with phone {row['phone']!r}")
            continue
        if user.qualification_no and user.qualification_no != row["qualification_no"]:
            subs_rows.error(line, "qualification_no differs from the partner's")
            continue
        joined = _when(subs_rows, line, row["joined_at"], "joined_at")
        method = _choice(subs_rows, line, row["method"], "method", Method.values)
        status = _choice(subs_rows, line, row["status"], "status", Status.values)
        ended = None
        if status == Status.ENDED:
            ended = _when(subs_rows, line, row["ended_at"], "ended_at") if row["ended_at"] else None
            if ended is None and not row["ended_at"]:
                subs_rows.error(line, "ended_at is required when status is ended")
        elif row["ended_at"]:
            subs_rows.error(line, "ended_at must be empty unless status is ended")
        if None in (joined, method, status):
            continue
        subs[lid] = {
            "line": line,
            "user": user,
            "qno": row["qualification_no"],
            "joined": joined,
            "method": method,
            "status": status,
            "ended": ended,
        }
    open_per_user = defaultdict(list)
    for lid, sub in subs.items():
        if sub["status"] in OPEN_STATUSES:
            open_per_user[sub["user"].pk].append(lid)
    for ids in open_per_user.values():
        for lid in ids[1:]:
            subs_rows.error(subs[lid]["line"], "a partner can have only one open subscription")

    attempts: dict[str, dict] = {}
    approved_periods: set[tuple[str, int]] = set()
    seen: set[str] = set()
    for line, row in att_rows.rows:
        lid = row["legacy_id"]
        if not lid or lid in seen:
            att_rows.error(line, f"legacy_id missing or repeated: {lid!r}")
            continue
        seen.add(lid)
        sub = subs.get(row["subscription_id"])
        if sub is None:
            att_rows.error(line, f"unknown subscription_id {row['subscription_id']!r}")
            continue
        at = _when(att_rows, line, row["at"], "at")
        kind = _choice(att_rows, line, row["type"], "type", AttemptType.values)
        method = _choice(att_rows, line, row["method"], "method", Method.values)
        amount = _amount(att_rows, line, row["amount"])
        result = _choice(att_rows, line, row["result"], "result", AttemptResult.values)
        if result == AttemptResult.APPROVED and row["reason"]:
            att_rows.error(line, "reason must be empty for an approved attempt")
            continue
        if (
            result == AttemptResult.DECLINED
            and _choice(att_rows, line, row["reason"], "reason", DeclineReason.values) is None
        ):
            continue
        try:
            start = dt.date.fromisoformat(row["period_start"])
        except ValueError:
            att_rows.error(line, f"period_start is not a date: {row['period_start']!r}")
            continue
        anchor = sub["joined"].date()
        seq = (start.year - anchor.year) * 12 + start.month - anchor.month + 1
        if seq < 1 or period_start(anchor=anchor, seq=seq) != start:
            att_rows.error(line, f"period_start {start} is not a billing day of the subscription")
            continue
        if None in (at, kind, method, amount, result):
            continue
        if result == AttemptResult.APPROVED:
            if (row["subscription_id"], seq) in approved_periods:
                att_rows.error(line, f"a second approved charge for the period from {start}")
                continue
            approved_periods.add((row["subscription_id"], seq))
        attempts[lid] = {
            "sub": row["subscription_id"],
            "at": at,
            "type": kind,
            "method": method,
            "amount": amount,
            "result": result,
            "reason": row["reason"],
            "seq": seq,
        }

    refunds: list[dict] = []
    refunded = defaultdict(int)
    for line, row in ref_rows.rows:
        attempt = attempts.get(row["attempt_id"])
        if attempt is None or attempt["result"] != AttemptResult.APPROVED:
            ref_rows.error(line, f"attempt_id {row['attempt_id']!r} is not an approved charge")
            continue
        at = _when(ref_rows, line, row["at"], "at")
        amount = _amount(ref_rows, line, row["amount"])
        to = _choice(ref_rows, line, row["to"], "to", RefundTo.values)
        kind = _choice(ref_rows, line, row["kind"], "kind", RefundKind.values)
        if None in (at, amount, to, kind):
            continue
        refunded[row["attempt_id"]] += amount
        if refunded[row["attempt_id"]] > attempt["amount"]:
            ref_rows.error(line, "refunds of this charge exceed the charge")
            continue
        refunds.append({**row, "at": at, "amount": amount, "to": to, "kind": kind})

    points: list[dict] = []
    for line, row in pts_rows.rows:
        kind = _choice(pts_rows, line, row["kind"], "kind", ["payback", "clawback", "refund"])
        at = _when(pts_rows, line, row["at"], "at")
        amount = _amount(pts_rows, line, row["amount"], signed=True)
        attempt = attempts.get(row["attempt_id"])
        if attempt is None or attempt["result"] != AttemptResult.APPROVED:
            pts_rows.error(line, f"attempt_id {row['attempt_id']!r} is not an approved charge")
            continue
        if None in (kind, at, amount):
            continue
        if (kind == "clawback" and amount >= 0) or (kind != "clawback" and amount <= 0):
            pts_rows.error(line, "a clawback is negative, a payback or refund positive")
            continue
        if subs[attempt["sub"]]["qno"] != row["qualification_no"]:
            pts_rows.error(line, "qualification_no differs from the charge's subscription")
            continue
        points.append({**row, "kind": kind, "at": at, "amount": amount})

    if errors:
        return report
    with transaction.atomic():
        _load(subs, attempts, refunds, points, report)
        user_ids = {sub["user"].pk for sub in subs.values()}
        report.differences = ledger_reconcile(user_ids=user_ids)
        expected = defaultdict(int)
        for row in points:
            expected[subs[attempts[row["attempt_id"]]["sub"]]["user"].pk] += row["amount"]
        for sub in subs.values():
            user = sub["user"]
            got = points_balance(user=user)
            if got != expected.get(user.pk, 0):
                report.differences.append(
                    Difference(
                        "points.csv vs ledger", f"user {user.pk}", expected.get(user.pk, 0), got
                    )
                )
                expected[user.pk] = got  # report each partner once
        if report.differences:
            transaction.set_rollback(True)
    return report


def _load(subs, attempts, refunds, points, report: ImportReport) -> None:
    by_sub = defaultdict(list)
    for lid, attempt in attempts.items():
        by_sub[attempt["sub"]].append((lid, attempt))
    sub_objs: dict[str, Subscription] = {}
    for lid, sub in subs.items():
        anchor = sub["joined"].date()
        own = sorted(by_sub.get(lid, []), key=lambda item: item[1]["at"])
        seq = max((a["seq"] for _, a in own), default=1)
        retries = sum(1 for _, a in own if a["seq"] == seq and a["type"] == AttemptType.RETRY)
        last_at = own[-1][1]["at"] if own else sub["joined"]
        due = {
            Status.ACTIVE: period_start(anchor=anchor, seq=seq + 1),
            Status.CANCELLING: period_start(anchor=anchor, seq=seq + 1),
            Status.PAST_DUE: last_at.date() + dt.timedelta(days=1),
        }.get(sub["status"])
        obj = Subscription.objects.create(
            user=sub["user"],
            qualification_no=sub["qno"],
            anchor_date=anchor,
            joined_at=sub["joined"],
            method=sub["method"],
            status=sub["status"],
            current_seq=seq,
            due_on=due,
            retries_done=retries,
            ended_at=sub["ended"],
            legacy_id=lid,
        )
        sub_objs[lid] = obj
        SubscriptionEvent.objects.create(
            subscription=obj,
            kind=SubscriptionEvent.Kind.JOINED,
            at=sub["joined"],
            reason="legacy import",
        )
        Usage.objects.create(user=sub["user"], kind=Usage.Kind.JOIN, at=sub["joined"])
    periods = {}
    wanted = sorted({(a["sub"], a["seq"]) for a in attempts.values()})
    created = Period.objects.bulk_create(
        [
            Period(
                subscription=sub_objs[lid],
                seq=seq,
                start=period_start(anchor=sub_objs[lid].anchor_date, seq=seq),
                end=period_end(anchor=sub_objs[lid].anchor_date, seq=seq),
            )
            for lid, seq in wanted
        ]
    )
    periods = dict(zip(wanted, created, strict=True))
    attempt_objs = dict(
        zip(
            attempts,
            ChargeAttempt.objects.bulk_create(
                [
                    ChargeAttempt(
                        user=subs[a["sub"]]["user"],
                        subscription=sub_objs[a["sub"]],
                        period=periods[(a["sub"], a["seq"])],
                        idempotency_key=f"legacy:{lid}",
                        at=a["at"],
                        type=a["type"],
                        method=a["method"],
                        amount=a["amount"],
                        result=a["result"],
                        reason=a["reason"],
                    )
                    for lid, a in attempts.items()
                ]
            ),
            strict=True,
        )
    )
    journal_post_many(
        drafts=[
            charge_draft(
                attempt_key=obj.idempotency_key,
                charge_id=obj.pk,
                user_id=obj.user_id,
                amount=obj.amount,
                at=obj.at,
            )
            for obj in attempt_objs.values()
            if obj.result == AttemptResult.APPROVED
        ]
    )
    for refund in sorted(refunds, key=lambda r: r["at"]):
        refund_post(
            charge=attempt_objs[refund["attempt_id"]],
            amount=refund["amount"],
            to=refund["to"],
            kind=refund["kind"],
            at=refund["at"],
            ticket=refund["ticket"],
            reason=refund["reason"],
            through_gateway=False,
        )
    paybacks = {}
    for row in sorted(points, key=lambda r: (r["at"], r["kind"] != "payback")):
        charge = attempt_objs[row["attempt_id"]]
        if row["kind"] == "payback":
            paybacks[row["attempt_id"]] = payback_post(
                qualification_no=row["qualification_no"],
                charge=charge,
                amount=row["amount"],
                at=row["at"],
            )
        elif row["kind"] == "clawback":
            payback = paybacks.get(row["attempt_id"])
            if payback is None or payback.amount != -row["amount"]:
                report.differences.append(
                    Difference("clawback without its payback", row["legacy_id"], "a payback", None)
                )
                continue
            payback_claw_back(payback=payback, at=row["at"])
    report.counts = {
        "subscriptions": len(sub_objs),
        "attempts": len(attempt_objs),
        "refunds": len(refunds),
        "points": len(points),
    }
