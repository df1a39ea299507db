"""Every admin path that could touch an attempt keeps the rules (docs/admin.md, "Rules in
admin, history and reviews"): the change form, the history page's version addresses,
and each bulk action. A deadline moves only with its 기한 변경 row, history reason and
SMS; an expired attempt is reopened only as a new attempt."""

import datetime as dt

import pytest
from django.urls import reverse

from courses.models import CourseKind, DeadlineChange, Enrollment, EnrollmentStatus
from courses.services.enrollments import enrollments_deadline_change, enrollments_expire
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


def _action(client, action, ids, **extra):
    return client.post(
        reverse("admin:courses_enrollment_changelist"),
        {"action": action, "_selected_action": [str(i) for i in ids], **extra},
    )


def _state(enrollment: Enrollment):
    """What the rules guard: the attempt's row, its history, its deadline log, its SMS."""
    enrollment.refresh_from_db()
    return (
        (enrollment.deadline, enrollment.status, enrollment.cleared_at, enrollment.attempt),
        enrollment.history.count(),
        DeadlineChange.objects.filter(enrollment=enrollment).count(),
        OutboxMessage.objects.filter(to=enrollment.user.phone).count(),
    )


def _days(n: int) -> dt.date:
    return clock.today() + dt.timedelta(days=n)


def test_the_change_form_is_read_only_and_a_posted_form_is_refused(staff_client):
    enrollment = factories.enroll(factories.partner(), factories.course(), deadline=_days(10))
    before = _state(enrollment)
    url = reverse("admin:courses_enrollment_change", args=[enrollment.pk])

    page = staff_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="deadline"' not in html and 'name="status"' not in html
    assert reverse("admin:courses_enrollment_deadline", args=[enrollment.pk]) in html

    response = staff_client.post(
        url,
        {
            "deadline": _days(2).isoformat(),
            "status": EnrollmentStatus.COMPLETED,
            "cleared_at_0": clock.today().isoformat(),
            "cleared_at_1": "10:00",
        },
    )
    assert response.status_code == 403
    assert _state(enrollment) == before


