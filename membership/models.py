"""The pro-membership ledger (membership.md).

``Subscription`` is the state of one subscription (active, past due, cancelling,
ended); every change of it is also written as an append-only ``SubscriptionEvent``.
Everything else here is the ledger and is append-only: periods, charge attempts,
refunds, first-month paybacks, usage, ratings and the double-entry journal. Rows of
those models can be inserted, never updated or deleted: the model and its queryset
refuse, and so do the database's triggers (membership/migrations/0002_ledger_guards).
A correction is a new journal
transaction that points to the one it corrects.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class LedgerImmutableError(Exception):
    """Raised on any attempt to change or remove a ledger row."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LedgerImmutableError(f"{self.model.__name__} rows are append-only")

    def delete(self):
        raise LedgerImmutableError(f"{self.model.__name__} rows are append-only")

    def bulk_update(self, objs, fields, batch_size=None):
        raise LedgerImmutableError(f"{self.model.__name__} rows are append-only")

    def update_or_create(self, *args, **kwargs):
        raise LedgerImmutableError(f"{self.model.__name__} rows are append-only")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerImmutableError(f"{type(self).__name__} rows are append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerImmutableError(f"{type(self).__name__} rows are append-only")


class Method(models.TextChoices):
    KAKAOPAY_CARD = "kakaopay_card", "카카오페이 카드"
    KAKAOPAY_MONEY = "kakaopay_money", "카카오페이 머니"
    PHONE = "phone", "휴대폰 결제"


class Status(models.TextChoices):
    ACTIVE = "active", "이용 중"
    PAST_DUE = "past_due", "결제 실패(재결제 대기)"
    CANCELLING = "cancelling", "해지 예약"
    ENDED = "ended", "종료"


OPEN_STATUSES = (Status.ACTIVE, Status.PAST_DUE, Status.CANCELLING)


class EndReason(models.TextChoices):
    CANCELLED = "cancelled", "해지 예약 후 만료"
    CANCELLED_PAST_DUE = "cancelled_past_due", "결제 실패 중 해지"
    TERMINATED = "terminated", "즉시 해지"
    WITHDRAWN = "withdrawn", "청약 철회"
    RETRIES_EXHAUSTED = "retries_exhausted", "재결제 실패로 자동 해지"
    RENEWALS_STOPPED = "renewals_stopped", "서비스 종료(갱신 중단)"
    DORMANT = "dormant", "휴면 전환"


class AttemptType(models.TextChoices):
    SUBSCRIBE = "subscribe", "구독"
    RETRY = "retry", "재결제"
    REGISTER = "register", "등록"


class AttemptResult(models.TextChoices):
    APPROVED = "approved", "승인"
    DECLINED = "declined", "거절"


class DeclineReason(models.TextChoices):
    GATEWAY_DECLINED = "gateway_declined", "결제사 거절"
    RATING_BELOW_RENEWAL_THRESHOLD = "rating_below_renewal_threshold", "갱신 평점 미달"


class RefundTo(models.TextChoices):
    POINTS = "points", "포인트"
    PAYMENT_METHOD = "payment_method", "결제 취소"


class RefundKind(models.TextChoices):
    TERMINATION = "termination", "즉시 해지 환불"
    WITHDRAWAL = "withdrawal", "청약 철회 환불"
    STAFF = "staff", "예외 환불"


class Account(models.TextChoices):
    """Journal accounts. Amounts are signed; every transaction sums to zero."""

    PARTNER_PAYMENT = "partner_payment", "기사 결제수단"
    DEFERRED_REVENUE = "deferred_revenue", "선수 이용료"
    EARNED_REVENUE = "earned_revenue", "이용분 매출"
    FEE_INCOME = "fee_income", "해지 수수료"
    PARTNER_POINTS = "partner_points", "기사 포인트"
    PROMOTION = "promotion", "첫 달 지원(프로모션)"


class TxnKind(models.TextChoices):
    CHARGE = "charge", "결제"
    PAYBACK = "payback", "첫 달 페이백"
    CLAWBACK = "clawback", "페이백 회수"
    TERMINATION = "termination", "즉시 해지 정산"
    REFUND = "refund", "환불"
    CORRECTION = "correction", "정정"
    LEGACY = "legacy", "이관"


class Subscription(models.Model):
    """One subscription of one partner account, from its approved join to its end."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    qualification_no = models.CharField("자격번호", max_length=30, db_index=True)
    anchor_date = models.DateField("가입일(결제 기준일)")
    joined_at = models.DateTimeField("가입 시각")
    method = models.CharField("결제수단", max_length=20, choices=Method.choices)
    status = models.CharField("상태", max_length=12, choices=Status.choices)
    current_seq = models.PositiveIntegerField("마지막 청구 회차", default=1)
    # active: the next renewal day; past_due: the next retry day; cancelling: the end day.
    due_on = models.DateField("다음 처리일", null=True, blank=True)
    retries_done = models.PositiveSmallIntegerField("재결제 횟수", default=0)
    ended_at = models.DateTimeField("종료 시각", null=True, blank=True)
    end_reason = models.CharField("종료 사유", max_length=20, choices=EndReason.choices, blank=True)
    legacy_id = models.CharField("이관 원본 ID", max_length=40, blank=True)

    class Meta:
        verbose_name = "프로멤버십 구독"
        verbose_name_plural = "프로멤버십 구독"
        ordering = ["-joined_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=["active", "past_due", "cancelling"]),
                name="membership_one_open_subscription",
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="membership_sub_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(method__in=Method.values), name="membership_sub_method_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="ended", ended_at__isnull=False)
                | (~Q(status="ended") & Q(ended_at__isnull=True)),
                name="membership_sub_ended_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status"], name="membership_sub_status")]

    def __str__(self) -> str:
        return f"구독 #{self.pk} ({self.qualification_no}, {self.get_status_display()})"


class SubscriptionEvent(AppendOnlyModel):
    """Every change of a subscription's state, with who, when, ticket and reason."""

    class Kind(models.TextChoices):
        JOINED = "joined", "가입"
        RENEWED = "renewed", "갱신"
        PAST_DUE = "past_due", "결제 실패"
        REACTIVATED = "reactivated", "결제수단 변경 후 재개"
        METHOD_CHANGED = "method_changed", "결제수단 변경"
        CANCEL_REQUESTED = "cancel_requested", "해지 예약"
        DORMANT = "dormant", "휴면 전환"
        ENDED = "ended", "종료"
        TERMINATED = "terminated", "즉시 해지"
        WITHDRAWN = "withdrawn", "청약 철회"

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("종류", max_length=20, choices=Kind.choices)
    at = models.DateTimeField("시각")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="처리자",
    )
    ticket = models.CharField("CS 티켓", max_length=40, blank=True)
    reason = models.CharField("사유", max_length=200, blank=True)

    class Meta:
        verbose_name = "구독 이력"
        verbose_name_plural = "구독 이력"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class Period(AppendOnlyModel):
    """A billed period (paid or not: its attempts say which)."""

    # Indexed by the UNIQUE (subscription, seq) constraint.
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="periods", db_index=False
    )
    seq = models.PositiveIntegerField("회차")
    start = models.DateField("시작일")
    end = models.DateField("종료일")

    class Meta:
        verbose_name = "이용 기간"
        verbose_name_plural = "이용 기간"
        ordering = ["subscription_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "seq"], name="membership_period_once"),
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="membership_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start} ~ {self.end}"


class ChargeAttempt(AppendOnlyModel):
    """One charge attempt, approved or declined (membership.md, "Charge attempts")."""

    user = models.ForeignKey(  # indexed by (user, at)
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="membership_attempts",
        db_index=False,
    )
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, null=True, blank=True, related_name="attempts"
    )
    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, null=True, blank=True, related_name="attempts"
    )
    # UNIQUE through Meta.constraints.
    idempotency_key = models.CharField("중복 방지 키", max_length=120)
    at = models.DateTimeField("시각")
    type = models.CharField("유형", max_length=10, choices=AttemptType.choices)
    method = models.CharField("결제수단", max_length=20, choices=Method.choices)
    amount = models.PositiveIntegerField("금액")
    result = models.CharField("결과", max_length=10, choices=AttemptResult.choices)
    reason = models.CharField("거절 사유", max_length=40, choices=DeclineReason.choices, blank=True)
    gateway_ref = models.CharField("결제사 승인번호", max_length=64, blank=True)

    class Meta:
        verbose_name = "결제 시도"
        verbose_name_plural = "결제 시도"
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="membership_attempt_key_once"),
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(result="approved"),
                name="membership_one_approved_charge",
            ),
            models.CheckConstraint(
                condition=Q(result="approved", reason="") | Q(result="declined") & ~Q(reason=""),
                name="membership_attempt_reason",
            ),
            models.CheckConstraint(
                condition=Q(result="declined") | Q(period__isnull=False),
                name="membership_approved_has_period",
            ),
        ]
        indexes = [models.Index(fields=["user", "at"], name="membership_attempt_user")]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.amount:,}원 {self.get_result_display()}"


