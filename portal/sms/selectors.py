"""What staff and the readiness check read about the outbox as a whole."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q

from portal import clock
from portal.sms.models import OutboxMessage, OutboxStatus


@dataclass(frozen=True)
class OutboxBacklog:
    pending: int
    sending: int
    # Due or claimed for longer than SMS_STUCK_AFTER_SECONDS: neither a worker nor the
    # sweep (every minute, SMS_SWEEP_AFTER_SECONDS) is moving them.
    stuck: int
    failed_last_day: int


def outbox_backlog() -> OutboxBacklog:
    """The messages waiting, the stuck ones, and the failures of the last 24 hours."""
    now = clock.now()
    stuck_before = now - dt.timedelta(seconds=settings.SMS_STUCK_AFTER_SECONDS)
    waiting = OutboxMessage.objects.filter(
        status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING]
    ).aggregate(
        pending=Count("id", filter=Q(status=OutboxStatus.PENDING)),
        sending=Count("id", filter=Q(status=OutboxStatus.SENDING)),
        stuck=Count(
            "id",
            filter=Q(status=OutboxStatus.PENDING, next_attempt_at__lt=stuck_before)
            | Q(status=OutboxStatus.SENDING, claimed_at__lt=stuck_before),
        ),
    )
    failed = OutboxMessage.objects.filter(
        status=OutboxStatus.FAILED, created_at__gte=now - dt.timedelta(days=1)
    ).count()
    return OutboxBacklog(
        pending=waiting["pending"],
        sending=waiting["sending"],
        stuck=waiting["stuck"],
        failed_last_day=failed,
    )


def outbox_stuck_count() -> int:
    """How many messages are stuck (see ``OutboxBacklog.stuck``); one indexed query."""
    stuck_before = clock.now() - dt.timedelta(seconds=settings.SMS_STUCK_AFTER_SECONDS)
    return OutboxMessage.objects.filter(
        Q(status=OutboxStatus.PENDING, next_attempt_at__lt=stuck_before)
        | Q(status=OutboxStatus.SENDING, claimed_at__lt=stuck_before)
    ).count()