def test_reverting_a_deadline_from_the_history_page_is_refused(staff_client):
    """The issue's case: REVERT moved 12월 24일 back to 12월 21일 with no 기한 변경 row,
    no reason and no SMS."""
    user = factories.partner()
    enrollment = factories.enroll(user, factories.course(), deadline=_days(14))
    enrollments_deadline_change(
        enrollment_ids=[enrollment.pk],
        new_deadline=_days(17),
        reason="가이드센터 일정 변경",
        changed_by_id=staff_client.staff.pk,
    )
    first = enrollment.history.earliest("history_date")
    assert first.deadline == _days(14)
    before = _state(enrollment)
    version_url = reverse(
        "admin:courses_enrollment_simple_history", args=[enrollment.pk, first.history_id]
    )

    page = staff_client.get(version_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "보기만 합니다" in html and "<form" not in html.split('id="content-main"')[1]

    response = staff_client.post(
        version_url,
        {"deadline": _days(14).isoformat(), "status": "assigned", "_save": "Revert"},
    )
    assert response.status_code == 405
    assert _state(enrollment) == before
    assert enrollment.deadline == _days(17)

    history = staff_client.get(reverse("admin:courses_enrollment_history", args=[enrollment.pk]))
    assert "되돌리" not in history.content.decode().replace("되돌리는 기능은 없습니다", "")


def test_reverting_an_expired_attempt_to_assigned_is_refused(staff_client):
    enrollment = factories.enroll(factories.partner(), factories.course(), deadline=_days(0))
    enrollments_expire(today=_days(1))
    assigned = enrollment.history.get(history_type="+")
    assert assigned.status == EnrollmentStatus.ASSIGNED
    before = _state(enrollment)
    assert before[0][1] == EnrollmentStatus.EXPIRED

    response = staff_client.post(
        reverse("admin:courses_enrollment_simple_history", args=[enrollment.pk, assigned.pk]),
        {"status": "assigned", "deadline": _days(30).isoformat(), "_save": "Revert"},
    )
    assert response.status_code == 405
    assert _state(enrollment) == before


def test_bulk_deadline_change_needs_a_reason_and_writes_its_row_history_and_sms(staff_client):
    user = factories.partner()
    enrollment = factories.enroll(user, factories.course(), deadline=_days(14))
    before = _state(enrollment)

    refused = _action(
        staff_client,
        "change_deadline",
        [enrollment.pk],
        apply="1",
        new_deadline=_days(17).isoformat(),
        reason="",
    )
    assert refused.status_code == 200 and "필수 항목" in refused.content.decode()
    assert _state(enrollment) == before

    _action(
        staff_client,
        "change_deadline",
        [enrollment.pk],
        apply="1",
        new_deadline=_days(17).isoformat(),
        reason="가이드센터 일정 변경",
    )
    enrollment.refresh_from_db()
    assert enrollment.deadline == _days(17)
    change = DeadlineChange.objects.get(enrollment=enrollment)
    assert (change.old_deadline, change.new_deadline, change.reason, change.changed_by) == (
        _days(14),
        _days(17),
        "가이드센터 일정 변경",
        staff_client.staff,
    )
    latest = enrollment.history.latest("history_date")
    assert (latest.history_change_reason, latest.history_user_id, latest.deadline) == (
        "기한 변경: 가이드센터 일정 변경",
        staff_client.staff.pk,
        _days(17),
    )
    sms = OutboxMessage.objects.get(to=user.phone, kind="courses.deadline_changed")
    assert f"{_days(17).month}월 {_days(17).day}일" in sms.body
    assert sms.idempotency_key == f"courses:deadline:{change.pk}"


def test_the_deadline_page_of_one_attempt_calls_the_deadline_service(staff_client):
    user = factories.partner()
    enrollment = factories.enroll(user, factories.course(), deadline=_days(14))
    url = reverse("admin:courses_enrollment_deadline", args=[enrollment.pk])
    before = _state(enrollment)

    assert "사유" in staff_client.get(url).content.decode()
    missing = staff_client.post(url, {"new_deadline": _days(20).isoformat(), "reason": ""})
    assert missing.status_code == 200 and "필수 항목" in missing.content.decode()
    past = staff_client.post(url, {"new_deadline": _days(-1).isoformat(), "reason": "요청"})
    assert "오늘이나 그 뒤의 날짜" in past.content.decode()
    assert _state(enrollment) == before

    done = staff_client.post(url, {"new_deadline": _days(20).isoformat(), "reason": "본인 요청"})
    assert done.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.deadline == _days(20)
    assert DeadlineChange.objects.get(enrollment=enrollment).reason == "본인 요청"
    assert enrollment.history.latest("history_date").history_change_reason == (
        "기한 변경: 본인 요청"
    )
    assert OutboxMessage.objects.filter(to=user.phone, kind="courses.deadline_changed").count() == 1


def test_the_deadline_of_an_expired_attempt_is_not_moved_it_is_reenrolled(staff_client):
    enrollment = factories.enroll(factories.partner(), factories.course(), deadline=_days(0))
    enrollments_expire(today=_days(1))
    before = _state(enrollment)
    url = reverse("admin:courses_enrollment_deadline", args=[enrollment.pk])

    page = staff_client.post(url, {"new_deadline": _days(20).isoformat(), "reason": "재수강"})
    assert "끝난 수강" in page.content.decode()
    _action(
        staff_client,
        "change_deadline",
        [enrollment.pk],
        apply="1",
        new_deadline=_days(20).isoformat(),
        reason="재수강",
    )
    assert _state(enrollment) == before


def test_clear_to_drive_action_records_who_with_history_and_sms(staff_client):
    user = factories.partner()
    intro = factories.course(videos=0, texts=1, kind=CourseKind.INTRO)
    done = factories.enroll(user, intro)
    text_lesson_confirm(enrollment=done, lesson=intro.lessons.get())
    still_open = factories.enroll(factories.partner(), factories.course())
    untouched = _state(still_open)

    _action(staff_client, "clear_to_drive", [done.pk, still_open.pk])

    done.refresh_from_db()
    assert done.cleared_by == staff_client.staff and done.cleared_at is not None
    latest = done.history.latest("history_date")
    assert (latest.history_change_reason, latest.history_user_id) == (
        "운행 가능 안내",
        staff_client.staff.pk,
    )
    assert OutboxMessage.objects.filter(to=user.phone, kind="courses.cleared").count() == 1
    assert _state(still_open) == untouched


def test_reenroll_action_reopens_nothing_and_makes_a_new_attempt(staff_client):
    user = factories.partner()
    course = factories.course(kind=CourseKind.REFRESH)
    lapsed = factories.enroll(user, course, deadline=_days(0))
    enrollments_expire(today=_days(1))
    before = _state(lapsed)

    _action(staff_client, "reenroll", [lapsed.pk], apply="1", deadline=_days(14).isoformat())

    assert _state(lapsed)[0] == before[0]  # the expired attempt stays as it was
    second = Enrollment.objects.get(user=user, course=course, attempt=2)
    assert (second.status, second.deadline, second.lessons_completed) == (
        EnrollmentStatus.ASSIGNED,
        _days(14),
        0,
    )
    made = second.history.get()
    assert (made.history_type, made.history_user_id, made.history_change_reason) == (
        "+",
        staff_client.staff.pk,
        "다시 수강 배정 (새 차수, 처음부터)",
    )
    assert OutboxMessage.objects.filter(
        to=user.phone, idempotency_key=f"courses:enrolled:{second.pk}"
    ).exists()


def test_resend_action_only_sends(staff_client):
    user = factories.partner()
    enrollment = factories.enroll(user, factories.course())
    (row, history, changes, sms) = _state(enrollment)

    _action(staff_client, "resend_sms", [enrollment.pk])

    assert _state(enrollment) == (row, history, changes, sms + 1)


def test_there_is_no_delete_action_or_delete_page(staff_client):
    enrollment = factories.enroll(factories.partner(), factories.course())
    _action(staff_client, "delete_selected", [enrollment.pk], post="yes")
    assert Enrollment.objects.filter(pk=enrollment.pk).exists()
    delete = staff_client.post(
        reverse("admin:courses_enrollment_delete", args=[enrollment.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert Enrollment.objects.filter(pk=enrollment.pk).exists()


def test_deadline_log_rows_cannot_be_edited(staff_client):
    enrollment = factories.enroll(factories.partner(), factories.course(), deadline=_days(14))
    enrollments_deadline_change(
        enrollment_ids=[enrollment.pk],
        new_deadline=_days(17),
        reason="원래 사유",
        changed_by_id=staff_client.staff.pk,
    )
    change = DeadlineChange.objects.get()
    response = staff_client.post(
        reverse("admin:courses_deadlinechange_change", args=[change.pk]),
        {"reason": "고친 사유", "new_deadline": _days(30).isoformat()},
    )
    assert response.status_code == 403
    change.refresh_from_db()
    assert (change.reason, change.new_deadline) == ("원래 사유", _days(17))


def test_an_upload_batch_status_is_not_edited_in_its_form(staff_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from courses.models import ImportBatch

    course = factories.course()
    data = (
        "휴대폰,이름,생년월일,과정코드,수강기한\n"
        f"01012340009,홍길동,1975-01-02,{course.code},{_days(7)}\n"
    )
    staff_client.post(
        reverse("admin:courses_upload"), {"file": SimpleUploadedFile("a.csv", data.encode())}
    )
    batch = ImportBatch.objects.get()
    status = batch.status
    staff_client.post(
        reverse("admin:courses_importbatch_change", args=[batch.pk]),
        {"status": ImportBatch.Status.CONFIRMED, "created_count": "1"},
    )
    batch.refresh_from_db()
    assert (batch.status, batch.created_count) == (status, 0)
    assert not Enrollment.objects.exists()
