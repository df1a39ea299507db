"""Staff tools: upload with preview, single enrollment, bulk actions, reports, penalty list."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.models import CourseKind, DeadlineChange, Enrollment, EnrollmentStatus, ImportBatch
from courses.services.enrollments import enrollments_expire
from courses.services.progress import text_lesson_confirm
from portal import clock
from portal.sms.models import OutboxMessage
from tests.courses import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = factories.staff()
    client.force_login(user)
    client.staff = user
    return client


def test_upload_preview_then_confirm(staff_client):
    course = factories.course(code="BLUE-INTRO")
    deadline = (clock.today() + dt.timedelta(days=7)).isoformat()
    data = (
        "휴대폰,이름,생년월일,과정코드,수강기한\n"
        f"01012340001,홍길동,1975-01-02,BLUE-INTRO,{deadline}\n"
        f"0101234,잘못,1975-01-02,BLUE-INTRO,{deadline}\n"
    ).encode()
    response = staff_client.post(
        reverse("admin:courses_upload"), {"file": SimpleUploadedFile("a.csv", data)}
    )
    assert response.status_code == 302
    preview_url = response["Location"]
    page = staff_client.get(preview_url).content.decode()
    assert "휴대폰 번호가 올바르지 않습니다" in page
    assert "1줄 등록하기" in page
    assert not Enrollment.objects.exists()
    staff_client.post(preview_url)
    enrollment = Enrollment.objects.get()
    assert enrollment.course == course and enrollment.created_by == staff_client.staff
    assert ImportBatch.objects.get().status == "confirmed"
    assert "등록했습니다" in staff_client.get(preview_url).content.decode()


def test_upload_of_an_unreadable_file_shows_the_reason(staff_client):
    response = staff_client.post(
        reverse("admin:courses_upload"), {"file": SimpleUploadedFile("a.pdf", b"%PDF")}
    )
    assert response.status_code == 200
    assert "CSV 또는 XLSX" in response.content.decode()


def test_single_enrollment_in_admin(staff_client):
    course = factories.course(code="BLUE-INTRO")
    form = {
        "phone": "010-5555-0001",
        "name": "한사람",
        "birth_date": "1980-01-01",
        "course": course.pk,
        "deadline": (clock.today() + dt.timedelta(days=7)).isoformat(),
    }
    response = staff_client.post(reverse("admin:courses_enrollment_add"), form)
    assert response.status_code == 302
    enrollment = Enrollment.objects.get()
    assert enrollment.user.phone == "01055550001"
    assert OutboxMessage.objects.get(to="01055550001").body.count("아이디: 01055550001") == 1
    again = staff_client.post(reverse("admin:courses_enrollment_add"), form)
    assert "이미" in again.content.decode()
    assert Enrollment.objects.count() == 1


def _action(client, action, ids, **extra):
    return client.post(
        reverse("admin:courses_enrollment_changelist"),
        {"action": action, "_selected_action": [str(i) for i in ids], **extra},
    )


def test_bulk_deadline_change_asks_for_date_and_reason(staff_client):
    enrollment = factories.enroll(factories.partner(), factories.course())
    new = (clock.today() + dt.timedelta(days=30)).isoformat()
    form_page = _action(staff_client, "change_deadline", [enrollment.pk])
    assert "사유" in form_page.content.decode()
    _action(
        staff_client,
        "change_deadline",
        [enrollment.pk],
        apply="1",
        new_deadline=new,
        reason="가이드센터 요청",
    )
    change = DeadlineChange.objects.get()
    assert change.reason == "가이드센터 요청" and change.changed_by == staff_client.staff
    enrollment.refresh_from_db()
    assert enrollment.deadline.isoformat() == new


def test_clear_reenroll_and_resend_actions(staff_client):
    user = factories.partner()
    intro = factories.course(videos=0, texts=1, kind=CourseKind.INTRO)
    done = factories.enroll(user, intro)
    text_lesson_confirm(enrollment=done, lesson=intro.lessons.get())
    refresh = factories.course(kind=CourseKind.REFRESH)
    lapsed = factories.enroll(user, refresh, deadline=clock.today())
    enrollments_expire(today=clock.today() + dt.timedelta(days=1))

    waiting = staff_client.get(
        reverse("admin:courses_enrollment_changelist") + "?clearance=waiting"
    )
    assert f"/admin/courses/enrollment/{done.pk}/change/" in waiting.content.decode()
    _action(staff_client, "clear_to_drive", [done.pk, lapsed.pk])
    done.refresh_from_db()
    assert done.cleared_by == staff_client.staff

    deadline = (clock.today() + dt.timedelta(days=14)).isoformat()
    _action(staff_client, "reenroll", [lapsed.pk], apply="1", deadline=deadline)
    second = Enrollment.objects.get(user=user, course=refresh, attempt=2)
    assert second.status == EnrollmentStatus.ASSIGNED

    _action(staff_client, "resend_sms", [second.pk])
    assert OutboxMessage.objects.filter(idempotency_key__startswith="courses:resend:").count() == 1


def test_changelist_filters_and_search(staff_client):
    user = factories.partner(name="검색대상")
    company = factories.organisation(user)
    enrollment = factories.enroll(user, factories.course())
    other = factories.enroll(factories.partner(name="다른사람"), factories.course())
    url = reverse("admin:courses_enrollment_changelist")
    office = company.franchise_office
    for query in (
        f"?q={user.phone}",
        "?q=검색대상",
        f"?franchise={office.pk}",
        f"?region={office.regional_hq_id}",
        f"?company={company.pk}",
    ):
        page = staff_client.get(url + query).content.decode()
        assert f"/admin/courses/enrollment/{enrollment.pk}/change/" in page, query
        assert f"/admin/courses/enrollment/{other.pk}/change/" not in page, query


def test_reports_and_csv_export(staff_client):
    user = factories.partner()
    factories.organisation(user)
    course = factories.course(videos=0, texts=1)
    done = factories.enroll(user, course)
    text_lesson_confirm(enrollment=done, lesson=course.lessons.get())
    factories.enroll(factories.partner(), course)
    for by in ("course", "franchise", "region", "company"):
        page = staff_client.get(reverse("admin:courses_reports") + f"?by={by}")
        assert page.status_code == 200
    csv_text = (
        b"".join(
            staff_client.get(
                reverse("admin:courses_reports") + "?by=course&format=csv"
            ).streaming_content
        )
        .decode("utf-8-sig")
        .splitlines()
    )
    assert csv_text[0].startswith("과정,배정,수강 중,수료,만료,전체,수료율")
    assert csv_text[1] == f"{course.title},1,0,1,0,2,50.0"


def test_penalty_list_has_expired_refresh_drivers_until_they_complete(staff_client):
    user = factories.partner(name="벌점대상")
    refresh = factories.course(videos=0, texts=1, kind=CourseKind.REFRESH)
    first = factories.enroll(user, refresh, deadline=clock.today())
    intro_user = factories.partner(name="입문만료")
    factories.enroll(intro_user, factories.course(kind=CourseKind.INTRO), deadline=clock.today())
    enrollments_expire(today=clock.today() + dt.timedelta(days=1))
    response = staff_client.get(reverse("admin:courses_penalty") + "?format=csv")
    csv_text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "벌점대상" in csv_text and "입문만료" not in csv_text
    with clock.travel(clock.now() + dt.timedelta(days=2)):
        second = factories.enroll(user, refresh, deadline=clock.today() + dt.timedelta(days=5))
        text_lesson_confirm(enrollment=second, lesson=refresh.lessons.get())
    page = staff_client.get(reverse("admin:courses_penalty")).content.decode()
    assert "벌점대상" not in page
    assert first.pk
