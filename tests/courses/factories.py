"""Test data for the courses app: services, courses with lessons, partners, attempts."""

import datetime as dt
import itertools

from accounts.models import (
    FranchiseOffice,
    RegionalHQ,
    RosterEntry,
    Service,
    TransportCompany,
    User,
)
from courses.models import Course, CourseKind, Enrollment, Lesson, LessonKind
from courses.services.enrollments import EnrollmentSpec, enrollments_create
from portal import clock

_seq = itertools.count(1)


def service(code: str = "blue", name: str = "카카오 T 블루") -> Service:
    return Service.objects.get_or_create(code=code, defaults={"name": name})[0]


def course(
    *,
    code: str | None = None,
    kind: str = CourseKind.INTRO,
    videos: int = 1,
    texts: int = 1,
    duration: int = 100,
    service_obj: Service | None = None,
) -> Course:
    n = next(_seq)
    created = Course.objects.create(
        code=code or f"C{n}",
        title=f"테스트 과정 {n}",
        kind=kind,
        service=service_obj or service(),
    )
    lessons = [
        Lesson(
            course=created,
            position=position,
            title=f"영상 {position}",
            kind=LessonKind.VIDEO,
            video_url="https://video.example/v.webm",
            duration_seconds=duration,
        )
        for position in range(1, videos + 1)
    ] + [
        Lesson(
            course=created,
            position=videos + position,
            title=f"글 {position}",
            kind=LessonKind.TEXT,
            body="읽어 주세요.",
        )
        for position in range(1, texts + 1)
    ]
    Lesson.objects.bulk_create(lessons)
    return created


def partner(
    *, phone: str | None = None, name: str = "김기사", password: str | None = "Blue1234!x"
) -> User:
    n = next(_seq)
    phone = phone or f"010{n:08d}"
    user = User(username=phone, phone=phone, name=name, birth_date=dt.date(1970, 1, 1))
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


def organisation(user: User) -> TransportCompany:
    n = next(_seq)
    hq = RegionalHQ.objects.create(name=f"서울본부{n}", phone="02-100-0000")
    office = FranchiseOffice.objects.create(
        name=f"강남가맹점{n}", phone="02-200-0000", regional_hq=hq
    )
    company = TransportCompany.objects.create(name=f"한빛운수{n}", franchise_office=office)
    RosterEntry.objects.create(
        phone=user.phone,
        name=user.name,
        birth_date=user.birth_date,
        transport_company=company,
        user=user,
    )
    return company


def enroll(
    user: User, course_obj: Course, *, deadline: dt.date | None = None, by: User | None = None
) -> Enrollment:
    today = clock.today()
    [pk] = enrollments_create(
        specs=[
            EnrollmentSpec(
                user_id=user.pk,
                phone=user.phone,
                course_id=course_obj.pk,
                deadline=deadline or today + dt.timedelta(days=10),
                window_start=today,
            )
        ],
        created_by_id=by.pk if by else None,
    )
    return Enrollment.objects.get(pk=pk)


def video_opened(
    user: User, *, duration: int = 100, deadline: dt.date | None = None
) -> tuple[Enrollment, Lesson, str]:
    """An attempt of ``user`` at a one-video course whose lesson the player has opened,
    with the URL of its progress reports."""
    from django.urls import reverse

    from courses.services.progress import lesson_open

    enrollment = enroll(user, course(videos=1, texts=0, duration=duration), deadline=deadline)
    lesson = enrollment.course.lessons.get()
    lesson_open(enrollment=enrollment, lesson=lesson)
    return enrollment, lesson, reverse("courses_api:progress", args=[enrollment.pk, lesson.pk])


def staff() -> User:
    n = next(_seq)
    return User.objects.create_user(
        username=f"staff{n}", password="Staff1234!x", is_staff=True, is_superuser=True
    )


def report_by(way: str, user, enrollment, lesson, intervals, position, at):
    """A video report made ``"python"`` way (the read and conditional update, without a
    session check). Answers the progress state and whether it completed the lesson."""
    from courses.services import progress

    assert way == "python", way
    arguments = dict(
        user_id=user.pk,
        enrollment_id=enrollment.pk,
        lesson_id=lesson.pk,
        intervals=intervals,
        position=position,
        session_key=None,
        accept_user=None,
        now=at,
    )
    with clock.travel(at):
        return progress._report_in_python(**arguments)
