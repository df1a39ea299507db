"""Lesson progress: watched seconds of videos, confirmed text pages, course completion.

courses.md, "Courses and lessons" and "Completion and clearing to drive".
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction

from courses import partner_session
from courses.intervals import Interval, intervals_merge, intervals_total
from courses.models import (
    OPEN_STATUSES,
    Enrollment,
    EnrollmentStatus,
    Lesson,
    LessonKind,
    LessonProgress,
)
from courses.rows import Columns
from portal import clock
from portal.prepared import prepared_cursor

if TYPE_CHECKING:
    from accounts.models import User
    from courses.partner_session import Accepted, UserRow


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


class NotLoggedIn(Exception):
    """The session does not stand for the attempt's partner any more: nothing written."""


@dataclasses.dataclass(frozen=True)
class _ReportQuery:
    progress: Columns
    enrollment: Columns
    lesson: Columns
    user: Columns
    read_sql: str
    write_sql: str


@functools.cache
def _report_query(vendor: str) -> _ReportQuery:
    from accounts.models import User

    progress = Columns(
        LessonProgress, "p", ("id", "watched", "watched_seconds", "completed_at", "updated_at")
    )
    enrollment = Columns(Enrollment, "e", ("status", "deadline"))
    lesson = Columns(Lesson, "l", ("duration_seconds",))
    user = Columns(User, "u", ("id", "password", "is_active"))
    quote = connection.ops.quote_name
    table = quote(LessonProgress._meta.db_table)
    # Last, the session's row when one is asked for (courses.partner_session); as a
    # subquery before FROM, its two parameters come first.
    session_data = partner_session.session_row_data("s")
    read_sql = (
        f"SELECT {progress.sql()}, {enrollment.sql()}, {lesson.sql()}, {user.sql()}, "  # noqa: S608 (names from the models)
        f"{session_data} "
        f"FROM {table} p "
        f"JOIN {quote(Enrollment._meta.db_table)} e ON e.id = p.enrollment_id "
        f"JOIN {quote(Lesson._meta.db_table)} l ON l.id = p.lesson_id "
        f"JOIN {quote(User._meta.db_table)} u ON u.id = e.user_id "
        "WHERE p.enrollment_id = %s AND p.lesson_id = %s AND e.user_id = %s AND l.kind = %s"
    )
    # Conditional on what the merge started from: the watched total (it grows with
    # every interval credited) and the completion. A report that raced one which
    # credited nothing (a repeat, a pause) need not read again; updated_at only moves
    # forward, so the next report's allowance never counts time twice.
    latest = "GREATEST" if vendor == "postgresql" else "MAX"
    same_completion = "IS NOT DISTINCT FROM" if vendor == "postgresql" else "IS"
    write_sql = (
        f"UPDATE {table} SET watched = %s, watched_seconds = %s, position_seconds = %s, "  # noqa: S608 (names from the models)
        f"updated_at = {latest}(updated_at, %s), completed_at = %s "
        f"WHERE id = %s AND watched_seconds = %s AND completed_at {same_completion} %s"
    )
    if vendor == "postgresql":
        # The report's own transaction commits without waiting for the disk flush: a
        # report lost in a server crash is sent again by the player (reports are
        # idempotent), and the attempt's completion is committed by a transaction of its
        # own, which waits.
        write_sql += " AND set_config('synchronous_commit', 'off', true) IS NOT NULL"
    return _ReportQuery(progress, enrollment, lesson, user, read_sql, write_sql)


def _progress_read(query: _ReportQuery, params: list, *, locked: bool):
    """The row, its attempt's status and deadline, the lesson's duration, the partner."""
    sql = query.read_sql
    if locked and connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF p"
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise LessonProgress.DoesNotExist
    progress = query.progress.instance(row)
    start = len(query.progress)
    enrollment = dict(
        zip(query.enrollment.attnames, query.enrollment.values(row, start), strict=True)
    )
    status, deadline = enrollment["status"], enrollment["deadline"]
    start += len(query.enrollment)
    (duration,) = query.lesson.values(row, start)
    user = query.user.instance(row, start + len(query.lesson))
    return progress, status, deadline, duration, user, row[-1]


def _progress_write(
    query: _ReportQuery, progress: LessonProgress, *, read: tuple[float, object], **values
) -> bool:
    """Store ``values`` unless another report credited seconds or completed the lesson
    since ``read`` (the watched total and completion time read)."""
    meta = LessonProgress._meta
    names = ("watched", "watched_seconds", "position_seconds", "updated_at", "completed_at")
    params = [meta.get_field(name).get_db_prep_value(values[name], connection) for name in names]
    completed_at = meta.get_field("completed_at")
    params += [progress.pk, read[0], completed_at.get_db_prep_value(read[1], connection)]
    with prepared_cursor() as cursor:
        cursor.execute(query.write_sql, params)
        return cursor.rowcount == 1


