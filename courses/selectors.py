"""Reads of the courses app: partner pages, staff reports, the penalty list.

Every partner read is filtered by the partner: one partner never sees another's
attempts (courses.md, "A partner never sees another partner's enrollments").
"""

import dataclasses
import datetime as dt
import functools
import json
from collections.abc import Callable

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from courses import partner_session
from courses.models import (
    OPEN_STATUSES,
    Course,
    CourseKind,
    Enrollment,
    EnrollmentStatus,
    Lesson,
    LessonProgress,
)
from courses.rows import Columns
from portal import clock, prepared


def _lesson_count() -> Subquery:
    return Subquery(
        Lesson.objects.filter(course=OuterRef("course"))
        .order_by()
        .values("course")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def _next_lesson_position() -> Subquery:
    done = LessonProgress.objects.filter(
        enrollment=OuterRef(OuterRef("pk")), lesson=OuterRef("pk"), completed_at__isnull=False
    )
    return Subquery(
        Lesson.objects.filter(course=OuterRef("course"))
        .exclude(Exists(done))
        .order_by("position")
        .values("position")[:1],
        output_field=IntegerField(),
    )


def partner_enrollments(*, user_id: int) -> list[Enrollment]:
    """All attempts of the partner, newest first, with lesson count and resume point.

    One query whatever the number of attempts or lessons.
    """
    return list(
        Enrollment.objects.filter(user_id=user_id)
        .select_related("course")
        .annotate(
            lesson_count=Coalesce(_lesson_count(), Value(0)),
            next_position=_next_lesson_position(),
        )
        .order_by("deadline", "-attempt", "pk")
    )


@dataclasses.dataclass
class OpenCourse:
    pk: int
    title: str
    description: str
    service_name: str
    enroll_url: str = ""


@dataclasses.dataclass
class Dashboard:
    user: object | None  # accounts.models.User; None when the id names no user
    enrollments: list[Enrollment]
    open_courses: list[OpenCourse]


@dataclasses.dataclass(frozen=True)
class _DashboardQuery:
    users: Columns
    enrollments: Columns
    courses: Columns
    sql: str
    order: Callable[[tuple], tuple]  # the attempts' order: deadline, newest attempt, id


@functools.cache
def _dashboard_query(vendor: str) -> _DashboardQuery:
    from accounts.models import RosterEntry, Service, User

    # Only what the page and the session check use: the rows are also the key of the
    # rendered page, and every other column (timestamps above all) would cost its
    # conversion on every request. Another field read from these instances costs a
    # query of its own, which the dashboard's query-count test would show.
    users = Columns(
        User, "u", ("id", "password", "is_active", "username", "name", "phone", "driver_type")
    )
    enrollments = Columns(
        Enrollment,
        "e",
        (
            "id",
            "course_id",
            "attempt",
            "deadline",
            "status",
            "lessons_completed",
            "completed_at",
            "completion_no",
            "cleared_at",
        ),
    )
    courses = Columns(Course, "c", ("id", "title", "kind"))
    quote = connection.ops.quote_name
    lesson = quote(Lesson._meta.db_table)
    progress = quote(LessonProgress._meta.db_table)
    enrollment = quote(Enrollment._meta.db_table)
    course = quote(Course._meta.db_table)
    through = quote(RosterEntry.services.through._meta.db_table)
    # Open courses of the partner's services not taken yet (as partner_open_courses),
    # as the text of one JSON array of [id, title, description, service name].
    fields = "o.id, o.title, o.description, s.name"
    aggregate = (
        f"json_agg(json_build_array({fields}))::text"
        if vendor == "postgresql"
        else f"json_group_array(json_array({fields}))"
    )
    statuses = ", ".join(["%s"] * (len(OPEN_STATUSES) + 1))
    open_courses = (
        f"SELECT {aggregate} FROM {course} o "  # noqa: S608 (names from the models)
        f"JOIN {quote(Service._meta.db_table)} s ON s.id = o.service_id "
        "WHERE o.kind = %s AND o.is_active = %s AND o.service_id IN ("
        f"SELECT rs.service_id FROM {through} rs "
        f"JOIN {quote(RosterEntry._meta.db_table)} r ON r.id = rs.rosterentry_id "
        "WHERE r.user_id = %s) "
        f"AND NOT EXISTS (SELECT 1 FROM {enrollment} t WHERE t.user_id = %s "
        f"AND t.course_id = o.id AND t.status IN ({statuses}))"
    )
    # The user's row joined to each of their attempts (with the course, its lesson count
    # and the first lesson not yet done); one row with empty attempt columns when there
    # is no attempt. Last, the session's row when one is asked for (partner_session).
    session_data = partner_session.session_row_data("ss")
    sql = (
        f"SELECT {users.sql()}, {enrollments.sql()}, {courses.sql()}, "  # noqa: S608 (names from the models)
        # The lesson count and the first lesson not done, from one pass over the
        # course's lessons, as the text "<count> <position>" (the position empty when
        # all are done; see lesson_state): one subquery per attempt instead of two.
        "(SELECT COUNT(*) || ' ' || COALESCE(CAST(MIN(CASE WHEN p.completed_at IS NULL "
        f"THEN l.position END) AS TEXT), '') FROM {lesson} l LEFT JOIN {progress} p "
        "ON p.enrollment_id = e.id AND p.lesson_id = l.id WHERE l.course_id = e.course_id), "
        f"({open_courses}), {session_data} "
        f"FROM {quote(User._meta.db_table)} u "
        f"LEFT JOIN {enrollment} e ON e.user_id = u.id "
        f"LEFT JOIN {course} c ON c.id = e.course_id "
        # No ORDER BY: partner_dashboard_rows sorts the few rows in Python (see
        # order), which costs less than a sort in the statement costs the database.
        "WHERE u.id = %s"
    )
    deadline, attempt, pk = (
        len(users) + enrollments.attnames.index(name) for name in ("deadline", "attempt", "id")
    )
    return _DashboardQuery(
        users, enrollments, courses, sql, lambda row: (row[deadline], -row[attempt], row[pk])
    )


@dataclasses.dataclass(frozen=True)
class DashboardRows:
    rows: tuple[tuple, ...]  # user, attempts and open courses; empty: no such user
    session_data: str | None  # the live session row asked for, if any


def partner_dashboard_rows(*, user_id: int, session_key: str | None = None) -> DashboardRows:
    """The rows of the partner's dashboard: user, attempts and open courses, one query
    whatever the number of attempts and lessons, with the database row of the session
    ``session_key`` when given (and not expired).

    Plain values only (the open courses as JSON text), so that equal rows mean an
    equal page (portal.page_cache).
    """
    query = _dashboard_query(connection.vendor)
    params = [
        CourseKind.OPEN.value,
        True,
        user_id,
        user_id,
        *(status.value for status in OPEN_STATUSES),
        EnrollmentStatus.COMPLETED.value,
        *partner_session.session_row_params(session_key),
        user_id,
    ]
    rows = prepared.fetch(query.sql, params)
    if not rows:
        return DashboardRows(rows=(), session_data=None)
    session_data = rows[0][-1]
    rows = [row[:-1] for row in rows]
    if len(rows) > 1:  # attempts (the row without one comes alone)
        rows.sort(key=query.order)
    return DashboardRows(rows=tuple(rows), session_data=session_data)


def partner_dashboard_user(rows: tuple[tuple, ...]) -> partner_session.UserRow | None:
    """The partner's user row from :func:`partner_dashboard_rows` (None if none), for
    ``partner_session.accept``: the instance is made when it is used."""
    if not rows:
        return None
    users = _dashboard_query(connection.vendor).users
    return partner_session.user_row(users, rows[0])


def lesson_state(packed: str | None) -> tuple[int, int | None]:
    """The lesson count and the first lesson not done, from the dashboard query's
    ``"<count> <position>"`` (``None`` when every lesson is done)."""
    count, _, position = (packed or "0 ").partition(" ")
    return int(count), int(position) if position else None


def partner_dashboard_from_rows(rows: tuple[tuple, ...]) -> Dashboard:
    """Attempts as from :func:`partner_enrollments` (lesson count and resume point
    included) and open courses as from :func:`partner_open_courses`, from the rows of
    :func:`partner_dashboard_rows`.
    """
    query = _dashboard_query(connection.vendor)
    users, columns, courses = query.users, query.enrollments, query.courses
    if not rows:
        return Dashboard(user=None, enrollments=[], open_courses=[])
    user = users.instance(rows[0])
    enrollments = []
    for row in rows:
        if row[len(users)] is None:
            continue  # no attempt: the user's row alone
        enrollment = columns.instance(row, len(users))
        enrollment.course = courses.instance(row, len(users) + len(columns))
        enrollment.lesson_count, enrollment.next_position = lesson_state(row[-2])
        enrollments.append(enrollment)
    open_courses = sorted(
        (OpenCourse(*item) for item in json.loads(rows[0][-1] or "[]")),
        key=lambda course: (course.title, course.pk),
    )
    return Dashboard(user=user, enrollments=enrollments, open_courses=open_courses)


def partner_dashboard(*, user_id: int) -> Dashboard:
    """The partner's user row, attempts and open courses (``user`` is None when no user
    has this id), in one query."""
    return partner_dashboard_from_rows(partner_dashboard_rows(user_id=user_id).rows)


def partner_open_courses(*, user_id: int) -> list[Course]:
    """Open (optional) courses of the services the partner belongs to, not yet taken.

    courses.md: `open` courses are for self-enrolment by full members of their service;
    a course of a service the partner does not belong to is not shown.
    """
    from accounts.models import RosterEntry

    member_services = RosterEntry.services.through.objects.filter(
        rosterentry__user_id=user_id
    ).values("service_id")
    taken = Enrollment.objects.filter(
        user_id=user_id, course=OuterRef("pk"), status__in=[*OPEN_STATUSES, "completed"]
    )
    return list(
        Course.objects.filter(kind=CourseKind.OPEN, is_active=True, service__in=member_services)
        .exclude(Exists(taken))
        .select_related("service")
        .order_by("title")
    )


def partner_enrollment(*, user_id: int, enrollment_id: int) -> Enrollment:
    """One attempt of this partner (raises ``Enrollment.DoesNotExist`` otherwise)."""
    return Enrollment.objects.select_related("course").get(pk=enrollment_id, user_id=user_id)


def enrollment_lessons(*, enrollment: Enrollment) -> list[Lesson]:
    """The course's lessons in order, each with ``done`` for this attempt. One query."""
    done = LessonProgress.objects.filter(
        enrollment_id=enrollment.pk, lesson=OuterRef("pk"), completed_at__isnull=False
    )
    return list(
        Lesson.objects.filter(course_id=enrollment.course_id)
        .annotate(done=Exists(done, output_field=BooleanField()))
        .defer("body")
        .order_by("position")
    )


def attempt_history(*, enrollment: Enrollment) -> list[Enrollment]:
    """The partner's other attempts at the same course (read-only history)."""
    return list(
        Enrollment.objects.filter(user_id=enrollment.user_id, course_id=enrollment.course_id)
        .exclude(pk=enrollment.pk)
        .order_by("-attempt")
    )


@dataclasses.dataclass(frozen=True)
class Contact:
    name: str
    phone: str


def partner_contacts(*, user_id: int) -> list[Contact]:
    """Whom the partner calls about re-application: franchise office, else regional HQ.

    courses.md, "whom to contact (their franchise office or regional HQ, with phone
    numbers)". One query.
    """
    from accounts.models import RosterEntry

    entry = (
        RosterEntry.objects.filter(user_id=user_id)
        .select_related(
            "transport_company__franchise_office__regional_hq",
            "transport_company__regional_hq",
        )
        .first()
    )
    company = entry.transport_company if entry else None
    if company is None:
        return []
    contacts = []
    office = company.franchise_office
    if office is not None:
        contacts.append(Contact(f"{office.name} (소속 가맹점)", office.phone))
    hq = company.regional_hq or (office.regional_hq if office else None)
    if hq is not None:
        contacts.append(Contact(f"{hq.name} (지역본부)", hq.phone))
    return contacts


def days_left(*, deadline: dt.date) -> int:
    return (deadline - clock.today()).days


# --- Staff ------------------------------------------------------------------------------

REPORT_DIMENSIONS = {
    "course": ("과정", "course__title"),
    "franchise": ("가맹점", "user__roster_entry__transport_company__franchise_office__name"),
    "region": ("지역본부", "region_name"),
    "company": ("운수사", "user__roster_entry__transport_company__name"),
}


def _with_region(qs: QuerySet) -> QuerySet:
    return qs.annotate(
        region_name=Coalesce(
            F("user__roster_entry__transport_company__regional_hq__name"),
            F("user__roster_entry__transport_company__franchise_office__regional_hq__name"),
        )
    )


@dataclasses.dataclass(frozen=True)
class ReportRow:
    label: str
    assigned: int
    in_progress: int
    completed: int
    expired: int

    @property
    def total(self) -> int:
        return self.assigned + self.in_progress + self.completed + self.expired

    @property
    def completion_rate(self) -> float:
        return self.completed / self.total if self.total else 0.0


def enrollment_report(*, dimension: str, enrollments: QuerySet | None = None) -> list[ReportRow]:
    """Attempts per course / franchise office / regional HQ / transport company.

    courses.md, "Staff tools": assigned, in progress, completed, expired, completion rate.
    One grouped query.
    """
    _, field = REPORT_DIMENSIONS[dimension]
    qs = _with_region(enrollments if enrollments is not None else Enrollment.objects.all())
    rows = (
        qs.values(field)
        .annotate(
            assigned=Count("pk", filter=Q(status=EnrollmentStatus.ASSIGNED)),
            in_progress=Count("pk", filter=Q(status=EnrollmentStatus.IN_PROGRESS)),
            completed=Count("pk", filter=Q(status=EnrollmentStatus.COMPLETED)),
            expired=Count("pk", filter=Q(status=EnrollmentStatus.EXPIRED)),
        )
        .order_by(field)
    )
    return [
        ReportRow(
            label=row[field] or "(없음)",
            assigned=row["assigned"],
            in_progress=row["in_progress"],
            completed=row["completed"],
            expired=row["expired"],
        )
        for row in rows
    ]


def penalty_list() -> QuerySet:
    """Drivers whose refresh course expired and who have not completed it since.

    courses.md: "an expired refresh course puts the driver on the penalty list for
    operations (exportable)".
    """
    later_completed = Enrollment.objects.filter(
        user_id=OuterRef("user_id"),
        course_id=OuterRef("course_id"),
        attempt__gt=OuterRef("attempt"),
        status=EnrollmentStatus.COMPLETED,
    )
    return _with_region(
        Enrollment.objects.filter(course__kind=CourseKind.REFRESH, status=EnrollmentStatus.EXPIRED)
        .exclude(Exists(later_completed))
        .select_related("user", "course", "user__roster_entry__transport_company")
        .order_by("deadline", "pk")
    )


def clearance_queue() -> QuerySet:
    """Completed intro attempts waiting for `운행 가능 안내`, oldest completion first."""
    return Enrollment.objects.filter(
        course__kind=CourseKind.INTRO, status=EnrollmentStatus.COMPLETED, cleared_at__isnull=True
    ).order_by("completed_at")
