"""The whole way in Chromium at 360×640, and every partner page under axe-core.

Staff upload a file → the preview shows the bad rows → confirm → the driver's SMS
(read from the outbox) → first login → dashboard → the real player script posts the
watched seconds of a real WebM video → a text lesson confirmed → completed → staff
clear → the driver sees it.
"""

import datetime as dt
import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from accounts.models import User
from courses.media import captions_generate, video_generate
from courses.models import (
    Course,
    CourseKind,
    Enrollment,
    EnrollmentStatus,
    Lesson,
    LessonKind,
    LessonProgress,
)
from courses.services.enrollments import enrollments_expire, enrollments_reenroll
from courses.services.progress import text_lesson_confirm
from portal import clock
from portal.sms.models import OutboxMessage
from tests.courses import factories
from tests.support.browser import VIEWPORTS, assert_accessible, assert_no_horizontal_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "01024680001"
VIDEO_SECONDS = 4


def _course(tmp_path, code="BLUE-INTRO") -> Course:
    course = Course.objects.create(
        code=code,
        title="카카오 T 블루 입문 교육",
        kind=CourseKind.INTRO,
        service=factories.service(),
    )
    video_generate(path=tmp_path / f"{code}.webm", seconds=VIDEO_SECONDS, colour=(20, 80, 160))
    captions_generate(path=tmp_path / f"{code}.vtt", seconds=VIDEO_SECONDS, lines=["안녕하세요"])
    Lesson.objects.create(
        course=course,
        position=1,
        title="블루 서비스 소개",
        kind=LessonKind.VIDEO,
        video_file=f"{code}.webm",
        captions_file=f"{code}.vtt",
        duration_seconds=VIDEO_SECONDS,
    )
    Lesson.objects.create(
        course=course, position=2, title="운행 수칙", kind=LessonKind.TEXT, body="인사합니다."
    )
    return course


@pytest.fixture
def media(settings, tmp_path, live_server):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.SITE_URL = live_server.url
    settings.COURSES_REPORT_EVERY_SECONDS = 2
    return tmp_path


def _check(page):
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


def _latest_code(phone: str) -> str:
    message = OutboxMessage.objects.filter(to=phone, kind__startswith="code_").latest("id")
    return re.search(r"\d{6}", message.body)[0]


