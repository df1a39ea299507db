"""Mandatory and open courses, their lessons, enrollments (attempts) and progress.

Spec: shared/spec/courses.md. Business rules live in ``courses/services/``; reads in
``courses/selectors.py``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords


class CourseKind(models.TextChoices):
    INTRO = "intro", "입문"
    REFRESH = "refresh", "리프레시"
    OPEN = "open", "선택"


class LessonKind(models.TextChoices):
    VIDEO = "video", "영상"
    TEXT = "text", "글"


class EnrollmentStatus(models.TextChoices):
    ASSIGNED = "assigned", "배정됨"
    IN_PROGRESS = "in_progress", "수강 중"
    COMPLETED = "completed", "수료"
    EXPIRED = "expired", "기한 만료"


OPEN_STATUSES = (EnrollmentStatus.ASSIGNED, EnrollmentStatus.IN_PROGRESS)


class Course(models.Model):
    code = models.CharField("과정 코드", max_length=40, unique=True)
    title = models.CharField("과정명", max_length=200)
    kind = models.CharField("종류", max_length=10, choices=CourseKind.choices)
    service = models.ForeignKey(
        "accounts.Service", verbose_name="서비스", on_delete=models.PROTECT, related_name="courses"
    )
    description = models.TextField("소개", blank=True)
    is_active = models.BooleanField("사용", default=True)
    created_at = models.DateTimeField("만든 때", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "교육 과정"
        verbose_name_plural = "교육 과정"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"


class Lesson(models.Model):
    course = models.ForeignKey(
        Course, verbose_name="과정", on_delete=models.CASCADE, related_name="lessons"
    )
    position = models.PositiveIntegerField("순서")
    title = models.CharField("제목", max_length=200)
    kind = models.CharField("종류", max_length=10, choices=LessonKind.choices)
    video_file = models.FileField("영상 파일", upload_to="courses/videos/", blank=True)
    video_url = models.URLField("영상 주소", blank=True)
    captions_file = models.FileField("자막 파일(WebVTT)", upload_to="courses/captions/", blank=True)
    duration_seconds = models.PositiveIntegerField("영상 길이(초)", default=0)
    body = models.TextField("본문", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "강의"
        verbose_name_plural = "강의"
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "position"], name="courses_lesson_unique_position"
            ),
            models.CheckConstraint(
                condition=Q(kind="text") | Q(duration_seconds__gt=0),
                name="courses_lesson_video_has_duration",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"

    @property
    def is_video(self) -> bool:
        return self.kind == LessonKind.VIDEO

    @property
    def video_src(self) -> str:
        if self.video_file:
            return reverse("courses:lesson_media", args=[self.pk, "video"])
        return self.video_url

    @property
    def captions_src(self) -> str:
        return (
            reverse("courses:lesson_media", args=[self.pk, "captions"])
            if self.captions_file
            else ""
        )


class ImportBatch(models.Model):
    """One uploaded enrollment file: its preview, then (once confirmed) what it wrote."""

    class Status(models.TextChoices):
        PREVIEW = "preview", "미리보기"
        CONFIRMING = "confirming", "등록 중"
        CONFIRMED = "confirmed", "등록 완료"
        FAILED = "failed", "등록 실패"

    file_name = models.CharField("파일 이름", max_length=255)
    file_sha256 = models.CharField("파일 지문", max_length=64, db_index=True)
    status = models.CharField("상태", max_length=10, choices=Status.choices, default=Status.PREVIEW)
    # The valid rows, kept from the preview to the confirmation: packed by
    # ``portal.spreadsheets.rows_pack`` and read only to confirm.
    packed_rows = models.BinaryField("등록할 행", default=bytes)
    valid_count = models.PositiveIntegerField("등록할 수 있는 행", default=0)
    errors = models.JSONField("잘못된 행", default=list)
    total_rows = models.PositiveIntegerField("전체 행", default=0)
    created_count = models.PositiveIntegerField("등록한 수강", default=0)
    accounts_created = models.PositiveIntegerField("새로 만든 계정", default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="올린 사람",
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("올린 때")
    confirmed_at = models.DateTimeField("등록한 때", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="등록한 사람",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    failure = models.CharField("등록하지 못한 이유", max_length=300, blank=True)
    # When a worker was asked to confirm: a confirmation still running long after this
    # is one whose worker died, and is marked failed (its transaction never committed).
    confirm_started_at = models.DateTimeField("등록 시작", null=True, blank=True)

    class Meta:
        verbose_name = "수강 일괄 등록"
        verbose_name_plural = "수강 일괄 등록"
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"


class Enrollment(models.Model):
    """One attempt of one partner at one course (courses.md, "Enrollment")."""

    # Indexed by the (user, course, attempt) constraint, whose first column it is.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="파트너",
        on_delete=models.PROTECT,
        related_name="enrollments",
        db_index=False,
    )
    course = models.ForeignKey(
        Course, verbose_name="과정", on_delete=models.PROTECT, related_name="enrollments"
    )
    attempt = models.PositiveIntegerField("차수", default=1)
    window_start = models.DateField("수강 시작일")
    deadline = models.DateField("수강 기한")
    status = models.CharField(
        "상태",
        max_length=12,
        choices=EnrollmentStatus.choices,
        default=EnrollmentStatus.ASSIGNED,
    )
    lessons_completed = models.PositiveIntegerField("마친 강의 수", default=0)
    # Who registered and who cleared an attempt stay on record: a staff account that
    # did either cannot be deleted (deactivate it instead).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="등록한 사람",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("등록한 때")
    started_at = models.DateTimeField("시작한 때", null=True, blank=True)
    completed_at = models.DateTimeField("수료한 때", null=True, blank=True)
    # Unique through a named constraint (Meta), like ``import_key``.
    completion_no = models.CharField("수료 번호", max_length=40, null=True, blank=True)  # noqa: DJ001 (unique: NULL until completed)
    cleared_at = models.DateTimeField("운행 가능 안내한 때", null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="운행 가능 안내한 사람",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    expired_at = models.DateTimeField("만료된 때", null=True, blank=True)
    # Identifies the upload row that created this attempt: the same row uploaded again
    # creates nothing (courses.md, "Re-uploading the same file creates nothing twice").
    import_key = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 (unique: NULL unless uploaded)
    import_batch = models.ForeignKey(
        ImportBatch,
        verbose_name="일괄 등록",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enrollments",
    )

    history = HistoricalRecords(
        excluded_fields=["lessons_completed"],
        # The services say why (a deadline change carries its reason, up to 300 chars).
        history_change_reason_field=models.TextField(null=True),
    )

    class Meta:
        verbose_name = "수강"
        verbose_name_plural = "수강"
        ordering = ["-created_at"]
        constraints = [
            # Only completed attempts have a number: the others take no index entry.
            models.UniqueConstraint(
                fields=["completion_no"],
                condition=Q(completion_no__isnull=False),
                name="courses_completion_no_unique",
            ),
            models.UniqueConstraint(fields=["import_key"], name="courses_import_key_unique"),
            models.UniqueConstraint(
                fields=["user", "course", "attempt"], name="courses_enrollment_unique_attempt"
            ),
            models.UniqueConstraint(
                fields=["user", "course"],
                condition=Q(status__in=["assigned", "in_progress"]),
                name="courses_enrollment_one_open_per_course",
            ),
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("window_start")),
                name="courses_enrollment_deadline_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed")
                | (Q(completed_at__isnull=False) & Q(completion_no__isnull=False)),
                name="courses_enrollment_completed_has_number",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="courses_enr_status_deadline")]

    def __str__(self) -> str:
        return f"{self.course.code} {self.attempt}차 #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("courses:enrollment", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def accepts_progress(self) -> bool:
        """Open and not past 23:59:59 Seoul time of the deadline (the job may not have run)."""
        from portal import clock

        return self.is_open and clock.now() <= clock.end_of_day(self.deadline)


class IntervalsField(models.JSONField):
    """Merged watched intervals ``[[start, end], ...]`` (seconds, sorted, disjoint), as
    JSON on every database; each bound is stored as a float."""

    description = "watched intervals"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("default") is list:
            del kwargs["default"]
        return name, path, args, kwargs

    def get_prep_value(self, value):
        if isinstance(value, list | tuple):
            value = [[float(start), float(end)] for start, end in value]
        return super().get_prep_value(value)


class LessonProgress(models.Model):
    """What one attempt has watched or read of one lesson.

    ``watched`` holds the merged watched intervals of media time, as
    ``[[start, end], ...]`` in seconds, sorted and disjoint (:class:`IntervalsField`).
    """

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="progress")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="+")
    watched = IntervalsField()
    watched_seconds = models.FloatField(default=0)
    position_seconds = models.FloatField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "강의 진도"
        verbose_name_plural = "강의 진도"
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "lesson"], name="courses_progress_unique_lesson"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id}/{self.lesson_id}"


class DeadlineChange(models.Model):
    """Every deadline change, kept (courses.md, "Deadlines, expiry, re-application")."""

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="deadline_changes"
    )
    old_deadline = models.DateField("이전 기한")
    new_deadline = models.DateField("새 기한")
    reason = models.CharField("사유", max_length=300)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="바꾼 사람", on_delete=models.PROTECT
    )
    changed_at = models.DateTimeField("바꾼 때")

    class Meta:
        verbose_name = "기한 변경 이력"
        verbose_name_plural = "기한 변경 이력"
        ordering = ["enrollment", "changed_at"]

    def __str__(self) -> str:
        return f"{self.old_deadline} → {self.new_deadline}"
