"""Partner pages of the courses app: dashboard, attempt, lesson, certificate, progress.

Thin views: parse, call one domain function or selector, render. Every read is scoped
to the logged-in partner; another partner's attempt is a 404.
"""

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from courses import selectors
from courses.intervals import intervals_parse
from courses.models import CourseKind, Enrollment, EnrollmentStatus, Lesson, LessonProgress
from courses.services.enrollments import NotAllowed, enrollment_self_enroll
from courses.services.progress import (
    ProgressRefused,
    completion_percent,
    lesson_open,
    text_lesson_confirm,
    video_progress_report,
)
from portal import clock, media
from portal.csp import json_answer


def _own(request: HttpRequest, enrollment_id: int) -> Enrollment:
    try:
        return selectors.partner_enrollment(user_id=request.user.pk, enrollment_id=enrollment_id)
    except Enrollment.DoesNotExist:
        raise Http404 from None


@require_safe
@login_required
@never_cache
def dashboard(request: HttpRequest) -> HttpResponse:
    data = selectors.partner_dashboard(user_id=request.user.pk)
    today = clock.today()
    enrollments = data.enrollments
    for enrollment in enrollments:
        enrollment.detail_url = reverse("courses:enrollment", args=[enrollment.pk])
        enrollment.certificate_url = reverse("courses:certificate", args=[enrollment.pk])
        enrollment.resume_url = (
            reverse("courses:lesson", args=[enrollment.pk, enrollment.next_position])
            if enrollment.next_position
            else ""
        )
    current = [e for e in enrollments if e.is_open]
    for enrollment in current:
        enrollment.days_left = (enrollment.deadline - today).days
        enrollment.percent = (
            int(100 * enrollment.lessons_completed / enrollment.lesson_count)
            if enrollment.lesson_count
            else 0
        )
    _point_to_newer_attempts(enrollments)
    for course in data.open_courses:
        course.enroll_url = reverse("courses:self_enroll", args=[course.pk])
    context = {
        "current": current,
        "completed": [e for e in enrollments if e.status == EnrollmentStatus.COMPLETED],
        "expired": [e for e in enrollments if e.status == EnrollmentStatus.EXPIRED],
        "open_courses": data.open_courses,
    }
    return render(request, "courses/dashboard.html", context)


def _point_to_newer_attempts(enrollments: list[Enrollment]) -> None:
    """Give each attempt ``newer``: the partner's latest attempt at the same course when
    it is a later one (re-application), else None. An old attempt then points to it."""
    newest: dict[int, Enrollment] = {}
    for enrollment in enrollments:
        known = newest.get(enrollment.course_id)
        if known is None or enrollment.attempt > known.attempt:
            newest[enrollment.course_id] = enrollment
    for enrollment in enrollments:
        latest = newest[enrollment.course_id]
        enrollment.newer = latest if latest.attempt > enrollment.attempt else None


@require_POST
@login_required
def self_enroll(request: HttpRequest, course_id: int) -> HttpResponse:
    try:
        enrollment = enrollment_self_enroll(
            user_id=request.user.pk, phone=request.user.phone or "", course_id=course_id
        )
    except NotAllowed:
        raise Http404 from None
    messages.success(request, "교육을 신청했습니다. 지금 바로 들을 수 있어요.")
    return redirect(enrollment)