def test_the_whole_way_at_360x640(browser, live_server, media):
    course = _course(media)
    boss = User.objects.create_user(
        username="boss", password="Staff1234!x", is_staff=True, is_superuser=True
    )
    deadline = (clock.today() + dt.timedelta(days=7)).isoformat()
    upload = (
        "휴대폰,이름,생년월일,과정코드,수강기한\n"
        f"010-2468-0001,홍길동,1975-01-02,BLUE-INTRO,{deadline}\n"
        f"010-2468,전화틀림,1975-01-02,BLUE-INTRO,{deadline}\n"
        f"01024680003,과정없음,1975-01-02,NO-SUCH,{deadline}\n"
    ).encode()

    staff_context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="ko-KR")
    staff = staff_context.new_page()
    _logged_in(staff, live_server, boss)  # the staff login itself is the accounts' flow
    staff.goto(live_server.url + "/admin/courses/enrollment/upload/")
    staff.set_input_files(
        "input[type=file]",
        files=[{"name": "drivers.csv", "mimeType": "text/csv", "buffer": upload}],
    )
    staff.get_by_role("button", name="미리보기").click()
    errors = staff.locator("#import-errors tbody tr")
    assert errors.count() == 2
    assert "휴대폰 번호가 올바르지 않습니다" in errors.nth(0).inner_text()
    assert "없는 과정코드" in errors.nth(1).inner_text()
    assert not Enrollment.objects.exists()
    staff.get_by_role("button", name="1줄 등록하기").click()
    staff.get_by_text("등록했습니다").first.wait_for()

    sms = OutboxMessage.objects.get(to=PHONE, kind="courses.enrolled")
    assert "아이디: 01024680001" in sms.body and course.title in sms.body
    link = re.search(r"\[블루교육 로그인\] (\S+)", sms.body)[1]

    driver_context = browser.new_context(viewport=VIEWPORTS["phone"], locale="ko-KR")
    page = driver_context.new_page()
    page.set_default_timeout(15_000)
    # First login, as the seed's call-centre script reads it.
    page.goto(link)
    _check(page)
    page.get_by_label("아이디 (휴대폰 번호)").fill(PHONE)
    page.get_by_role("button", name="아이디 확인").click()
    _check(page)
    page.get_by_label("생년월일").fill("19750102")
    page.get_by_label("휴대폰 번호").fill(PHONE)
    page.get_by_role("button", name="비밀번호 설정").click()
    _check(page)
    page.get_by_label("이름").fill("홍길동")
    page.get_by_role("button", name="인증요청").click()
    page.get_by_label("인증번호").fill(_latest_code(PHONE))
    page.get_by_role("button", name="확인", exact=True).click()
    _check(page)
    page.get_by_label("새 비밀번호", exact=True).fill("Blue1234!x")
    page.get_by_label("새 비밀번호 확인").fill("Blue1234!x")
    page.get_by_role("button", name="변경").click()
    if "/accounts/login/" in page.url:
        page.get_by_label("아이디 (휴대폰 번호)").fill(PHONE)
        page.get_by_label("비밀번호", exact=True).fill("Blue1234!x")
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()

    page.goto(live_server.url + "/courses/")
    _check(page)
    assert "D-7" in page.inner_text("main")
    page.get_by_role("link", name=re.compile("교육 시작하기")).click()
    _check(page)

    # The real player script, a real video: play it through at double speed.
    reports = []
    page.on(
        "request",
        lambda request: "/progress/" in request.url and reports.append(request.headers),
    )
    page.evaluate(
        "() => { const v = document.querySelector('video'); v.muted = true;"
        " v.playbackRate = 2; return v.play(); }"
    )
    page.wait_for_selector("html[data-lesson-completed=true]", state="attached", timeout=45_000)
    progress = LessonProgress.objects.get(lesson__position=1, enrollment__user__phone=PHONE)
    assert progress.completed_at is not None
    assert progress.watched_seconds >= 0.9 * VIDEO_SECONDS
    assert "이 강의를 마쳤습니다" in page.inner_text("[data-progress-status]")
    # Its reports are URL-encoded forms, the cheaper kind for the server to read.
    assert reports and all(
        headers["content-type"].startswith("application/x-www-form-urlencoded")
        for headers in reports
    )

    page.get_by_role("link", name="다음 강의 →").click()
    _check(page)
    page.get_by_role("button", name="다 읽었어요").click()
    assert "수료했습니다" in page.inner_text("main")
    assert "담당 부서에서 순서대로" in page.inner_text("main")
    _check(page)
    enrollment = Enrollment.objects.get(user__phone=PHONE)
    assert enrollment.status == EnrollmentStatus.COMPLETED

    staff.goto(live_server.url + "/admin/courses/enrollment/?clearance=waiting")
    staff.check(f"input[name=_selected_action][value='{enrollment.pk}']")
    staff.select_option("select[name=action]", "clear_to_drive")
    staff.locator("button[name=index]").click()
    staff.get_by_text("운행 가능 안내를 보냈습니다").wait_for()
    assert OutboxMessage.objects.filter(to=PHONE, kind="courses.cleared").count() == 1

    page.reload()
    assert "운행 가능 안내를 받았습니다" in page.inner_text("main")
    page.goto(live_server.url + "/courses/")
    assert "운행을 시작할 수 있어요" in page.inner_text("main")
    _check(page)
    page.get_by_role("link", name=re.compile("수료증 보기")).click()
    assert enrollment.completion_no in page.inner_text("main")
    _check(page)
    staff_context.close()
    driver_context.close()


