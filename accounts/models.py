"""Partners, the roster they sign up from, and the organisations around them.

accounts.md: "The roster and the ID", "Verification codes", "Member info", "Help pages".
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from accounts.phone import stored_form_condition
from portal import clock


class DriverType(models.TextChoices):
    GENERAL = "general", "일반"
    FRANCHISE = "franchise", "가맹"


class RegionalHQ(models.Model):
    """지역본부: calls about course re-application go here or to the franchise office."""

    name = models.CharField("이름", max_length=100, unique=True)
    phone = models.CharField("전화번호", max_length=20, blank=True)

    class Meta:
        verbose_name = "지역본부"
        verbose_name_plural = "지역본부"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FranchiseOffice(models.Model):
    """소속 가맹점, under a regional HQ."""

    name = models.CharField("이름", max_length=100, unique=True)
    phone = models.CharField("전화번호", max_length=20, blank=True)
    regional_hq = models.ForeignKey(
        RegionalHQ,
        on_delete=models.PROTECT,
        related_name="franchise_offices",
        verbose_name="지역본부",
    )

    class Meta:
        verbose_name = "가맹점"
        verbose_name_plural = "가맹점"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TransportCompany(models.Model):
    """운수사: registers its drivers' phone numbers (the roster)."""

    name = models.CharField("이름", max_length=100, unique=True)
    phone = models.CharField("전화번호", max_length=20, blank=True)
    franchise_office = models.ForeignKey(
        FranchiseOffice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transport_companies",
        verbose_name="가맹점",
    )
    regional_hq = models.ForeignKey(
        RegionalHQ,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transport_companies",
        verbose_name="지역본부",
    )

    class Meta:
        verbose_name = "운수사"
        verbose_name_plural = "운수사"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def contact_for_courses(self) -> tuple[str, str] | None:
        """Whom a driver calls about course re-application: franchise office, else HQ."""
        if self.franchise_office_id:
            return (self.franchise_office.name, self.franchise_office.phone)
        if self.regional_hq_id:
            return (self.regional_hq.name, self.regional_hq.phone)
        return None


