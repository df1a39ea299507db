"""Reads of the courses app: partner pages, staff reports, the penalty list.

Every partner read is filtered by the partner: one partner never sees another's
attempts (courses.md, "A partner never sees another partner's enrollments").
"""

import dataclasses
import datetime as dt

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

from courses.models import (
    OPEN_STATUSES,
    Course,
    CourseKind,
    Enrollment,
    EnrollmentStatus,
    Lesson,
    LessonProgress,
)
from portal import clock


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
class Dashboard:
    enrollments: list[Enrollment]
    open_courses: list[Course]


def partner_dashboard(*, user_id: int) -> Dashboard:
    """The partner's attempts and the open courses offered to them. Two queries."""
    return Dashboard(
        enrollments=partner_enrollments(user_id=user_id),
        open_courses=partner_open_courses(user_id=user_id),
    )


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
        .annotate(service_name=F("service__name"))
        .order_by("title", "pk")
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