def _logged_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_every_partner_page_is_accessible(any_page, live_server, media):
    user = factories.partner(name="접근성")
    factories.organisation(user)
    current = factories.enroll(user, _course(media))
    done_course = factories.course(videos=0, texts=1, code="DONE")
    done = factories.enroll(user, done_course)
    text_lesson_confirm(enrollment=done, lesson=done_course.lessons.get())
    lapsed = factories.enroll(
        user, factories.course(code="LAPSED", kind=CourseKind.REFRESH), deadline=clock.today()
    )
    enrollments_expire(today=clock.today() + dt.timedelta(days=1))
    # An expired attempt re-applied for (it points to the new one) next to one that was not.
    stale = factories.enroll(
        user, factories.course(code="AGAIN", kind=CourseKind.REFRESH), deadline=clock.today()
    )
    enrollments_expire(today=clock.today() + dt.timedelta(days=1))
    enrollments_reenroll(
        enrollment_ids=[stale.pk],
        deadline=clock.today() + dt.timedelta(days=7),
        created_by_id=factories.staff().pk,
    )
    _logged_in(any_page, live_server, user)
    for path in (
        "/courses/",
        f"/courses/{current.pk}/",
        f"/courses/{current.pk}/lessons/1/",
        f"/courses/{current.pk}/lessons/2/",
        f"/courses/{done.pk}/",
        f"/courses/{done.pk}/certificate/",
        f"/courses/{lapsed.pk}/",
        f"/courses/{lapsed.pk}/lessons/1/",
        f"/courses/{stale.pk}/",
    ):
        response = any_page.goto(live_server.url + path)
        assert response.status == 200, path
        _check(any_page)


def test_without_javascript_text_lessons_work_and_video_explains(no_js_page, live_server, media):
    user = factories.partner()
    enrollment = factories.enroll(user, _course(media))
    _logged_in(no_js_page, live_server, user)
    no_js_page.goto(live_server.url + f"/courses/{enrollment.pk}/lessons/1/")
    text = no_js_page.inner_text("main")
    assert "자바스크립트가 꺼져 있어" in text
    assert no_js_page.get_by_role("link", name="영상 파일 바로 열기").count() == 1
    no_js_page.get_by_role("link", name="다음 강의 →").click()
    no_js_page.get_by_role("button", name="다 읽었어요").click()
    assert "'2. 운행 수칙' 강의를 마쳤습니다" in no_js_page.inner_text("main")
    enrollment.refresh_from_db()
    assert enrollment.lessons_completed == 1


def test_no_sideways_scroll_at_320px(browser, live_server, media):
    user = factories.partner(name="좁은화면")
    current = factories.enroll(user, _course(media))
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="ko-KR")
    page = context.new_page()
    _logged_in(page, live_server, user)
    for path in (
        "/courses/",
        f"/courses/{current.pk}/",
        f"/courses/{current.pk}/lessons/1/",
        f"/courses/{current.pk}/lessons/2/",
    ):
        page.goto(live_server.url + path)
        assert_no_horizontal_scroll(page)
    context.close()


def test_lesson_list_keeps_title_and_state_apart_at_360(phone_page, live_server, media):
    # "소개완료 · 영상": the state must sit under the title, and be read apart from it.
    user = factories.partner()
    course = _course(media)
    enrollment = factories.enroll(user, course)
    text_lesson_confirm(enrollment=enrollment, lesson=course.lessons.get(position=2))
    _logged_in(phone_page, live_server, user)
    phone_page.goto(live_server.url + f"/courses/{enrollment.pk}/")
    items = phone_page.locator(".lesson-list__item a")
    for index, (name, state) in enumerate(
        [("1. 블루 서비스 소개", "아직 안 들음 · 영상"), ("2. 운행 수칙", "완료 · 글")]
    ):
        link = items.nth(index)
        # Read with a pause between them (Chromium may put a space before the comma).
        expect(link).to_have_accessible_name(
            re.compile(rf"^{re.escape(name)} ?, {re.escape(state)}$")
        )
        title = link.locator(".lesson-list__title").bounding_box()
        below = link.locator(".lesson-list__state").bounding_box()
        assert below["y"] >= title["y"] + title["height"] - 1, (name, title, below)
    _check(phone_page)