@require_safe
@login_required
@never_cache
def enrollment_detail(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    enrollment = _own(request, enrollment_id)
    lessons = selectors.enrollment_lessons(enrollment=enrollment)
    next_lesson = next((lesson for lesson in lessons if not lesson.done), None)
    history = selectors.attempt_history(enrollment=enrollment)
    # A later attempt replaces "apply again": the old page points to it instead.
    newer = history[0] if history and history[0].attempt > enrollment.attempt else None
    context = {
        "enrollment": enrollment,
        "lessons": lessons,
        "next_lesson": next_lesson,
        "days_left": selectors.days_left(deadline=enrollment.deadline),
        "history": history,
        "newer": newer,
        "contacts": (
            selectors.partner_contacts(user_id=request.user.pk)
            if enrollment.status == EnrollmentStatus.EXPIRED and newer is None
            else []
        ),
        "is_intro": enrollment.course.kind == CourseKind.INTRO,
    }
    return render(request, "courses/enrollment.html", context)


@require_safe
@login_required
@never_cache
def certificate(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    enrollment = _own(request, enrollment_id)
    if enrollment.status != EnrollmentStatus.COMPLETED:
        raise Http404
    return render(request, "courses/certificate.html", {"enrollment": enrollment})


@require_safe
@login_required
@never_cache
def lesson(request: HttpRequest, enrollment_id: int, position: int) -> HttpResponse:
    enrollment = _own(request, enrollment_id)
    lessons = selectors.enrollment_lessons(enrollment=enrollment)
    index = next((i for i, item in enumerate(lessons) if item.position == position), None)
    if index is None:
        raise Http404
    current = Lesson.objects.get(pk=lessons[index].pk)
    current.done = lessons[index].done
    progress = lesson_open(enrollment=enrollment, lesson=current)
    context = {
        "enrollment": enrollment,
        "lessons": lessons,
        "lesson": current,
        "progress": progress,
        "percent": (
            min(100, int(100 * progress.watched_seconds / current.duration_seconds))
            if progress and current.is_video
            else 0
        ),
        "previous": lessons[index - 1] if index > 0 else None,
        "next": lessons[index + 1] if index + 1 < len(lessons) else None,
        "writable": enrollment.accepts_progress and progress is not None,
        "report_every": settings.COURSES_REPORT_EVERY_SECONDS,
        "completion_percent": completion_percent(),
    }
    return render(request, "courses/lesson.html", context)


@require_POST
@login_required
def lesson_confirm(request: HttpRequest, enrollment_id: int, position: int) -> HttpResponse:
    enrollment = _own(request, enrollment_id)
    try:
        current = Lesson.objects.get(course_id=enrollment.course_id, position=position)
        course_completed = text_lesson_confirm(enrollment=enrollment, lesson=current)
    except (Lesson.DoesNotExist, LessonProgress.DoesNotExist):
        raise Http404 from None
    except ProgressRefused:
        messages.error(request, "이 교육은 수강 기간이 끝나 더 기록할 수 없습니다.")
        return redirect(enrollment)
    if course_completed:
        messages.success(request, "모든 강의를 마쳤습니다. 수료를 축하합니다!")
        return redirect(enrollment)
    following = (
        Lesson.objects.filter(course_id=enrollment.course_id, position__gt=position)
        .order_by("position")
        .values_list("position", flat=True)
        .first()
    )
    # Said on the next lesson's page: name the finished one, not "this lesson".
    finished = f"'{current.position}. {current.title}' 강의를 마쳤습니다."
    if following is None:
        messages.success(request, finished)
        return redirect(enrollment)
    messages.success(request, f"{finished} 이어서 다음 강의입니다.")
    return redirect("courses:lesson", enrollment_id=enrollment.pk, position=following)


@require_POST
def progress_report(request: HttpRequest, enrollment_id: int, lesson_id: int) -> HttpResponse:
    """The player's report: ``s`` = watched intervals ``"a-b,c-d"``, ``pos`` = position.

    A logged-out player gets 403 (not a redirect to the login page it cannot follow).
    """
    if not request.user.is_authenticated:
        return json_answer({"error": "login"}, status=403)
    try:
        intervals = intervals_parse(request.POST.get("s", ""))
        position = float(request.POST.get("pos", "0") or 0)
        if not 0 <= position < 1e7:
            raise ValueError
    except ValueError:
        return json_answer({"error": "bad report"}, status=400)
    try:
        state = video_progress_report(
            user_id=request.user.pk,
            enrollment_id=enrollment_id,
            lesson_id=lesson_id,
            intervals=intervals,
            position=position,
        )
    except LessonProgress.DoesNotExist:
        return json_answer({"error": "not found"}, status=404)
    except ProgressRefused:
        return json_answer({"error": "closed"}, status=409)
    return json_answer(
        {
            "watched": round(state.watched_seconds, 1),
            "duration": state.duration_seconds,
            "percent": state.percent,
            "completed": state.lesson_completed,
            "course_completed": state.course_completed,
        }
    )


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@require_safe
@login_required
def lesson_media(request: HttpRequest, lesson_id: int, part: str) -> HttpResponse:
    """A lesson's video or captions file, for partners enrolled in its course.

    Answers byte ranges, so that players can seek and resume; a range is streamed,
    never read whole, and behind nginx the file is nginx's to send (portal/media.py).
    """
    if part not in {"video", "captions"}:
        raise Http404
    lesson_row = (
        Lesson.objects.filter(
            pk=lesson_id,
            course__enrollments__user_id=request.user.pk,
        )
        .only("video_file", "captions_file")
        .first()
    )
    if lesson_row is None and request.user.is_staff:
        lesson_row = Lesson.objects.filter(pk=lesson_id).first()
    field = None if lesson_row is None else getattr(lesson_row, f"{part}_file")
    if not field:
        raise Http404
    content_type = "video/webm" if part == "video" else "text/vtt; charset=utf-8"
    if field.name.endswith(".mp4"):
        content_type = "video/mp4"
    # Production: nginx sends the file and its ranges (portal/media.py).
    response = media.accel_redirect(field.name, content_type=content_type)
    if response is not None:
        response["Cache-Control"] = "private, max-age=3600"
        return response
    try:
        size = field.size
        handle = field.open("rb")
    except OSError:
        raise Http404 from None
    match = _RANGE.match(request.headers.get("Range", ""))
    if match and (match[1] or match[2]):
        if match[1]:
            start = int(match[1])
            end = min(int(match[2]) if match[2] else size - 1, size - 1)
        else:
            start, end = max(0, size - int(match[2])), size - 1
        if start > end or start >= size:
            handle.close()
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        response = media.range_response(
            handle, start=start, end=end, size=size, content_type=content_type
        )
    else:
        response = FileResponse(handle, content_type=content_type)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=3600"
    return response
