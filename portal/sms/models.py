"""The SMS outbox: one row per message, written in the transaction that caused it.

See docs/sms.md and platform.md, "SMS".
"""

from django.db import models

from portal import clock


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "대기"
    SENDING = "sending", "발송 중"
    SENT = "sent", "발송됨"
    FAILED = "failed", "실패"


class OutboxMessage(models.Model):
    """A text message to one phone.

    ``pending`` rows wait for a worker (from ``next_attempt_at`` on); a worker moves a
    row to ``sending`` and commits that before it calls the gateway, so no two workers
    ever send one row; the result moves it to ``sent``, back to ``pending`` (a retry
    after a back-off) or to ``failed``.
    """

    to = models.CharField("받는 번호", max_length=20)
    body = models.TextField("내용")
    kind = models.CharField("종류", max_length=40)
    idempotency_key = models.CharField("중복 방지 키", max_length=200)
    status = models.CharField(
        "상태", max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField("시도 횟수", default=0)
    provider_message_id = models.CharField("발송사 메시지 ID", max_length=100, blank=True)
    last_error = models.TextField("마지막 오류", blank=True)
    created_at = models.DateTimeField("만든 때", default=clock.now, db_index=True)
    next_attempt_at = models.DateTimeField("다음 시도", default=clock.now)
    claimed_at = models.DateTimeField("발송 시작", null=True, blank=True)
    sent_at = models.DateTimeField("발송한 때", null=True, blank=True)

    class Meta:
        verbose_name = "문자"
        verbose_name_plural = "문자 발송함"
        ordering = ["-created_at", "-id"]
        # What the worker (due rows) and the admin's filters look up.
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="sms_outbox_due"),
            models.Index(fields=["to"], name="sms_outbox_to"),
            models.Index(fields=["kind"], name="sms_outbox_kind"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="sms_outbox_key_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=OutboxStatus.values), name="sms_outbox_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=OutboxStatus.SENT) | models.Q(sent_at__isnull=False),
                name="sms_outbox_sent_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=OutboxStatus.SENDING)
                | models.Q(claimed_at__isnull=False),
                name="sms_outbox_sending_has_claim",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.to} · {self.kind} · {self.get_status_display()}"
