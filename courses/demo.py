"""Demo courses with real, short videos the portal generates itself (see courses/media.py).

Idempotent: courses are looked up by code, videos are generated once into MEDIA_ROOT.
"""

import datetime as dt
from pathlib import Path

from django.conf import settings

from courses.media import captions_generate, video_generate
from courses.models import Course, CourseKind, Enrollment, Lesson, LessonKind
from courses.services.enrollments import (
    EnrollmentSpec,
    enrollments_create,
    enrollments_expire,
)
from portal import clock

VIDEO_SECONDS = 6

SERVICES = {"blue": "카카오 T 블루", "venti": "카카오 T 벤티"}

COURSES = [
    (
        "BLUE-INTRO",
        "카카오 T 블루 입문 교육",
        CourseKind.INTRO,
        "blue",
        [
            ("video", "블루 서비스 소개", (27, 95, 193)),
            (
                "text",
                "운행 수칙",
                "승객이 타면 먼저 인사하고 목적지를 확인해 주세요.\n\n"
                "배차를 받은 뒤에는 정당한 이유 없이 취소하지 않습니다.\n\n"
                "차 안은 늘 깨끗하게 유지하고, 금연을 지켜 주세요.",
            ),
            ("video", "승객 응대와 안전 운전", (15, 110, 70)),
        ],
    ),
    (
        "VENTI-INTRO",
        "카카오 T 벤티 입문 교육",
        CourseKind.INTRO,
        "venti",
        [
            ("video", "벤티 서비스 소개", (90, 40, 140)),
            (
                "text",
                "대형 승합 운행 수칙",
                "짐이 많은 승객을 도와 드리고, 좌석 안전띠를 안내해 주세요.",
            ),
        ],
    ),
    (
        "REFRESH",
        "카카오 T 리프레시 교육",
        CourseKind.REFRESH,
        "blue",
        [
            ("text", "리프레시 교육이란", "서비스 개선이 필요한 기사님이 꼭 알아야 할 내용입니다."),
            ("video", "다시 보는 서비스 기본", (160, 70, 20)),
        ],
    ),
    (
        "BLUE-SAFETY",
        "블루 안전 운전 (선택)",
        CourseKind.OPEN,
        "blue",
        [("text", "겨울철 안전 운전", "눈길에서는 평소보다 차간 거리를 두 배로 두세요.")],
    ),
]


def _service(code: str):
    from accounts.models import Service

    service = Service.objects.filter(code=code).first()
    if service is None:
        service = Service.objects.filter(name=SERVICES[code]).first()
    if service is None:
        service = Service.objects.create(code=code, name=SERVICES[code])
    return service


def _video(code: str, position: int, colour: tuple[int, int, int]) -> tuple[str, str]:
    """Generate (once) the video and captions; return their names in MEDIA_ROOT."""
    video_name = f"courses/videos/demo-{code.lower()}-{position}.webm"
    captions_name = f"courses/captions/demo-{code.lower()}-{position}.vtt"
    root = Path(settings.MEDIA_ROOT)
    if not (root / video_name).exists():
        video_generate(path=root / video_name, seconds=VIDEO_SECONDS, colour=colour)
    if not (root / captions_name).exists():
        captions_generate(
            path=root / captions_name,
            seconds=VIDEO_SECONDS,
            lines=["안녕하세요, 파트너님.", "이 영상은 교육 예시입니다.", "끝까지 봐 주세요."],
        )
    return video_name, captions_name


def courses_ensure() -> list[Course]:
    """The demo courses with their lessons (created once)."""
    result = []
    for code, title, kind, service_code, lessons in COURSES:
        course, created = Course.objects.get_or_create(
            code=code, defaults={"title": title, "kind": kind, "service": _service(service_code)}
        )
        result.append(course)
        if not created:
            continue
        for position, (lesson_kind, lesson_title, extra) in enumerate(lessons, start=1):
            if lesson_kind == "video":
                video_name, captions_name = _video(code, position, extra)
                Lesson.objects.create(
                    course=course,
                    position=position,
                    title=lesson_title,
                    kind=LessonKind.VIDEO,
                    video_file=video_name,
                    captions_file=captions_name,
                    duration_seconds=VIDEO_SECONDS,
                )
            else:
                Lesson.objects.create(
                    course=course,
                    position=position,
                    title=lesson_title,
                    kind=LessonKind.TEXT,
                    body=extra,
                )
    return result


def load() -> list[str]:
    from accounts.models import User

    courses = courses_ensure()
    lines = [f"교육 과정: {', '.join(course.code for course in courses)}"]
    intro = courses[0]
    today = clock.today()
    for user in User.objects.filter(phone__isnull=False, is_staff=False).order_by("pk")[:2]:
        if not Enrollment.objects.filter(user=user, course=intro).exists():
            enrollments_create(
                specs=[
                    EnrollmentSpec(
                        user_id=user.pk,
                        phone=user.phone,
                        course_id=intro.pk,
                        deadline=today + dt.timedelta(days=14),
                        window_start=today,
                    )
                ],
                created_by_id=None,
            )
        lines.append(f"{user.phone}: '{intro.title}' 수강 배정 (/courses/)")
    first = User.objects.filter(phone__isnull=False, is_staff=False).order_by("pk").first()
    refresh = next(course for course in courses if course.kind == CourseKind.REFRESH)
    if first is not None and not Enrollment.objects.filter(user=first, course=refresh).exists():
        # A refresh attempt whose deadline passed: shows the expired page and the
        # penalty list in the demo.
        with clock.travel(clock.now() - dt.timedelta(days=20)):
            enrollments_create(
                specs=[
                    EnrollmentSpec(
                        user_id=first.pk,
                        phone=first.phone,
                        course_id=refresh.pk,
                        deadline=clock.today() + dt.timedelta(days=5),
                        window_start=clock.today(),
                    )
                ],
                created_by_id=None,
            )
        enrollments_expire(today=clock.today())
    if first is not None:
        lines.append(f"{first.phone}: '{refresh.title}' 기한 만료 (다시 신청 안내 화면)")
    return lines