class Refund(AppendOnlyModel):
    """Money or points given back for one approved charge (not the first-month payback)."""

    charge = models.ForeignKey(ChargeAttempt, on_delete=models.PROTECT, related_name="refunds")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="membership_refunds"
    )
    idempotency_key = models.CharField("중복 방지 키", max_length=120, unique=True)
    at = models.DateTimeField("시각")
    kind = models.CharField("종류", max_length=12, choices=RefundKind.choices)
    amount = models.PositiveIntegerField("금액")
    to = models.CharField("환불 방법", max_length=16, choices=RefundTo.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="처리자",
    )
    ticket = models.CharField("CS 티켓", max_length=40, blank=True)
    reason = models.CharField("사유", max_length=200, blank=True)

    class Meta:
        verbose_name = "환불"
        verbose_name_plural = "환불"
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="membership_refund_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount:,}원 ({self.get_to_display()})"


class Payback(AppendOnlyModel):
    """The first-month benefit granted to a qualification number for one charge.

    ``generation`` counts the clawbacks the qualification number had before this grant;
    the unique pair makes a second live grant impossible even under concurrency.
    """

    qualification_no = models.CharField("자격번호", max_length=30)
    generation = models.PositiveSmallIntegerField("차수", default=0)
    charge = models.OneToOneField(ChargeAttempt, on_delete=models.PROTECT, related_name="payback")
    amount = models.PositiveIntegerField("금액")
    at = models.DateTimeField("시각")

    class Meta:
        verbose_name = "첫 달 페이백"
        verbose_name_plural = "첫 달 페이백 (자격번호별)"
        constraints = [
            models.UniqueConstraint(
                fields=["qualification_no", "generation"], name="membership_payback_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.qualification_no} {self.amount:,}원"


class PaybackClawback(AppendOnlyModel):
    payback = models.OneToOneField(Payback, on_delete=models.PROTECT, related_name="clawback")
    at = models.DateTimeField("시각")

    class Meta:
        verbose_name = "페이백 회수"
        verbose_name_plural = "페이백 회수"

    def __str__(self) -> str:
        return f"회수 {self.at:%Y-%m-%d}"


class Usage(AppendOnlyModel):
    """Activity that counts for dormancy and the cooling-off window (joins, duty_on)."""

    class Kind(models.TextChoices):
        JOIN = "join", "가입"
        DUTY_ON = "duty_on", "출근하기"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="membership_usage"
    )
    kind = models.CharField("종류", max_length=10, choices=Kind.choices)
    at = models.DateTimeField("시각")

    class Meta:
        verbose_name = "이용 기록"
        verbose_name_plural = "이용 기록"
        indexes = [models.Index(fields=["user", "at"], name="membership_usage_user")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class Rating(AppendOnlyModel):
    """The driver's latest monthly average from ``effective_at`` on (null: no rating)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="membership_ratings"
    )
    value = models.DecimalField("평점", max_digits=3, decimal_places=2, null=True, blank=True)
    effective_at = models.DateTimeField("적용 시각")

    class Meta:
        verbose_name = "평점"
        verbose_name_plural = "평점"
        indexes = [models.Index(fields=["user", "effective_at"], name="membership_rating_user")]

    def __str__(self) -> str:
        shown = "평점 없음" if self.value is None else str(self.value)
        return f"{shown} ({self.effective_at:%Y-%m-%d})"


class JournalTransaction(AppendOnlyModel):
    """A balanced movement of money or points: its entries sum to zero."""

    # UNIQUE through Meta.constraints.
    idempotency_key = models.CharField("중복 방지 키", max_length=120)
    kind = models.CharField("종류", max_length=12, choices=TxnKind.choices)
    at = models.DateTimeField("시각")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="membership_journal"
    )
    charge = models.ForeignKey(
        ChargeAttempt, on_delete=models.PROTECT, null=True, blank=True, related_name="journal"
    )
    # Mostly empty: indexed (and unique) only where set, see Meta.
    refund = models.ForeignKey(
        Refund,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="journal",
        db_index=False,
    )
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        db_index=False,
    )
    memo = models.CharField("메모", max_length=200, blank=True)

    class Meta:
        verbose_name = "분개"
        verbose_name_plural = "분개"
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="membership_txn_key_once"),
            models.UniqueConstraint(
                fields=["refund"],
                condition=Q(refund__isnull=False),
                name="membership_txn_one_per_refund",
            ),
            # What an entry's (transaction, partner) pair refers to: an entry's partner
            # is its transaction's (membership/migrations/0002_ledger_guards).
            models.UniqueConstraint(fields=["id", "user"], name="membership_txn_partner"),
        ]
        indexes = [
            models.Index(
                fields=["corrects"],
                condition=Q(corrects__isnull=False),
                name="membership_txn_corrects",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class JournalEntry(AppendOnlyModel):
    transaction = models.ForeignKey(
        JournalTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.CharField("계정", max_length=20, choices=Account.choices)
    # The transaction's partner, copied for balances by (user, account), which index it;
    # the database refuses an entry whose partner is not its transaction's
    # (membership/migrations/0002_ledger_guards).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    amount = models.BigIntegerField("금액")

    class Meta:
        verbose_name = "분개 항목"
        verbose_name_plural = "분개 항목"
        indexes = [
            models.Index(fields=["user", "account"], name="membership_entry_balance"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="membership_entry_nonzero"),
        ]

    def __str__(self) -> str:
        return f"{self.get_account_display()} {self.amount:+,}"
