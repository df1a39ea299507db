"""Enrollments: creating attempts, deadlines, clearance, expiry, re-application.

courses.md, "Enrollment", "Completion and clearing to drive" and "Deadlines, expiry,
re-application". Every function writes in one transaction and queues its SMS through
the outbox in that same transaction (sent after commit).
"""

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from django.db import transaction
from django.db.models import Max

from courses.models import (
    OPEN_STATUSES,
    Course,
    CourseKind,
    DeadlineChange,
    Enrollment,
    EnrollmentStatus,
    ImportBatch,
)
from courses.services import messages
from portal import clock
from portal.bulk import history_rows_from_table, rows_insert, sent_ahead
from portal.lookups import any_chunks
from portal.sms.services import SmsDraft, sms_queue_many, sms_queue_new

CHUNK = 20000


class EnrollmentSpec(NamedTuple):
    """One attempt to create: who, which course, when; how the driver is told.

    A named tuple: an upload makes 100,000 of them.
    """

    user_id: int
    phone: str
    course_id: int
    deadline: dt.date
    window_start: dt.date
    new_account: bool = False
    import_key: str | None = None


def _next_attempts(
    specs: Sequence[EnrollmentSpec], *, new_user_ids: frozenset[int] = frozenset()
) -> dict[tuple[int, int], int]:
    """The next attempt number for every (user, course) pair that had an attempt, in one
    query per chunk; accounts in ``new_user_ids`` have none."""
    user_ids = sorted({spec.user_id for spec in specs} - new_user_ids)
    latest: dict[tuple[int, int], int] = {}
    for chunk in any_chunks(user_ids):
        rows = (
            Enrollment.objects.filter(user__id__any=chunk)
            .values("user_id", "course_id")
            .annotate(last=Max("attempt"))
            .values_list("user_id", "course_id", "last")
        )
        for user_id, course_id, last in rows:
            latest[(user_id, course_id)] = last
    return {key: value + 1 for key, value in latest.items()}


ENROLLMENT_COLUMNS = (
    "user_id",
    "course_id",
    "attempt",
    "window_start",
    "deadline",
    "status",
    "created_by_id",
    "created_at",
    "import_key",
    "import_batch_id",
    "lessons_completed",
)


def enrollments_create(
    *,
    specs: Sequence[EnrollmentSpec],
    created_by_id: int | None,
    batch: ImportBatch | None = None,
    first_login_url: str = "",
    new_user_ids: frozenset[int] = frozenset(),
    history_reason: str | None = None,
) -> list[int]:
    """Create one new attempt per spec, queue the enrollment SMS of each; return the ids.

    courses.md, "Enrollment": the attempt number follows the partner's earlier attempts
    at the course (re-application starts from zero as a new attempt); drivers whose
    account was just pre-provisioned get the ID and the password set-up link, the
    others the course, the deadline and the login link. Callers validate first (no open
    attempt, deadline not past); the database refuses a second open attempt. Accounts
    in ``new_user_ids`` were created in the caller's transaction: they have no earlier
    attempt to look up.
    """
    if not specs:
        return []
    now = clock.now()
    titles = dict(
        Course.objects.filter(pk__in={spec.course_id for spec in specs}).values_list("pk", "title")
    )
    batch_id = batch.pk if batch else None
    with transaction.atomic():
        attempts = _next_attempts(specs, new_user_ids=new_user_ids)
        # The rows are made while the server writes the ones before them.
        ids = rows_insert(
            Enrollment,
            columns=ENROLLMENT_COLUMNS,
            count=len(specs),
            rows=(
                (
                    spec.user_id,
                    spec.course_id,
                    attempts.get((spec.user_id, spec.course_id), 1),
                    spec.window_start,
                    spec.deadline,
                    EnrollmentStatus.ASSIGNED.value,
                    created_by_id,
                    now,
                    spec.import_key,
                    batch_id,
                    0,
                )
                for spec in specs
            ),
        )
        # The server writes the history rows while the messages are made.
        with sent_ahead():
            history_rows_from_table(
                Enrollment,
                ids=ids,
                history_type="+",
                when=now,
                by_id=created_by_id,
                reason=history_reason,
            )
            drafts = [
                _enrolled_draft(
                    spec,
                    pk,
                    title=titles[spec.course_id],
                    url=first_login_url,
                    attempt=attempts.get((spec.user_id, spec.course_id), 1),
                )
                for spec, pk in zip(specs, ids, strict=True)
            ]
        # Each attempt is new, and so is its message's key.
        sms_queue_new(drafts=drafts, count=len(drafts))
    return ids


