"""Lesson progress: watched seconds of videos, confirmed text pages, course completion.

courses.md, "Courses and lessons" and "Completion and clearing to drive".
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.db import connection, transaction

from courses.intervals import Interval, intervals_merge, intervals_total
from courses.models import (
    OPEN_STATUSES,
    Enrollment,
    EnrollmentStatus,
    Lesson,
    LessonKind,
    LessonProgress,
)
from portal import clock


class ProgressRefused(Exception):
    """The attempt is closed (completed, expired or past its deadline): nothing written."""


@dataclasses.dataclass(frozen=True)
class ProgressState:
    watched_seconds: float
    duration_seconds: int
    position_seconds: float
    lesson_completed: bool
    course_completed: bool

    @property
    def percent(self) -> int:
        if not self.duration_seconds:
            return 100 if self.lesson_completed else 0
        return min(100, int(100 * self.watched_seconds / self.duration_seconds))


def completion_percent() -> str:
    """``COURSES_COMPLETION_THRESHOLD`` as the percentage partners read (0.9 → "90")."""
    return f"{settings.COURSES_COMPLETION_THRESHOLD * 100:g}"


def _is_open_at(*, status: str, deadline: dt.date, now: dt.datetime) -> bool:
    return status in OPEN_STATUSES and now <= clock.end_of_day(deadline)


def lesson_open(*, enrollment: Enrollment, lesson: Lesson) -> LessonProgress | None:
    """The progress row of ``lesson`` in this attempt, created on first visit.

    Opening a lesson of an assigned attempt starts it (``assigned → in_progress``).
    Closed attempts are read-only: nothing is created and ``None`` is returned unless
    a row exists already.
    """
    now = clock.now()
    if not _is_open_at(status=enrollment.status, deadline=enrollment.deadline, now=now):
        return LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson).first()
    with transaction.atomic():
        progress, _ = LessonProgress.objects.get_or_create(
            enrollment=enrollment, lesson=lesson, defaults={"updated_at": now}
        )
        if enrollment.status == EnrollmentStatus.ASSIGNED:
            Enrollment.objects.filter(pk=enrollment.pk, status=EnrollmentStatus.ASSIGNED).update(
                status=EnrollmentStatus.IN_PROGRESS, started_at=now
            )
            enrollment.status = EnrollmentStatus.IN_PROGRESS
            enrollment.started_at = now
    return progress


def video_progress_report(
    *,
    user_id: int,
    enrollment_id: int,
    lesson_id: int,
    intervals: list[Interval],
    position: float,
) -> ProgressState:
    """Merge watched intervals into the lesson's progress; complete it at the threshold.

    courses.md, "Video completion counts seconds really watched": only media time the
    player really played counts; repeated or overlapping reports count once, so the
    report is idempotent. A report may add at most the wall time since the previous
    one times ``COURSES_MAX_PLAYBACK_RATE`` (plus ``COURSES_REPORT_SLACK``), so a forged
    "watched everything" report gains nothing. The position is clamped to the lesson.
    The lesson completes when ``COURSES_COMPLETION_THRESHOLD`` of its duration is
    watched, and the attempt when all its lessons are.

    One transaction: the progress row is locked, merged and written, so concurrent
    reports (two tabs, a retried request) apply one after the other. Raises
    ``LessonProgress.DoesNotExist`` when the row is not this partner's video lesson (or
    the lesson was never opened) and ``ProgressRefused`` when the attempt is closed.
    """
    now = clock.now()
    with transaction.atomic():
        progress = (
            LessonProgress.objects.select_for_update(of=("self",))
            .select_related("enrollment", "lesson")
            .only(
                "watched",
                "watched_seconds",
                "position_seconds",
                "completed_at",
                "updated_at",
                "enrollment__status",
                "enrollment__deadline",
                "lesson__duration_seconds",
            )
            .get(
                enrollment_id=enrollment_id,
                lesson_id=lesson_id,
                enrollment__user_id=user_id,
                lesson__kind=LessonKind.VIDEO,
            )
        )
        enrollment = progress.enrollment
        if not _is_open_at(status=enrollment.status, deadline=enrollment.deadline, now=now):
            raise ProgressRefused
        duration = progress.lesson.duration_seconds
        merged = intervals_merge(existing=progress.watched, new=intervals, limit=duration)
        total = intervals_total(merged)
        elapsed = max(0.0, (now - progress.updated_at).total_seconds())
        allowance = elapsed * settings.COURSES_MAX_PLAYBACK_RATE + settings.COURSES_REPORT_SLACK
        if total - progress.watched_seconds <= allowance:
            progress.watched, progress.watched_seconds = merged, total
        progress.position_seconds = min(max(0.0, position), float(duration))
        progress.updated_at = max(progress.updated_at, now)
        completes = (
            progress.completed_at is None
            and progress.watched_seconds >= settings.COURSES_COMPLETION_THRESHOLD * duration
        )
        if completes:
            progress.completed_at = now
        elif connection.vendor == "postgresql":
            # A database crash may lose the last seconds of watch time, which the
            # partner can watch again, so this commit need not wait for the disk; a
            # report that completes a lesson waits, as every ledger write does.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        progress.save(
            update_fields=[
                "watched",
                "watched_seconds",
                "position_seconds",
                "updated_at",
                "completed_at",
            ]
        )
        course_completed = completes and _lessons_recount(enrollment_id=enrollment_id, now=now)
    return ProgressState(
        watched_seconds=progress.watched_seconds,
        duration_seconds=duration,
        position_seconds=progress.position_seconds,
        lesson_completed=progress.completed_at is not None,
        course_completed=course_completed,
    )


def text_lesson_confirm(*, enrollment: Enrollment, lesson: Lesson) -> bool:
    """Complete a text lesson the partner confirmed at the bottom of the page.

    courses.md, "A text lesson completes when the partner confirms it". Returns whether
    the whole course is now complete. Raises ``ProgressRefused`` for a closed attempt.
    """
    now = clock.now()
    if lesson.kind != LessonKind.TEXT or lesson.course_id != enrollment.course_id:
        raise LessonProgress.DoesNotExist
    with transaction.atomic():
        locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
        if not _is_open_at(status=locked.status, deadline=locked.deadline, now=now):
            raise ProgressRefused
        progress, _ = LessonProgress.objects.get_or_create(
            enrollment=locked, lesson=lesson, defaults={"updated_at": now}
        )
        if progress.completed_at is not None:
            return False
        progress.completed_at = now
        progress.updated_at = now
        progress.save(update_fields=["completed_at", "updated_at"])
        if locked.status == EnrollmentStatus.ASSIGNED:
            locked.status = EnrollmentStatus.IN_PROGRESS
            locked.started_at = now
            locked.save(update_fields=["status", "started_at"])
        return _lessons_recount(enrollment_id=locked.pk, now=now)


def _lessons_recount(*, enrollment_id: int, now: dt.datetime) -> bool:
    """Store how many lessons are done; complete the attempt when all are.

    courses.md: all lessons complete on or before the deadline → ``completed`` with the
    time and a completion number.
    """
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("course")
        .get(pk=enrollment_id)
    )
    enrollment.done = LessonProgress.objects.filter(
        enrollment_id=enrollment_id, completed_at__isnull=False
    ).count()
    total = Lesson.objects.filter(course_id=enrollment.course_id).count()
    enrollment.lessons_completed = enrollment.done
    fields = ["lessons_completed"]
    completed = (
        total > 0
        and enrollment.done >= total
        and _is_open_at(status=enrollment.status, deadline=enrollment.deadline, now=now)
    )
    if completed:
        enrollment.status = EnrollmentStatus.COMPLETED
        enrollment.completed_at = now
        enrollment.completion_no = completion_number(enrollment=enrollment, now=now)
        fields += ["status", "completed_at", "completion_no"]
    enrollment.save(update_fields=fields)
    return completed


def completion_number(*, enrollment: Enrollment, now: dt.datetime) -> str:
    """``<course code>-<yyyymmdd>-<attempt id>``: unique, readable over the phone."""
    return f"{enrollment.course.code}-{now:%Y%m%d}-{enrollment.pk:06d}"
