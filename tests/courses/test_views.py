"""Partner pages: what each partner sees, what nobody else can, and their query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import RosterEntry
from courses.models import CourseKind, Enrollment, EnrollmentStatus, LessonProgress
from courses.services.enrollments import enrollments_expire, enrollments_reenroll
from courses.services.progress import lesson_open, text_lesson_confirm
from portal import clock
from tests.courses import factories
from tests.support.sessions import session_queries

pytestmark = pytest.mark.django_db


def test_dashboard_shows_open_attempts_with_deadline_and_resume(client, alice):
    course = factories.course(videos=1, texts=2)
    enrollment = factories.enroll(alice, course, deadline=clock.today() + dt.timedelta(days=3))
    text_lesson_confirm(enrollment=enrollment, lesson=course.lessons.get(position=2))
    page = client.get(reverse("courses:dashboard")).content.decode()
    assert course.title in page
    assert "D-3" in page
    assert "강의 1/3개 완료" in page
    assert 'value="33"' in page
    assert reverse("courses:lesson", args=[enrollment.pk, 1]) in page  # first unfinished
    assert "이어서 듣기" in page


def test_expired_page_says_apply_again_and_whom_to_call(client, alice):
    factories.organisation(alice)
    course = factories.course(kind=CourseKind.INTRO)
    enrollment = factories.enroll(alice, course, deadline=clock.today())
    enrollments_expire(today=clock.today() + dt.timedelta(days=1))
    page = client.get(reverse("courses:enrollment", args=[enrollment.pk])).content.decode()
    assert "다시 신청한 뒤 처음부터 다시 들어야 합니다" in page
    assert "운행을 시작할 수 없어요" in page
    assert "소속 가맹점" in page and "02-200-0000" in page
    assert "지역본부" in page and "02-100-0000" in page
    dashboard = client.get(reverse("courses:dashboard")).content.decode()
    assert "기한이 지난 교육" in dashboard


def test_completed_intro_waits_for_clearance_then_shows_it(client, alice):
    course = factories.course(videos=0, texts=1, kind=CourseKind.INTRO)
    enrollment = factories.enroll(alice, course)
    text_lesson_confirm(enrollment=enrollment, lesson=course.lessons.get())
    url = reverse("courses:enrollment", args=[enrollment.pk])
    assert "담당 부서에서 순서대로" in client.get(url).content.decode()
    Enrollment.objects.filter(pk=enrollment.pk).update(cleared_at=clock.now())
    assert "운행을 시작할 수 있어요" in client.get(url).content.decode()
    certificate = client.get(reverse("courses:certificate", args=[enrollment.pk]))
    assert enrollment.course.title in certificate.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.completion_no in certificate.content.decode()


def test_text_lesson_confirm_moves_to_the_next_lesson(client, alice):
    course = factories.course(videos=0, texts=2)
    enrollment = factories.enroll(alice, course)
    response = client.post(reverse("courses:lesson_confirm", args=[enrollment.pk, 1]))
    assert response.status_code == 302
    assert response["Location"] == reverse("courses:lesson", args=[enrollment.pk, 2])
    enrollment.refresh_from_db()
    assert enrollment.lessons_completed == 1


def test_the_completion_banner_names_the_finished_lesson(client, alice):
    # The banner shows on the next lesson's page: it must not read as that lesson's state.
    course = factories.course(videos=0, texts=2)
    enrollment = factories.enroll(alice, course)
    first = course.lessons.get(position=1)
    response = client.post(reverse("courses:lesson_confirm", args=[enrollment.pk, 1]), follow=True)
    page = response.content.decode()
    assert f"&#x27;1. {first.title}&#x27; 강의를 마쳤습니다. 이어서 다음 강의입니다." in page
    assert "이 강의를 마쳤습니다" not in page
    response = client.post(reverse("courses:lesson_confirm", args=[enrollment.pk, 2]), follow=True)
    assert "모든 강의를 마쳤습니다" in response.content.decode()


def test_the_lesson_list_separates_title_and_state_for_screen_readers(client, alice):
    course = factories.course(videos=0, texts=2)
    enrollment = factories.enroll(alice, course)
    text_lesson_confirm(enrollment=enrollment, lesson=course.lessons.get(position=1))
    page = client.get(reverse("courses:enrollment", args=[enrollment.pk])).content.decode()
    title = course.lessons.get(position=1).title
    assert (
        f'<span class="lesson-list__title">1. {title}'
        '<span class="visually-hidden">,</span></span>\n'
        '        <span class="lesson-list__state">완료 · '
    ) in page


def _expired_then_reenrolled(alice) -> tuple[Enrollment, Enrollment]:
    factories.organisation(alice)
    course = factories.course(kind=CourseKind.INTRO)
    first = factories.enroll(alice, course, deadline=clock.today())
    enrollments_expire(today=clock.today() + dt.timedelta(days=1))
    enrollments_reenroll(
        enrollment_ids=[first.pk],
        deadline=clock.today() + dt.timedelta(days=10),
        created_by_id=factories.staff().pk,
    )
    return first, Enrollment.objects.get(course=course, attempt=2)


def test_an_old_attempt_points_to_the_new_one(client, alice):
    first, second = _expired_then_reenrolled(alice)
    page = client.get(reverse("courses:enrollment", args=[first.pk])).content.decode()
    assert "2차 수강이 배정되었습니다" in page
    assert f'href="{reverse("courses:enrollment", args=[second.pk])}">2차 수강으로 가기' in page
    # No "apply again", no office numbers: the driver has nothing to phone about.
    assert "다시 신청한 뒤" not in page
    assert "02-200-0000" not in page and "02-100-0000" not in page
    dashboard = client.get(reverse("courses:dashboard")).content.decode()
    expired = dashboard.split('id="expired-heading"')[1]
    assert "2차 수강이 배정되었으니 그 수강에서 처음부터 들어 주세요" in expired
    assert f'href="{reverse("courses:enrollment", args=[second.pk])}">2차 수강으로 가기' in expired
    assert "연락처 보기" not in expired


def test_the_expired_card_says_what_to_do(client, alice):
    course = factories.course()
    enrollment = factories.enroll(alice, course, deadline=clock.today())
    enrollments_expire(today=clock.today() + dt.timedelta(days=1))
    dashboard = client.get(reverse("courses:dashboard")).content.decode()
    expired = dashboard.split('id="expired-heading"')[1]
    assert "소속 가맹점이나 지역본부에 교육을 다시 신청하세요" in expired
    assert "처음부터 듣습니다" in expired
    assert (
        f'href="{reverse("courses:enrollment", args=[enrollment.pk])}">신청할 곳 연락처 보기'
        in (expired)
    )


def test_video_lesson_without_javascript_explains_the_player(client, alice):
    course = factories.course(videos=1, texts=0)
    enrollment = factories.enroll(alice, course)
    page = client.get(reverse("courses:lesson", args=[enrollment.pk, 1])).content.decode()
    assert "<noscript>" in page and "자바스크립트" in page
    assert "영상 파일 바로 열기" in page
    assert "다 읽었어요" not in page  # no confirm button for a video
    assert reverse("courses_api:progress", args=[enrollment.pk, course.lessons.get().pk]) in page


def test_the_lesson_page_and_the_player_state_the_configured_threshold(client, alice, settings):
    settings.COURSES_COMPLETION_THRESHOLD = 0.95
    course = factories.course(videos=1, texts=0)
    enrollment = factories.enroll(alice, course)
    page = client.get(reverse("courses:lesson", args=[enrollment.pk, 1])).content.decode()
    assert "영상의 95% 이상을 실제로 보면" in page
    assert 'data-completion-percent="95"' in page
    assert "90%" not in page


def test_progress_endpoint_merges_and_answers_json(client, alice):
    course = factories.course(videos=1, texts=0, duration=20)
    enrollment = factories.enroll(alice, course)
    lesson = course.lessons.get()
    start = clock.now()
    with clock.travel(start):
        client.get(reverse("courses:lesson", args=[enrollment.pk, 1]))
    url = reverse("courses_api:progress", args=[enrollment.pk, lesson.pk])
    with clock.travel(start + dt.timedelta(seconds=10)):
        first = client.post(url, {"s": "0-10", "pos": "10"}).json()
    with clock.travel(start + dt.timedelta(seconds=20)):
        second = client.post(url, {"s": "0-10,10-18.5", "pos": "18.5"}).json()
    assert first["watched"] == 10 and not first["completed"]
    assert second == {
        "watched": 18.5,
        "duration": 20,
        "percent": 92,
        "completed": True,
        "course_completed": True,
    }
    assert client.post(url, {"s": "9-3"}).status_code == 400
    assert client.post(url, {"s": "0-1", "pos": "nan"}).status_code == 400


def test_progress_after_the_deadline_is_refused(client, alice):
    _, lesson, url = factories.video_opened(alice, deadline=clock.today())
    with clock.travel(clock.end_of_day(clock.today()) + dt.timedelta(seconds=1)):
        assert client.post(url, {"s": "0-5", "pos": "5"}).status_code == 409
    assert LessonProgress.objects.get(lesson=lesson).watched == []


def test_dashboard_shows_the_partner_in_the_menu(client, alice):
    page = client.get(reverse("courses:dashboard")).content.decode()
    assert "앨리스 님" in page and "로그아웃" in page


# --- Another partner's attempt ----------------------------------------------------------


@pytest.fixture
def bobs():
    bob = factories.partner(name="밥")
    course = factories.course(videos=1, texts=1)
    enrollment = factories.enroll(bob, course)
    video = course.lessons.get(position=1)
    lesson_open(enrollment=enrollment, lesson=video)
    return enrollment, video


@pytest.mark.parametrize(
    "url_name",
    ["courses:enrollment", "courses:certificate", "courses:lesson"],
)
def test_other_partners_pages_are_404(client, alice, bobs, url_name):
    enrollment, _ = bobs
    args = [enrollment.pk, 1] if url_name == "courses:lesson" else [enrollment.pk]
    assert client.get(reverse(url_name, args=args)).status_code == 404


def test_other_partners_progress_cannot_be_written(client, alice, bobs):
    enrollment, video = bobs
    # alice has her own attempt at the same course: ids mixed across attempts fail too.
    mine = factories.enroll(alice, enrollment.course)
    before = list(LessonProgress.objects.values_list("pk", "watched", "completed_at"))
    responses = [
        client.post(reverse("courses_api:progress", args=[enrollment.pk, video.pk]), {"s": "0-5"}),
        client.post(reverse("courses:lesson_confirm", args=[enrollment.pk, 2])),
        client.post(reverse("courses_api:progress", args=[mine.pk, video.pk]), {"s": "0-5"}),
    ]
    assert [r.status_code for r in responses] == [404, 404, 404]
    assert list(LessonProgress.objects.values_list("pk", "watched", "completed_at")) == before
    enrollment.refresh_from_db()
    assert enrollment.lessons_completed == 0


def test_lesson_media_only_for_enrolled_partners(client, alice, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "v.webm").write_bytes(b"0123456789")
    course = factories.course(videos=1, texts=0)
    course.lessons.update(video_file="v.webm")
    lesson = course.lessons.get()
    url = reverse("courses:lesson_media", args=[lesson.pk, "video"])
    assert client.get(url).status_code == 404
    factories.enroll(alice, course)
    response = client.get(url, HTTP_RANGE="bytes=2-5")
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == b"2345"
    assert response["Content-Range"] == "bytes 2-5/10"
    assert b"".join(client.get(url).streaming_content) == b"0123456789"


def test_courses_of_other_services_are_not_shown(client, alice):
    blue = factories.service("blue", "카카오 T 블루")
    venti = factories.service("venti", "카카오 T 벤티")
    RosterEntry.objects.create(
        phone=alice.phone, name=alice.name, birth_date=alice.birth_date, user=alice
    ).services.add(blue)
    mine = factories.course(kind=CourseKind.OPEN, service_obj=blue)
    other = factories.course(kind=CourseKind.OPEN, service_obj=venti)
    page = client.get(reverse("courses:dashboard")).content.decode()
    assert mine.title in page and other.title not in page
    assert "카카오 T 블루" in page and "신청할 수 있는 교육" in page
    assert client.post(reverse("courses:self_enroll", args=[other.pk])).status_code == 404
    response = client.post(reverse("courses:self_enroll", args=[mine.pk]))
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(user=alice)
    assert enrollment.course == mine and enrollment.status == EnrollmentStatus.ASSIGNED
    # Taken: listed with the attempts, no longer offered.
    page = client.get(reverse("courses:dashboard")).content.decode()
    assert mine.title in page and "신청할 수 있는 교육" not in page


def test_pages_need_login(client):
    response = client.get(reverse("courses:dashboard"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    report = client.post(reverse("courses_api:progress", args=[1, 1]), {"s": "0-1"})
    assert report.status_code == 403 and report.json() == {"error": "login"}


# --- Query counts -----------------------------------------------------------------------


def _world(user, *, enrollments: int, lessons: int) -> Enrollment:
    first = None
    for index in range(enrollments):
        course = factories.course(videos=lessons // 2 or 1, texts=lessons - (lessons // 2 or 1))
        enrollment = factories.enroll(user, course)
        if index % 3 == 1:
            text_lesson_confirm(
                enrollment=enrollment, lesson=course.lessons.order_by("-position")[0]
            )
        first = first or enrollment
    return first


def _count(client, url) -> int:
    client.get(url)  # the first visit creates the progress row
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(("enrollments", "lessons"), [(1, 1), (50, 100)])
def test_dashboard_query_count_is_constant(client, alice, enrollments, lessons):
    _world(alice, enrollments=enrollments, lessons=lessons)
    # session, user, attempts with course (+ lesson count, resume point), open courses
    assert _count(client, reverse("courses:dashboard")) == session_queries() + 3


@pytest.mark.parametrize(("enrollments", "lessons"), [(1, 1), (50, 100)])
def test_lesson_page_query_count_is_constant(client, alice, enrollments, lessons):
    first = _world(alice, enrollments=enrollments, lessons=lessons)
    # session, user, attempt + course, lessons with state, the lesson's body,
    # savepoint, progress row, release savepoint
    assert _count(client, reverse("courses:lesson", args=[first.pk, 1])) == session_queries() + 7


def test_progress_report_query_count(client, alice):
    _, lesson, url = factories.video_opened(alice, duration=300)
    later = clock.now() + dt.timedelta(seconds=30)
    with clock.travel(later), CaptureQueriesContext(connection) as queries:
        assert client.post(url, {"s": "0-5", "pos": "5"}).status_code == 200
    # session, user, savepoint (the test's own transaction around the report's), the
    # progress row with its attempt and lesson (locked), (PostgreSQL: SET LOCAL
    # synchronous_commit), the row's update, release savepoint
    synchronous_commit = 1 if connection.vendor == "postgresql" else 0
    assert len(queries) == session_queries() + 5 + synchronous_commit
    assert LessonProgress.objects.get(lesson=lesson).watched_seconds == 5


def test_lesson_page_after_the_deadline_is_read_only_before_the_job_runs(client, alice):
    course = factories.course(videos=1, texts=1)
    enrollment = factories.enroll(alice, course, deadline=clock.today())
    client.get(reverse("courses:lesson", args=[enrollment.pk, 1]))
    with clock.travel(clock.end_of_day(clock.today()) + dt.timedelta(minutes=1)):
        video = client.get(reverse("courses:lesson", args=[enrollment.pk, 1])).content.decode()
        text = client.get(reverse("courses:lesson", args=[enrollment.pk, 2])).content.decode()
        dashboard = client.get(reverse("courses:dashboard")).content.decode()
    assert "data-progress-url" not in video and "수강 기한이 지나" in video
    assert "다 읽었어요" not in text
    assert "기한 지남" in dashboard


def test_dashboard_lists_attempts_by_deadline_then_newest_attempt_then_creation(alice):
    from courses import selectors

    today = clock.today()

    def attempt(days: int, number: int = 1) -> Enrollment:
        enrollment = factories.enroll(
            alice, factories.course(), deadline=today + dt.timedelta(days=days)
        )
        Enrollment.objects.filter(pk=enrollment.pk).update(attempt=number)
        return enrollment

    late = attempt(20)
    first_tie = attempt(9)
    soon = attempt(5)
    second_try = attempt(9, number=2)
    second_tie = attempt(9)
    order = [soon.pk, second_try.pk, first_tie.pk, second_tie.pk, late.pk]
    assert [e.pk for e in selectors.partner_dashboard(user_id=alice.pk).enrollments] == order