def video_progress_report(
    *,
    user_id: int,
    enrollment_id: int,
    lesson_id: int,
    intervals: list[Interval],
    position: float,
    session_key: str | None = None,
    accept_user: Callable[[User | UserRow, str | None], bool] | None = None,
    accepted: Accepted | None = None,
) -> ProgressState:
    """Merge watched intervals into the lesson's progress; complete it at the threshold.

    courses.md, "Video completion counts seconds really watched": only media time the
    player really played counts; repeated or overlapping reports count once, so the
    report is idempotent. A report may add at most the wall time since the previous
    one times ``COURSES_MAX_PLAYBACK_RATE`` (plus a little slack), so a forged
    "watched everything" report gains nothing.

    ``accept_user`` is given the partner's user row (id, password hash, active flag)
    and the database row of the session ``session_key`` (read with it, when given)
    before anything is written; when it answers False, ``NotLoggedIn`` is raised.
    ``accepted`` is what it accepted before for this session (``Claim.guard()``):
    while the rows are still those, the report is written by the statement that reads
    them, and ``accept_user`` is asked afterwards (where it answers at once).

    On every database a read of the row with its attempt, lesson and partner, and a
    conditional update.
    Raises ``LessonProgress.DoesNotExist`` when the row is not this partner's (or the
    lesson was never opened) and ``ProgressRefused`` when the attempt is closed.
    """
    now = clock.now()
    arguments = dict(
        user_id=user_id,
        enrollment_id=enrollment_id,
        lesson_id=lesson_id,
        intervals=intervals,
        position=position,
        session_key=session_key,
        accept_user=accept_user,
        now=now,
    )
    state, completes = _report_in_python(**arguments)
    if completes:
        with transaction.atomic():
            course_completed = _lessons_recount(enrollment_id=enrollment_id, now=now)
        state = dataclasses.replace(state, course_completed=course_completed)
    return state


def _report_in_python(
    *,
    user_id: int,
    enrollment_id: int,
    lesson_id: int,
    intervals: list[Interval],
    position: float,
    session_key: str | None,
    accept_user: Callable[[User, str | None], bool] | None,
    now: dt.datetime,
) -> tuple[ProgressState, bool]:
    """The report as a read and a conditional update (databases other than
    PostgreSQL, and the rules ``_merge_statement`` follows)."""
    query = _report_query(connection.vendor)
    params = [
        *partner_session.session_row_params(session_key),
        enrollment_id,
        lesson_id,
        user_id,
        LessonKind.VIDEO.value,
    ]
    for attempt in range(3):
        # Two optimistic tries, then a locked one (many reports racing for one row).
        locked = attempt == 2
        with transaction.atomic() if locked else contextlib.nullcontext():
            progress, status, deadline, duration, user, session_data = _progress_read(
                query, params, locked=locked
            )
            if attempt == 0 and accept_user is not None and not accept_user(user, session_data):
                raise NotLoggedIn
            if not _is_open_at(status=status, deadline=deadline, now=now):
                raise ProgressRefused
            read = (progress.watched_seconds, progress.completed_at)
            merged = intervals_merge(existing=progress.watched, new=intervals, limit=duration)
            total = intervals_total(merged)
            elapsed = max(0.0, (now - progress.updated_at).total_seconds())
            allowance = elapsed * settings.COURSES_MAX_PLAYBACK_RATE + settings.COURSES_REPORT_SLACK
            if total - progress.watched_seconds <= allowance:
                progress.watched, progress.watched_seconds = merged, total
            position = min(max(0.0, position), float(duration))
            completes = (
                progress.completed_at is None
                and progress.watched_seconds >= settings.COURSES_COMPLETION_THRESHOLD * duration
            )
            # Optimistic write: only if no other report (another tab, a retried request)
            # credited seconds since the read; otherwise read again. No lock, no extra
            # round trips.
            written = _progress_write(
                query,
                progress,
                read=read,
                watched=progress.watched,
                watched_seconds=progress.watched_seconds,
                position_seconds=position,
                updated_at=now,
                completed_at=now if completes else progress.completed_at,
            )
        if written:
            break
        if locked:
            raise ProgressRefused
    state = ProgressState(
        watched_seconds=progress.watched_seconds,
        duration_seconds=duration,
        position_seconds=position,
        lesson_completed=completes or progress.completed_at is not None,
        course_completed=False,
    )
    return state, completes


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
