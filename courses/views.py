"""Partner pages of the courses app: dashboard, attempt, lesson, certificate, progress.

Thin views: parse, call one domain function or selector, render. Every read is scoped
to the logged-in partner; another partner's attempt is a 404.
"""

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from courses import partner_session, selectors
from courses.intervals import intervals_parse
from courses.models import CourseKind, Enrollment, EnrollmentStatus, Lesson, LessonProgress
from courses.services.enrollments import NotAllowed, enrollment_self_enroll
from courses.services.progress import (
    NotLoggedIn,
    ProgressRefused,
    lesson_open,
    text_lesson_confirm,
    video_progress_report,
)
from portal import clock, page_cache
from portal.csp import json_answer


def _own(request: HttpRequest, enrollment_id: int) -> Enrollment:
    try:
        return selectors.partner_enrollment(user_id=request.user.pk, enrollment_id=enrollment_id)
    except Enrollment.DoesNotExist:
        raise Http404 from None


def _route(name: str, count: int):
    """``reverse(name, args=...)`` for integer arguments, resolved once per call of a page.

    The page lists many attempts: the route is reversed once with stand-in numbers and
    each URL is then filled in with ``str.format``.
    """
    stand_ins = [str(987654321000 + index) for index in range(count)]
    pattern = reverse(name, args=stand_ins).replace("{", "{{").replace("}", "}}")
    for index, stand_in in enumerate(stand_ins):
        pattern = pattern.replace(stand_in, f"{{{index}}}")
    return pattern.format


@require_safe
@page_cache.never_cache
def dashboard(request: HttpRequest) -> HttpResponse:
    # The user's row comes with the attempts (see courses.partner_session); the page is
    # rendered once per state of those rows and day (portal.page_cache).
    claim = partner_session.claim(request)
    if claim is None:
        return redirect_to_login(request.get_full_path())
    read = selectors.partner_dashboard_rows(user_id=claim.user_id, session_key=claim.session_key)
    rows = read.rows
    user = selectors.partner_dashboard_user(rows)
    if not partner_session.accept(request, user, claim, read.session_data):
        return redirect_to_login(request.get_full_path())
    today = clock.today()
    return page_cache.render_kept(
        request,
        "courses/dashboard.html",
        key=(rows, today),
        context=lambda: _dashboard_context(selectors.partner_dashboard_from_rows(rows), today),
    )


def _dashboard_context(data: selectors.Dashboard, today) -> dict:
    enrollments = data.enrollments
    lesson_url = _route("courses:lesson", 2)
    detail_url = _route("courses:enrollment", 1)
    certificate_url = _route("courses:certificate", 1)
    for enrollment in enrollments:
        enrollment.detail_url = detail_url(enrollment.pk)
        enrollment.certificate_url = certificate_url(enrollment.pk)
        enrollment.resume_url = (
            lesson_url(enrollment.pk, enrollment.next_position) if enrollment.next_position else ""
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
    enroll_url = _route("courses:self_enroll", 1)
    for course in data.open_courses:
        course.enroll_url = enroll_url(course.pk)
    return {
        "current": current,
        "completed": [e for e in enrollments if e.status == EnrollmentStatus.COMPLETED],
        "expired": [e for e in enrollments if e.status == EnrollmentStatus.EXPIRED],
        "open_courses": data.open_courses,
    }


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
    The partner's user row is read with the progress row and checked as Django checks
    a session (see courses.partner_session).
    """
    claim = partner_session.claim(request)
    if claim is None:
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
            user_id=claim.user_id,
            enrollment_id=enrollment_id,
            lesson_id=lesson_id,
            intervals=intervals,
            position=position,
            session_key=claim.session_key,
            accept_user=lambda user, session_data: partner_session.accept(
                request, user, claim, session_data
            ),
            accepted=claim.guard(),
        )
    except NotLoggedIn:
        return json_answer({"error": "login"}, status=403)
    except LessonProgress.DoesNotExist:
        if not request.user.is_authenticated:
            return json_answer({"error": "login"}, status=403)
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

    Answers byte ranges, so that players can seek and resume.
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
    try:
        size = field.size
        handle = field.open("rb")
    except OSError:
        raise Http404 from None
    content_type = "video/webm" if part == "video" else "text/vtt; charset=utf-8"
    if field.name.endswith(".mp4"):
        content_type = "video/mp4"
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
        handle.seek(start)
        data = handle.read(end - start + 1)
        handle.close()
        response = HttpResponse(data, status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    else:
        response = FileResponse(handle, content_type=content_type)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=3600"
    return response