def _enrolled_draft(
    spec: EnrollmentSpec, pk: int, *, title: str, url: str, attempt: int
) -> SmsDraft:
    if spec.new_account:
        body = messages.enrolled_new_account(
            phone=spec.phone, course_title=title, deadline=spec.deadline, first_login_url=url
        )
    else:
        body = messages.enrolled_existing_account(
            course_title=title, deadline=spec.deadline, attempt=attempt
        )
    return messages.draft(
        to=spec.phone, body=body, kind=messages.KIND_ENROLLED, key=f"enrolled:{pk}"
    )


def open_attempt_pairs(*, user_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(user, course) pairs that already have an open attempt."""
    ids = sorted(set(user_ids))
    pairs: set[tuple[int, int]] = set()
    for chunk in any_chunks(ids):
        pairs.update(
            Enrollment.objects.filter(user__id__any=chunk, status__in=OPEN_STATUSES).values_list(
                "user_id", "course_id"
            )
        )
    return pairs


@dataclasses.dataclass
class BulkResult:
    done: int = 0
    skipped: int = 0


def enrollments_deadline_change(
    *, enrollment_ids: Sequence[int], new_deadline: dt.date, reason: str, changed_by_id: int
) -> BulkResult:
    """Move the deadline of open attempts, keep every change, tell each partner.

    courses.md, "Schedule changes ... every change is kept (old, new, who, when, why)
    and the partner gets an SMS". Closed attempts, unchanged deadlines and deadlines
    before the window start are skipped (counted in the result).
    """
    now = clock.now()
    result = BulkResult()
    with transaction.atomic():
        enrollments = list(
            Enrollment.objects.select_for_update(of=("self",))
            .select_related("course", "user")
            .filter(pk__in=list(enrollment_ids))
            .order_by("pk")
        )
        changes, drafts, changed = [], [], []
        for enrollment in enrollments:
            if (
                not enrollment.is_open
                or enrollment.deadline == new_deadline
                or new_deadline < enrollment.window_start
            ):
                result.skipped += 1
                continue
            changes.append(
                DeadlineChange(
                    enrollment=enrollment,
                    old_deadline=enrollment.deadline,
                    new_deadline=new_deadline,
                    reason=reason,
                    changed_by_id=changed_by_id,
                    changed_at=now,
                )
            )
            enrollment.deadline = new_deadline
            enrollment._change_reason = f"기한 변경: {reason}"
            changed.append(enrollment)
        result.skipped += len(enrollment_ids) - len(enrollments)
        DeadlineChange.objects.bulk_create(changes)
        for enrollment in changed:
            enrollment.save(update_fields=["deadline"])
        for change in changes:
            enrollment = change.enrollment
            if enrollment.user.phone:
                drafts.append(
                    messages.draft(
                        to=enrollment.user.phone,
                        body=messages.deadline_changed(
                            course_title=enrollment.course.title,
                            old=change.old_deadline,
                            new=change.new_deadline,
                        ),
                        kind=messages.KIND_DEADLINE,
                        key=f"deadline:{change.pk}",
                    )
                )
        sms_queue_many(drafts=drafts)
        result.done = len(changes)
    return result


def enrollments_clear(*, enrollment_ids: Sequence[int], cleared_by_id: int) -> BulkResult:
    """Clear completed intro attempts to drive, in a batch, with the `운행 가능 안내` SMS.

    courses.md, "Intro courses: staff ... clear them in batches. Clearing records who
    and when and sends an SMS." Anything else selected is skipped.
    """
    now = clock.now()
    with transaction.atomic():
        eligible = list(
            Enrollment.objects.select_for_update(of=("self",))
            .select_related("course", "user")
            .filter(
                pk__in=list(enrollment_ids),
                status=EnrollmentStatus.COMPLETED,
                course__kind=CourseKind.INTRO,
                cleared_at__isnull=True,
            )
        )
        for enrollment in eligible:
            enrollment.cleared_at = now
            enrollment.cleared_by_id = cleared_by_id
            enrollment._change_reason = "운행 가능 안내"
            enrollment.save(update_fields=["cleared_at", "cleared_by"])
        sms_queue_many(
            drafts=[
                messages.draft(
                    to=enrollment.user.phone,
                    body=messages.cleared(course_title=enrollment.course.title),
                    kind=messages.KIND_CLEARED,
                    key=f"cleared:{enrollment.pk}",
                )
                for enrollment in eligible
                if enrollment.user.phone
            ]
        )
    return BulkResult(done=len(eligible), skipped=len(enrollment_ids) - len(eligible))


def enrollments_reenroll(
    *,
    enrollment_ids: Sequence[int],
    deadline: dt.date,
    created_by_id: int,
    window_start: dt.date | None = None,
) -> BulkResult:
    """Re-application: a new attempt from zero for each selected closed attempt.

    courses.md, "Re-application is a new enrollment (next attempt number) that starts
    from zero; earlier attempts stay visible, read-only". A partner who already has an
    open attempt at the course is skipped, as is a deadline before the window start.
    """
    start = window_start or clock.today()
    result = BulkResult()
    if deadline < start:
        return BulkResult(skipped=len(enrollment_ids))
    with transaction.atomic():
        chosen = list(
            Enrollment.objects.select_related("user")
            .filter(pk__in=list(enrollment_ids))
            .exclude(status__in=OPEN_STATUSES)
            .order_by("pk")
        )
        busy = open_attempt_pairs(user_ids=[e.user_id for e in chosen])
        specs: dict[tuple[int, int], EnrollmentSpec] = {}
        for enrollment in chosen:
            pair = (enrollment.user_id, enrollment.course_id)
            if pair in busy or pair in specs or not enrollment.user.phone:
                continue
            specs[pair] = EnrollmentSpec(
                user_id=enrollment.user_id,
                phone=enrollment.user.phone,
                course_id=enrollment.course_id,
                deadline=deadline,
                window_start=start,
            )
        enrollments_create(
            specs=list(specs.values()),
            created_by_id=created_by_id,
            history_reason="다시 수강 배정 (새 차수, 처음부터)",
        )
        result.done = len(specs)
        result.skipped = len(enrollment_ids) - len(specs)
    return result


def enrollments_resend_sms(*, enrollment_ids: Sequence[int]) -> BulkResult:
    """Send the enrollment SMS again (course, deadline, login link) for open attempts."""
    stamp = clock.now().strftime("%Y%m%d%H%M%S%f")
    with transaction.atomic():
        chosen = list(
            Enrollment.objects.select_related("course", "user").filter(
                pk__in=list(enrollment_ids), status__in=OPEN_STATUSES
            )
        )
        drafts = [
            messages.draft(
                to=e.user.phone,
                body=messages.enrolled_existing_account(
                    course_title=e.course.title, deadline=e.deadline, attempt=e.attempt
                ),
                kind=messages.KIND_ENROLLED,
                key=f"resend:{e.pk}:{stamp}",
            )
            for e in chosen
            if e.user.phone
        ]
        sms_queue_many(drafts=drafts)
    return BulkResult(done=len(drafts), skipped=len(enrollment_ids) - len(drafts))


def enrollments_expire(*, today: dt.date | None = None) -> int:
    """The daily expiry job: open attempts whose deadline has passed become ``expired``.

    courses.md, "A daily job after midnight turns open enrollments whose deadline has
    passed into `expired`" and "Reminders ... when the enrollment expires". Runs in
    batches; running it twice for a day changes and sends nothing more.
    """
    today = today or clock.today()
    now = clock.now()
    total = 0
    while True:
        with transaction.atomic():
            due = list(
                Enrollment.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status__in=OPEN_STATUSES, deadline__lt=today)
                .select_related("course", "user")
                .only("pk", "deadline", "course__title", "user__phone")
                .order_by("pk")[:CHUNK]
            )
            if not due:
                return total
            Enrollment.objects.filter(pk__any=[e.pk for e in due]).update(
                status=EnrollmentStatus.EXPIRED, expired_at=now
            )
            sms_queue_many(
                drafts=[
                    messages.draft(
                        to=e.user.phone,
                        body=messages.expired(course_title=e.course.title, deadline=e.deadline),
                        kind=messages.KIND_EXPIRED,
                        key=f"expired:{e.pk}",
                    )
                    for e in due
                    if e.user.phone
                ]
            )
            total += len(due)


def reminders_send(*, today: dt.date | None = None, days: Sequence[int] | None = None) -> int:
    """The daily reminder job: D-n SMS for open attempts, each once per attempt.

    courses.md, "Reminders": 3 days and 1 day before the deadline if not completed
    (the days are the setting ``COURSES_REMINDER_DAYS``). The outbox key
    ``reminder-d<n>:<attempt>`` makes a second run of the job send nothing again.
    Returns how many new messages were queued.
    """
    from django.conf import settings

    today = today or clock.today()
    days = list(days if days is not None else settings.COURSES_REMINDER_DAYS)
    queued = 0
    for n in days:
        deadline = today + dt.timedelta(days=n)
        last_pk = 0
        while True:
            rows = list(
                Enrollment.objects.filter(
                    status__in=OPEN_STATUSES, deadline=deadline, pk__gt=last_pk
                )
                .order_by("pk")
                .values_list("pk", "user__phone", "course__title")[:CHUNK]
            )
            if not rows:
                break
            last_pk = rows[-1][0]
            drafts: list[SmsDraft] = [
                messages.draft(
                    to=phone,
                    body=messages.reminder(course_title=title, deadline=deadline, days_left=n),
                    kind=messages.KIND_REMINDER,
                    key=f"reminder-d{n}:{pk}",
                )
                for pk, phone, title in rows
                if phone
            ]
            with transaction.atomic():
                queued += sms_queue_many(drafts=drafts)
    return queued


class NotAllowed(Exception):
    """The partner may not take this course (not a member of its service, or busy)."""


def enrollment_self_enroll(*, user_id: int, phone: str, course_id: int) -> Enrollment:
    """Self-enrolment in an `open` course by a full member of its service.

    courses.md, "`open` (optional, self-enrolment by full members of its service)". The
    window starts today and lasts ``COURSES_OPEN_COURSE_DAYS`` days.
    """
    from django.conf import settings

    from courses.selectors import partner_open_courses

    if course_id not in {course.pk for course in partner_open_courses(user_id=user_id)}:
        raise NotAllowed
    today = clock.today()
    spec = EnrollmentSpec(
        user_id=user_id,
        phone=phone,
        course_id=course_id,
        deadline=today + dt.timedelta(days=settings.COURSES_OPEN_COURSE_DAYS),
        window_start=today,
    )
    with transaction.atomic():
        if (user_id, course_id) in open_attempt_pairs(user_ids=[user_id]):
            raise NotAllowed
        [pk] = enrollments_create(specs=[spec], created_by_id=user_id)
    return Enrollment.objects.get(pk=pk)