class Service(models.Model):
    """A service of the catalogue (카카오 T 블루, 카카오 T 벤티, ...)."""

    code = models.SlugField("코드", max_length=30, unique=True)
    name = models.CharField("서비스명", max_length=100)
    summary = models.TextField("가입 안내 요약", blank=True)
    signup_info = models.TextField("가입 안내", blank=True)
    position = models.PositiveSmallIntegerField("순서", default=0)

    class Meta:
        verbose_name = "서비스"
        verbose_name_plural = "서비스"
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in: a partner (driver) or a staff member.

    Partners log in with their mobile number: ``username`` and ``phone`` hold the same
    normalised 11 digits; staff have a plain username and no phone.
    """

    # Unique through Meta (a named constraint); forms still report a taken username on
    # the field.
    username = models.CharField(
        "아이디",
        max_length=150,
        help_text="150자 이내. 영문, 숫자와 @/./+/-/_ 만 쓸 수 있습니다.",
        validators=[UnicodeUsernameValidator()],
        error_messages={"unique": "이미 쓰고 있는 아이디입니다."},
    )
    phone = models.CharField("휴대폰 번호", max_length=11, null=True, blank=True)  # noqa: DJ001 (unique: staff have none)
    name = models.CharField("이름", max_length=50, blank=True)
    birth_date = models.DateField("생년월일", null=True, blank=True)
    qualification_no = models.CharField("자격번호", max_length=30, blank=True)
    driver_type = models.CharField(
        "기사 유형", max_length=10, choices=DriverType.choices, blank=True
    )
    password_changed_at = models.DateTimeField("비밀번호 바꾼 때", null=True, blank=True)
    # The 180-day prompt stays away until then (다음에 변경하기).
    password_prompt_snoozed_until = models.DateTimeField(
        "비밀번호 변경 안내 미룸", null=True, blank=True
    )
    # When the 180-day reminder SMS went out. A reminder older than the last password
    # change belongs to an earlier cycle: one reminder per password age cycle.
    password_reminded_at = models.DateTimeField("비밀번호 안내 문자 보낸 때", null=True, blank=True)
    provisioned_at = models.DateTimeField("사전 발급", null=True, blank=True)
    withdrawn_at = models.DateTimeField("탈퇴한 때", null=True, blank=True)

    history = HistoricalRecords(
        excluded_fields=["password", "last_login", "password_reminded_at"],
        history_change_reason_field=models.TextField(null=True),
    )

    class Meta:
        verbose_name = "회원"
        verbose_name_plural = "회원"
        constraints = [
            models.UniqueConstraint(fields=["username"], name="user_username_unique"),
            models.UniqueConstraint(fields=["phone"], name="user_phone_unique"),
            models.CheckConstraint(
                condition=Q(phone__isnull=True) | stored_form_condition("phone"),
                name="user_phone_normalised",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True)
                | (Q(phone__isnull=True) & Q(is_active=False)),
                name="user_withdrawn_has_no_phone",
            ),
        ]
        # Looked up by a number, never by an empty one.
        indexes = [
            models.Index(
                fields=["qualification_no"],
                condition=~Q(qualification_no=""),
                name="user_qualification_no",
            )
        ]

    def __str__(self) -> str:
        return self.name or self.get_username()

    def get_short_name(self) -> str:
        return self.name or self.get_username()

    @property
    def is_partner(self) -> bool:
        return bool(self.phone)


class RosterEntry(models.Model):
    """A driver registered by a transport company: who may sign up (운수사 등록 번호)."""

    # Unique through Meta (see User.username).
    phone = models.CharField("휴대폰 번호", max_length=11)
    name = models.CharField("이름", max_length=50)
    birth_date = models.DateField("생년월일")
    transport_company = models.ForeignKey(
        TransportCompany,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roster_entries",
        verbose_name="운수사",
    )
    qualification_no = models.CharField("자격번호", max_length=30, blank=True)
    driver_type = models.CharField(
        "기사 유형", max_length=10, choices=DriverType.choices, blank=True
    )
    services = models.ManyToManyField(
        Service, blank=True, related_name="roster_entries", verbose_name="가입 서비스"
    )
    user = models.OneToOneField(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="roster_entry",
        verbose_name="회원",
    )
    created_at = models.DateTimeField("등록한 때", default=clock.now)
    updated_at = models.DateTimeField("고친 때", default=clock.now)

    history = HistoricalRecords(
        m2m_fields=[services],
        history_change_reason_field=models.TextField(null=True),
    )

    class Meta:
        verbose_name = "명단(운수사 등록)"
        verbose_name_plural = "명단(운수사 등록)"
        ordering = ["phone"]
        constraints = [
            models.UniqueConstraint(fields=["phone"], name="roster_phone_unique"),
            models.CheckConstraint(
                condition=stored_form_condition("phone"), name="roster_phone_normalised"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.phone})"


class RosterImport(models.Model):
    """One uploaded roster file from its preview to its confirmation (accounts.md,
    "Admin import").

    Only a file without a bad row is kept, as its checked rows (``packed_rows``) and the
    first rows for the preview page (``sample``): personal data, emptied once confirmed.
    An upload not confirmed within ``ROSTER_IMPORT_KEEP_HOURS`` is deleted.
    """

    class Status(models.TextChoices):
        PREVIEW = "preview", "미리보기"
        CONFIRMING = "confirming", "저장 중"
        CONFIRMED = "confirmed", "저장 완료"
        FAILED = "failed", "저장 실패"

    file_name = models.CharField("파일 이름", max_length=255)
    status = models.CharField("상태", max_length=10, choices=Status.choices, default=Status.PREVIEW)
    # portal.spreadsheets.rows_pack: compact JSON, zlib.
    packed_rows = models.BinaryField("저장할 줄", default=bytes)
    sample = models.JSONField("미리보기 줄", default=list)
    row_count = models.PositiveIntegerField("줄 수", default=0)
    new_count = models.PositiveIntegerField("새 명단", default=0)
    created_count = models.PositiveIntegerField("새로 넣은 명단", default=0)
    updated_count = models.PositiveIntegerField("고친 명단", default=0)
    uploaded_by = models.ForeignKey(
        User, verbose_name="올린 사람", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("올린 때")
    expires_at = models.DateTimeField("지울 때")
    confirm_started_at = models.DateTimeField("저장 시작", null=True, blank=True)
    confirmed_at = models.DateTimeField("저장한 때", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        User,
        verbose_name="저장한 사람",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    failure = models.CharField("저장하지 못한 이유", max_length=300, blank=True)

    class Meta:
        verbose_name = "명단 올리기"
        verbose_name_plural = "명단 올리기"
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["status", "expires_at"], name="roster_import_expiry")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"


class CodePurpose(models.TextChoices):
    SIGNUP = "signup", "회원가입"
    FIRST_LOGIN = "first_login", "처음 로그인"
    RESET = "reset", "비밀번호 재설정"
    REAUTH = "reauth", "본인 확인"
    PHONE_CHANGE = "phone_change", "휴대폰 번호 변경"


class VerificationCode(models.Model):
    """A 6-digit SMS code, bound to one phone and one purpose (accounts.md, codes)."""

    phone = models.CharField(max_length=11)
    purpose = models.CharField(max_length=20, choices=CodePurpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    # The account the code was issued for, where there is one (first login, reset).
    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True)

    class Meta:
        verbose_name = "인증번호"
        verbose_name_plural = "인증번호"
        indexes = [models.Index(fields=["phone", "purpose", "-created_at"], name="code_lookup")]
        constraints = [
            models.CheckConstraint(
                condition=Q(failed_attempts__lte=5), name="code_at_most_five_tries"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="code_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} · {self.created_at:%Y-%m-%d %H:%M}"


class AccessRequestStatus(models.TextChoices):
    PENDING = "pending", "검토 중"
    APPROVED = "approved", "승인"
    REJECTED = "rejected", "반려"


class AccessRequest(models.Model):
    """A partner asks for a service they are not a 정회원 of (seed 000 Q7)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="access_requests", verbose_name="회원"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, verbose_name="서비스")
    reason = models.TextField("사유", max_length=1000)
    status = models.CharField(
        "상태",
        max_length=10,
        choices=AccessRequestStatus.choices,
        default=AccessRequestStatus.PENDING,
    )
    staff_note = models.TextField("처리 메모", blank=True)
    # Shown to the partner: in the rejection SMS and on their service list.
    rejection_reason = models.TextField("반려 사유", max_length=200, blank=True)
    created_at = models.DateTimeField("신청한 때", default=clock.now)
    decided_at = models.DateTimeField("처리한 때", null=True, blank=True)
    decided_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="처리한 직원",
    )

    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))

    class Meta:
        verbose_name = "서비스 권한 신청"
        verbose_name_plural = "서비스 권한 신청"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "service"],
                condition=Q(status="pending"),
                name="one_pending_access_request_per_service",
            ),
            models.CheckConstraint(
                condition=Q(status__in=AccessRequestStatus.values), name="access_request_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} · {self.get_status_display()}"


class SignupInquiry(models.Model):
    """가입 문의: a question from the 파트너 가입 pages, answered by staff."""

    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, null=True, blank=True, verbose_name="서비스"
    )
    name = models.CharField("이름", max_length=50)
    phone = models.CharField("연락처", max_length=11)
    question = models.TextField("문의 내용", max_length=2000)
    answer = models.TextField("답변", blank=True)
    created_at = models.DateTimeField("문의한 때", default=clock.now)
    answered_at = models.DateTimeField("답변한 때", null=True, blank=True)
    answered_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="답변한 직원",
    )

    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))

    class Meta:
        verbose_name = "가입 문의"
        verbose_name_plural = "가입 문의"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} · {self.created_at:%Y-%m-%d}"
