"""The scheduled jobs (membership.md, "Policy": daily job, retries, renewals stop;
"Ending a subscription": dormancy; precise semantics 1–3).

``membership_daily_run`` is the 04:00 job: dormancy, then renewal charges due today, then
retries, then endings. It works in batches with set-based writes: per batch a handful
of statements whatever the batch size. Each batch locks its subscriptions with
``FOR UPDATE SKIP LOCKED`` and moves their ``due_on`` forward in the same transaction,
and every attempt carries a UNIQUE idempotency key (subscription, period, attempt
number), so two runs for one day, one after the other or at once, charge nobody twice.

``membership_dormancy_notify`` queues the SMS notice 30 days before dormancy.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery

from membership.calendar import period_end, period_start
from membership.models import (
    AttemptType,
    EndReason,
    Period,
    Status,
    Subscription,
    SubscriptionEvent,
    Usage,
)
from membership.policy import policy
from membership.selectors import rating_subquery, ratings_at
from membership.services.bulk import insert_rows
from membership.services.charging import (
    AttemptDraft,
    attempts_write,
    charges_decide,
    rating_allows_renewal,
)
from portal import clock
from portal.bulk import collector_paused
from portal.schedule import MEMBERSHIP_DAILY_AT, MEMBERSHIP_DORMANCY_AT

BATCH_SIZE = 10_000
_SUBSCRIBE = str(AttemptType.SUBSCRIBE.value)  # a plain string in the hot loop


@dataclass
class DailyReport:
    day: dt.date
    dormant: int = 0
    renewed: int = 0
    renewal_declined: int = 0
    retried: int = 0
    retry_declined: int = 0
    ended: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "dormant": self.dormant,
            "renewed": self.renewed,
            "renewal_declined": self.renewal_declined,
            "retried": self.retried,
            "retry_declined": self.retry_declined,
            "ended": self.ended,
        }


def membership_daily_run(
    *, batch_size: int = BATCH_SIZE, scope: Collection[int] | None = None
) -> DailyReport:
    """The 04:00 job for today on the clock: dormancy, renewals, retries, endings.

    ``scope`` limits the run to these partners (the replay runs the job for its own
    drivers only, so it never touches, locks or waits for anybody else's rows).
    """
    now = clock.now()
    report = DailyReport(day=now.date())
    with collector_paused():
        report.dormant = _dormancy(now=now, scope=scope)
        if now < policy().renewals_stop_at:
            while _renewal_batch(now=now, report=report, batch_size=batch_size, scope=scope):
                pass
            while _retry_batch(now=now, report=report, batch_size=batch_size, scope=scope):
                pass
        _endings(now=now, report=report, scope=scope)
    return report


def _subscriptions(scope: Collection[int] | None):
    qs = Subscription.objects.all()
    return qs if scope is None else qs.filter(user_id__in=list(scope))


def _last_activity():
    return Subquery(
        Usage.objects.filter(user_id=OuterRef("user_id")).order_by("-at").values("at")[:1]
    )


@transaction.atomic
def _dormancy(*, now: dt.datetime, scope: Collection[int] | None = None) -> int:
    """A driver with no activity for 365 × 24 hours: an active subscription becomes
    ``cancelling`` (benefits to the end of the period), a past-due one ends."""
    cutoff = now - policy().dormancy
    rows = list(
        _subscriptions(scope)
        .select_for_update(of=("self",))
        # A join is activity: a subscription joined after the cutoff cannot be dormant.
        .filter(status__in=[Status.ACTIVE, Status.PAST_DUE], joined_at__lte=cutoff)
        # No activity after the cutoff (one anti-join, not a latest-activity lookup per row).
        .filter(~Exists(Usage.objects.filter(user_id=OuterRef("user_id"), at__gt=cutoff)))
        .order_by("id")
        .values_list("id", "status")
    )
    active = [sid for sid, status in rows if status == Status.ACTIVE]
    past_due = [sid for sid, status in rows if status == Status.PAST_DUE]
    if active:
        Subscription.objects.filter(id__in=active).update(status=Status.CANCELLING)
    if past_due:
        Subscription.objects.filter(id__in=past_due).update(
            status=Status.ENDED, ended_at=now, end_reason=EndReason.DORMANT, due_on=None
        )
    SubscriptionEvent.objects.bulk_create(
        [
            SubscriptionEvent(
                subscription_id=sid, kind=SubscriptionEvent.Kind.DORMANT, at=now, reason="dormant"
            )
            for sid, _ in rows
        ]
    )
    return len(rows)


def _renewal_batch(
    *, now: dt.datetime, report: DailyReport, batch_size: int, scope: Collection[int] | None
) -> bool:
    """Renew one batch of active subscriptions due today: a ``subscribe`` attempt for
    the next period, on the billing day at 04:00. Returns False when none is left."""
    day = now.date()
    with transaction.atomic():
        rows = list(
            _subscriptions(scope)
            .select_for_update(skip_locked=True)
            .filter(status=Status.ACTIVE, due_on__lte=day)
            .order_by("id")
            .annotate(rating=rating_subquery(at=now))
            .values_list("id", "user_id", "anchor_date", "current_seq", "method", "rating")[
                :batch_size
            ]
        )
        if not rows:
            return False
        price = policy().price
        # Subscriptions share billing days and period numbers: each period's dates once.
        dates: dict[tuple[dt.date, int], tuple[dt.date, dt.date]] = {}

        def period(anchor: dt.date, seq: int) -> tuple[dt.date, dt.date]:
            found = dates.get((anchor, seq))
            if found is None:
                found = dates[(anchor, seq)] = (
                    period_start(anchor=anchor, seq=seq),
                    period_end(anchor=anchor, seq=seq),
                )
            return found

        period_ids = insert_rows(
            Period,
            ["subscription_id", "seq", "start", "end"],
            [(sid, seq + 1, *period(anchor, seq + 1)) for sid, _, anchor, seq, _, _ in rows],
        )
        drafts = [
            AttemptDraft(
                key=f"sub:{sid}:p{seq + 1}:subscribe",
                user_id=user_id,
                type=_SUBSCRIBE,
                method=method,
                amount=price,
                subscription_id=sid,
                period_id=period_id,
                rating_ok=rating_allows_renewal(rating),
            )
            for (sid, user_id, _, seq, method, rating), period_id in zip(
                rows, period_ids, strict=True
            )
        ]
        attempts = attempts_write(decided=charges_decide(drafts=drafts), at=now)
        approved_by_due: dict[dt.date, list[int]] = defaultdict(list)
        declined: list[int] = []
        for (sid, _, anchor, seq, _, _), attempt in zip(rows, attempts, strict=True):
            if attempt.approved:
                approved_by_due[period(anchor, seq + 2)[0]].append(sid)
            else:
                declined.append(sid)
        for due_on, ids in approved_by_due.items():
            Subscription.objects.filter(id__any=ids).update(
                current_seq=F("current_seq") + 1, due_on=due_on
            )
        if declined:
            Subscription.objects.filter(id__any=declined).update(
                status=Status.PAST_DUE,
                current_seq=F("current_seq") + 1,
                retries_done=0,
                due_on=day + dt.timedelta(days=1),
            )
            SubscriptionEvent.objects.bulk_create(
                [
                    SubscriptionEvent(
                        subscription_id=sid, kind=SubscriptionEvent.Kind.PAST_DUE, at=now
                    )
                    for sid in declined
                ]
            )
        report.renewed += sum(len(ids) for ids in approved_by_due.values())
        report.renewal_declined += len(declined)
    return True


def _retry_batch(
    *, now: dt.datetime, report: DailyReport, batch_size: int, scope: Collection[int] | None
) -> bool:
    """Retry one batch of past-due subscriptions: a ``retry`` attempt on each of the 3
    days after a failed renewal. Returns False when none is left."""
    day = now.date()
    p = policy()
    with transaction.atomic():
        rows = list(
            _subscriptions(scope)
            .select_for_update(skip_locked=True)
            .filter(status=Status.PAST_DUE, due_on__lte=day, retries_done__lt=p.retry_days)
            .order_by("id")
            .values_list("id", "user_id", "anchor_date", "current_seq", "method", "retries_done")[
                :batch_size
            ]
        )
        if not rows:
            return False
        ratings = ratings_at(user_ids={row[1] for row in rows}, at=now)
        wanted = {(sid, seq) for sid, _, _, seq, _, _ in rows}
        period_ids = {
            (sid, seq): pid
            for pid, sid, seq in Period.objects.filter(
                subscription_id__in=[r[0] for r in rows]
            ).values_list("id", "subscription_id", "seq")
            if (sid, seq) in wanted
        }
        drafts = [
            AttemptDraft(
                key=f"sub:{sid}:p{seq}:retry{done + 1}",
                user_id=user_id,
                type=AttemptType.RETRY,
                method=method,
                amount=p.price,
                subscription_id=sid,
                period_id=period_ids[(sid, seq)],
                rating_ok=rating_allows_renewal(ratings.get(user_id)),
            )
            for sid, user_id, _, seq, method, done in rows
        ]
        attempts = attempts_write(decided=charges_decide(drafts=drafts), at=now)
        approved: list[tuple[int, dt.date]] = []
        declined: list[int] = []
        for (sid, _, anchor, seq, _, _), attempt in zip(rows, attempts, strict=True):
            if attempt.approved:
                approved.append((sid, period_start(anchor=anchor, seq=seq + 1)))
            else:
                declined.append(sid)
        by_due: dict[dt.date, list[int]] = defaultdict(list)
        for sid, due_on in approved:
            by_due[due_on].append(sid)
        for due_on, ids in by_due.items():
            Subscription.objects.filter(id__in=ids).update(
                status=Status.ACTIVE, retries_done=0, due_on=due_on
            )
        SubscriptionEvent.objects.bulk_create(
            [
                SubscriptionEvent(subscription_id=sid, kind=SubscriptionEvent.Kind.RENEWED, at=now)
                for sid, _ in approved
            ]
        )
        if declined:
            Subscription.objects.filter(id__in=declined).update(
                retries_done=F("retries_done") + 1, due_on=day + dt.timedelta(days=1)
            )
        report.retried += len(approved)
        report.retry_declined += len(declined)
    return True


@transaction.atomic
def _endings(*, now: dt.datetime, report: DailyReport, scope: Collection[int] | None) -> None:
    """End what ends today: cancelling subscriptions on their billing day, past-due ones
    after the last failed retry, and from the renewal stop on every period reaching its
    billing day and every subscription still past due."""
    day = now.date()
    p = policy()
    plan: list[tuple[str, Q]] = [
        (EndReason.CANCELLED, Q(status=Status.CANCELLING, due_on__lte=day)),
        (EndReason.RETRIES_EXHAUSTED, Q(status=Status.PAST_DUE, retries_done__gte=p.retry_days)),
    ]
    if now >= p.renewals_stop_at:
        plan += [
            (EndReason.RENEWALS_STOPPED, Q(status=Status.ACTIVE, due_on__lte=day)),
            (EndReason.RENEWALS_STOPPED, Q(status=Status.PAST_DUE)),
        ]
    for reason, condition in plan:
        ids = list(
            _subscriptions(scope).select_for_update().filter(condition).values_list("id", flat=True)
        )
        if not ids:
            continue
        if reason == EndReason.CANCELLED:
            dormant = set(
                SubscriptionEvent.objects.filter(
                    subscription_id__in=ids, kind=SubscriptionEvent.Kind.DORMANT
                ).values_list("subscription_id", flat=True)
            )
            groups = {
                EndReason.DORMANT: [i for i in ids if i in dormant],
                EndReason.CANCELLED: [i for i in ids if i not in dormant],
            }
        else:
            groups = {reason: ids}
        for why, group in groups.items():
            if not group:
                continue
            Subscription.objects.filter(id__in=group).update(
                status=Status.ENDED, ended_at=now, end_reason=why, due_on=None
            )
            SubscriptionEvent.objects.bulk_create(
                [
                    SubscriptionEvent(
                        subscription_id=sid, kind=SubscriptionEvent.Kind.ENDED, at=now, reason=why
                    )
                    for sid in group
                ]
            )
            report.ended[why] = report.ended.get(why, 0) + len(group)


def membership_dormancy_notify(*, scope: Collection[int] | None = None) -> int:
    """Queue the dormancy notice SMS for drivers whose subscription would stop renewing
    within 30 days for lack of activity (membership.md, dormancy). One message per
    driver and last activity (idempotency key), so a daily run sends it once."""
    from portal.sms.services import SmsDraft, sms_queue_many

    now = clock.now()
    p = policy()
    start = now - p.dormancy
    end = now - p.dormancy + p.dormancy_notice
    rows = list(
        _subscriptions(scope)
        .filter(status__in=[Status.ACTIVE, Status.PAST_DUE], joined_at__lte=end)
        .annotate(last=_last_activity())
        .filter(last__gt=start, last__lte=end)
        .exclude(user__phone__isnull=True)
        .exclude(user__phone="")
        .values_list("user_id", "user__phone", "last")
    )
    drafts = []
    for user_id, phone, last in rows:
        dormant_on = clock.aware(last + p.dormancy).date()
        drafts.append(
            SmsDraft(
                to=phone,
                body=(
                    "[파트너플레이스] 기사 앱 이용 기록이 없어 "
                    f"{dormant_on:%Y년 %m월 %d일}에 휴면 처리됩니다. "
                    "휴면이 되면 프로멤버십 정기결제가 해지되고, "
                    "남은 기간까지만 이용할 수 있습니다."
                ),
                kind="membership_dormancy_notice",
                idempotency_key=f"membership-dormancy:{user_id}:{last.isoformat()}",
            )
        )
    if not drafts:
        return 0
    with transaction.atomic():
        return sms_queue_many(drafts=drafts)


# The jobs in the order they run each day, with their Seoul wall time from the beat
# schedule (portal/schedule.py); the replay and the jobs' commands read this.
DAILY_JOBS: tuple[tuple[str, dt.time, object], ...] = (
    ("membership_daily", MEMBERSHIP_DAILY_AT, membership_daily_run),
    ("membership_dormancy", MEMBERSHIP_DORMANCY_AT, membership_dormancy_notify),
)
