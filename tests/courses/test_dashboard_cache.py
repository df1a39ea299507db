"""The dashboard is kept rendered per state of its rows (portal.page_cache): every write
that changes what it shows, whatever makes it, shows on the next visit."""

import datetime as dt

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import RosterEntry, User
from courses.models import CourseKind, Enrollment, Lesson, LessonKind
from courses.services.enrollments import (
    enrollments_clear,
    enrollments_deadline_change,
    enrollments_expire,
    enrollments_reenroll,
)
from courses.services.imports import import_confirm, import_preview
from courses.services.progress import lesson_open, text_lesson_confirm, video_progress_report
from portal import clock, page_cache
from tests.courses import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    page_cache.forget_all()
    yield
    page_cache.forget_all()


def _page(client) -> str:
    response = client.get(reverse("courses:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def _token(page: str) -> str:
    marker = 'name="csrfmiddlewaretoken" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def _without_tokens(page: str) -> str:
    return page.replace(_token(page), "")


# --- Per request: the CSRF token and messages ------------------------------------------


def test_each_response_has_its_own_token_for_the_browsers_secret(client, alice):
    factories.enroll(alice, factories.course())
    first, second = _page(client), _page(client)
    assert _token(first) != _token(second)
    assert _without_tokens(first) == _without_tokens(second)
    secret = client.cookies["csrftoken"].value
    assert _unmask_cipher_token(_token(first)) == _unmask_cipher_token(_token(second)) == secret


def test_the_browsers_csrf_cookie_is_set_once_not_again_on_every_visit(client, alice):
    dashboard = reverse("courses:dashboard")
    first = client.get(dashboard)
    assert "csrftoken" in first.cookies  # no cookie yet: Django makes the secret
    second = client.get(dashboard)
    assert second.status_code == 200 and "csrftoken" not in second.cookies
    assert _unmask_cipher_token(_token(second.content.decode())) == (
        first.cookies["csrftoken"].value
    )


def test_the_kept_pages_token_logs_out(alice):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    _page(browser)
    token = _token(_page(browser))
    response = browser.post(reverse("account_logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert browser.get(reverse("courses:dashboard")).status_code == 302


def test_two_browsers_of_one_partner_get_their_own_tokens(alice):
    phone, pc = Client(), Client()
    phone.force_login(alice)
    pc.force_login(alice)
    on_phone, on_pc = _page(phone), _page(pc)
    assert _unmask_cipher_token(_token(on_phone)) == phone.cookies["csrftoken"].value
    assert _unmask_cipher_token(_token(on_pc)) == pc.cookies["csrftoken"].value
    assert phone.cookies["csrftoken"].value != pc.cookies["csrftoken"].value


def test_a_message_is_shown_once_then_the_page_is_kept_again(client, alice):
    blue = factories.service("blue", "카카오 T 블루")
    RosterEntry.objects.create(
        phone=alice.phone, name=alice.name, birth_date=alice.birth_date, user=alice
    ).services.add(blue)
    offered = factories.course(kind=CourseKind.OPEN, service_obj=blue)
    _page(client)
    # The enrolment leaves its message for the next page shown.
    client.post(reverse("courses:self_enroll", args=[offered.pk]))
    kept = _page(client)
    assert "교육을 신청했습니다." in kept
    again = _page(client)
    assert "교육을 신청했습니다." not in again
    assert offered.title in again


def test_partners_never_see_each_others_page(alice):
    bob = factories.partner(name="앨리스")  # same name, same kind of attempt
    course = factories.course()
    mine, theirs = factories.enroll(alice, course), factories.enroll(bob, course)
    browsers = {}
    for user in (alice, bob):
        browsers[user] = Client()
        browsers[user].force_login(user)
        _page(browsers[user])
    alice_page, bob_page = _page(browsers[alice]), _page(browsers[bob])
    assert reverse("courses:enrollment", args=[mine.pk]) in alice_page
    assert reverse("courses:enrollment", args=[theirs.pk]) not in alice_page
    assert reverse("courses:enrollment", args=[theirs.pk]) in bob_page


@override_settings(PAGE_CACHE_ENTRIES=1)
def test_the_oldest_page_makes_room(alice):
    others = [factories.partner(name=f"기사{n}") for n in range(3)]
    for user in [alice, *others]:
        factories.enroll(user, factories.course())
        browser = Client()
        browser.force_login(user)
        assert user.name in _page(browser)
    assert len(page_cache._pages) == 1


def test_a_changed_setting_shows(client, alice):
    assert "1533-0301" in _page(client)
    with override_settings(GUIDE_CENTRE_PHONE="1588-0000"):
        page = _page(client)
    assert "1588-0000" in page and "1533-0301" not in page


# --- Writes: the next visit shows the new state -----------------------------------------


def test_video_progress_that_completes_a_lesson(client, alice):
    course = factories.course(videos=1, texts=1, duration=20)
    enrollment = factories.enroll(alice, course)
    video = course.lessons.get(position=1)
    start = clock.now()
    with clock.travel(start):
        lesson_open(enrollment=enrollment, lesson=video)
    assert "강의 0/2개 완료" in _page(client)
    with clock.travel(start + dt.timedelta(seconds=20)):
        video_progress_report(
            user_id=alice.pk,
            enrollment_id=enrollment.pk,
            lesson_id=video.pk,
            intervals=[(0, 19)],
            position=19,
        )
    page = _page(client)
    assert "강의 1/2개 완료" in page and "이어서 듣기" in page
    assert reverse("courses:lesson", args=[enrollment.pk, 2]) in page


def test_completing_the_course_then_clearance(client, alice):
    staff = factories.staff()
    course = factories.course(videos=0, texts=1, kind=CourseKind.INTRO)
    enrollment = factories.enroll(alice, course)
    assert "들어야 할 교육" in _page(client) and "수료한 교육" not in _page(client)
    text_lesson_confirm(enrollment=enrollment, lesson=course.lessons.get())
    page = _page(client)
    enrollment.refresh_from_db()
    assert "수료한 교육" in page and enrollment.completion_no in page
    assert "담당 부서에서 순서대로" in page
    enrollments_clear(enrollment_ids=[enrollment.pk], cleared_by_id=staff.pk)
    assert "운행 가능 안내를 받았습니다" in _page(client)


def test_a_deadline_change(client, alice):
    staff = factories.staff()
    today = clock.today()
    enrollment = factories.enroll(alice, factories.course(), deadline=today + dt.timedelta(days=3))
    assert "D-3" in _page(client)
    new = today + dt.timedelta(days=20)
    enrollments_deadline_change(
        enrollment_ids=[enrollment.pk], new_deadline=new, reason="병원 입원", changed_by_id=staff.pk
    )
    page = _page(client)
    assert "D-20" in page and f"{new.year}년 {new.month}월 {new.day}일" in page


def test_a_new_enrollment_and_an_upload(client, alice):
    staff = factories.staff()
    assert "지금 들어야 할 교육이 없습니다" in _page(client)
    first = factories.course()
    factories.enroll(alice, first)
    assert first.title in _page(client)
    uploaded = factories.course(code="UPLOADED")
    deadline = clock.today() + dt.timedelta(days=14)
    data = (
        "휴대폰,이름,생년월일,과정코드,수강기한\n"
        f"{alice.phone},{alice.name},1970-01-01,UPLOADED,{deadline}\n"
    ).encode()
    batch = import_preview(file_name="drivers.csv", data=data, uploaded_by=staff)
    assert import_confirm(batch=batch, confirmed_by=staff).created_count == 1
    assert uploaded.title in _page(client)


def test_expiry_and_reenrolment(client, alice):
    staff = factories.staff()
    today = clock.today()
    enrollment = factories.enroll(alice, factories.course(), deadline=today)
    assert "D-day" in _page(client)
    enrollments_expire(today=today + dt.timedelta(days=1))
    assert "기한이 지난 교육" in _page(client)
    enrollments_reenroll(
        enrollment_ids=[enrollment.pk],
        deadline=today + dt.timedelta(days=10),
        created_by_id=staff.pk,
    )
    assert "2차 수강" in _page(client)


def test_midnight_moves_the_countdown_and_the_deadline_passes(client, alice):
    today = clock.today()
    factories.enroll(alice, factories.course(), deadline=today + dt.timedelta(days=1))
    with clock.travel(clock.at(today, 23, 59)):
        assert "D-1" in _page(client)
    with clock.travel(clock.at(today + dt.timedelta(days=1), 0, 1)):
        assert "D-day" in _page(client)
    with clock.travel(clock.at(today + dt.timedelta(days=2), 0, 1)):
        assert "기한 지남" in _page(client)


def test_staff_edits_of_courses_and_lessons(client, alice):
    course = factories.course(videos=1, texts=1)
    factories.enroll(alice, course)
    assert "강의 0/2개 완료" in _page(client)
    course.title = "바뀐 과정 이름"
    course.save()
    assert "바뀐 과정 이름" in _page(client)
    Lesson.objects.create(
        course=course, position=3, title="추가", kind=LessonKind.TEXT, body="본문"
    )
    assert "강의 0/3개 완료" in _page(client)
    # A write that bypasses the models shows as well: the page follows the rows.
    Enrollment.objects.filter(user=alice).update(deadline=clock.today() + dt.timedelta(days=40))
    assert "D-40" in _page(client)


def test_open_courses_offered_and_taken(client, alice):
    blue = factories.service("blue", "카카오 T 블루")
    entry = RosterEntry.objects.create(
        phone=alice.phone, name=alice.name, birth_date=alice.birth_date, user=alice
    )
    offered = factories.course(kind=CourseKind.OPEN, service_obj=blue)
    assert "신청할 수 있는 교육" not in _page(client)
    entry.services.add(blue)
    assert offered.title in _page(client) and "신청할 수 있는 교육" in _page(client)
    offered.description = "누구나 들을 수 있어요"
    offered.save()
    assert "누구나 들을 수 있어요" in _page(client)
    client.post(reverse("courses:self_enroll", args=[offered.pk]))
    assert "신청할 수 있는 교육" not in _page(client)


def test_the_member_menu_follows_the_account(client, alice):
    assert "앨리스 님" in _page(client)
    User.objects.filter(pk=alice.pk).update(name="앨리스 김")
    assert "앨리스 김 님" in _page(client)


def test_a_password_change_or_withdrawal_ends_the_kept_page(alice):
    for end in ("password", "inactive"):
        user = factories.partner(name=f"기사 {end}")
        browser = Client()
        browser.force_login(user)
        _page(browser)
        if end == "password":
            user.set_password("Other1234!x")
            user.save()
        else:
            User.objects.filter(pk=user.pk).update(is_active=False)
        response = browser.get(reverse("courses:dashboard"))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_footer_follows_the_guide_centres_hours(client, alice):
    monday = dt.date(2026, 11, 23)
    with clock.travel(clock.at(monday, 7, 59)):
        assert "지금은 상담 시간이 아니에요" in _page(client)
    with clock.travel(clock.at(monday, 8, 0)):
        assert "지금 상담 가능" in _page(client)
    with clock.travel(clock.at(monday, 17, 0)):
        assert "지금은 상담 시간이 아니에요" in _page(client)
