"""Attempts: expiry, reminders, re-application, deadline changes, clearance."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from courses.models import DeadlineChange, Enrollment, EnrollmentStatus, LessonProgress
from courses.services.enrollments import (
    enrollments_clear,
    enrollments_deadline_change,
    enrollments_expire,
    enrollments_reenroll,
    reminders_send,
)
from courses.services.progress import lesson_open, text_lesson_confirm
from portal import clock
from portal.sms.models import OutboxMessage
from tests.courses import factories

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)


def sms(kind_prefix: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(idempotency_key__startswith=f"courses:{kind_prefix}"))


def test_enrolling_queues_one_sms_with_course_and_deadline():
    with clock.travel(clock.at(DAY, 9)):
        user = factories.partner()
        course = factories.course()
        enrollment = factories.enroll(user, course, deadline=dt.date(2026, 3, 20))
    [message] = sms("enrolled:")
    assert message.to == user.phone
    assert course.title in message.body and "2026년 3월 20일" in message.body
    assert message.idempotency_key == f"courses:enrolled:{enrollment.pk}"
    assert enrollment.attempt == 1 and enrollment.status == EnrollmentStatus.ASSIGNED


def test_one_open_attempt_per_partner_and_course_in_the_database():
    user = factories.partner()
    course = factories.course()
    factories.enroll(user, course)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(
            user=user,
            course=course,
            attempt=2,
            window_start=clock.today(),
            deadline=clock.today(),
            created_at=clock.now(),
        )


def test_who_registered_an_attempt_cannot_be_deleted_and_a_deleted_upload_is_let_go():
    from django.db.models import ProtectedError

    from accounts.models import User
    from courses.models import ImportBatch

    staff = User.objects.create_user(username="staff-1", is_staff=True)
    enrollment = factories.enroll(factories.partner(), factories.course(), by=staff)
    with pytest.raises(ProtectedError):
        staff.delete()
    batch = ImportBatch.objects.create(
        file_name="a.csv", file_sha256="0" * 64, uploaded_by=staff, uploaded_at=clock.now()
    )
    Enrollment.objects.filter(pk=enrollment.pk).update(import_batch=batch)
    batch.delete()
    enrollment.refresh_from_db()
    assert enrollment.import_batch_id is None and enrollment.created_by_id == staff.pk


def test_expiry_job_expires_open_attempts_after_the_deadline_once():
    with clock.travel(clock.at(DAY, 9)):
        user = factories.partner()
        due = factories.enroll(user, factories.course(), deadline=DAY)
        later = factories.enroll(user, factories.course(), deadline=DAY + dt.timedelta(days=1))
    with clock.travel(clock.at(DAY, 23, 59)):
        assert enrollments_expire() == 0
    with clock.travel(clock.at(DAY + dt.timedelta(days=1), 0, 5)):
        assert enrollments_expire() == 1
        assert enrollments_expire() == 0
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == EnrollmentStatus.EXPIRED and due.expired_at is not None
    assert later.status == EnrollmentStatus.ASSIGNED
    [message] = sms("expired:")
    assert message.idempotency_key == f"courses:expired:{due.pk}"
    assert "다시 신청" in message.body


def test_completed_attempts_never_expire():
    with clock.travel(clock.at(DAY, 9)):
        user = factories.partner()
        course = factories.course(videos=0, texts=1)
        enrollment = factories.enroll(user, course, deadline=DAY)
        text_lesson_confirm(enrollment=enrollment, lesson=course.lessons.get())
    enrollments_expire(today=DAY + dt.timedelta(days=5))
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED


def test_expire_command_takes_a_date():
    with clock.travel(clock.at(DAY, 9)):
        enrollment = factories.enroll(factories.partner(), factories.course(), deadline=DAY)
    call_command("courses_expire", "--date", "2026-03-03")
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.EXPIRED


def test_reminders_d3_and_d1_each_once_and_not_after_completion():
    with clock.travel(clock.at(DAY, 9)):
        user = factories.partner()
        deadline = DAY + dt.timedelta(days=5)
        open_one = factories.enroll(user, factories.course(), deadline=deadline)
        course = factories.course(videos=0, texts=1)
        done = factories.enroll(user, course, deadline=deadline)
        text_lesson_confirm(enrollment=done, lesson=course.lessons.get())
    for offset in range(0, 6):
        day = DAY + dt.timedelta(days=offset)
        reminders_send(today=day)
        reminders_send(today=day)  # the job running twice sends nothing twice
    keys = sorted(m.idempotency_key for m in sms("reminder-"))
    assert keys == [f"courses:reminder-d1:{open_one.pk}", f"courses:reminder-d3:{open_one.pk}"]
    d3 = OutboxMessage.objects.get(idempotency_key=f"courses:reminder-d3:{open_one.pk}")
    assert "3일 남았습니다" in d3.body


def test_remind_command_and_days_setting(settings):
    settings.COURSES_REMINDER_DAYS = [7]
    with clock.travel(clock.at(DAY, 9)):
        enrollment = factories.enroll(
            factories.partner(), factories.course(), deadline=DAY + dt.timedelta(days=7)
        )
    call_command("courses_remind", "--date", DAY.isoformat())
    assert [m.idempotency_key for m in sms("reminder-")] == [f"courses:reminder-d7:{enrollment.pk}"]


def test_reapplication_is_a_new_attempt_from_zero_and_the_old_one_stays():
    staff = factories.staff()
    with clock.travel(clock.at(DAY, 9)):
        user = factories.partner()
        course = factories.course(videos=0, texts=2)
        first = factories.enroll(user, course, deadline=DAY)
        text_lesson_confirm(enrollment=first, lesson=course.lessons.get(position=1))
    enrollments_expire(today=DAY + dt.timedelta(days=1))
    with clock.travel(clock.at(DAY + dt.timedelta(days=2), 10)):
        result = enrollments_reenroll(
            enrollment_ids=[first.pk],
            deadline=DAY + dt.timedelta(days=20),
            created_by_id=staff.pk,
        )
        # A second re-enrolment while the new attempt is open creates nothing.
        again = enrollments_reenroll(
            enrollment_ids=[first.pk],
            deadline=DAY + dt.timedelta(days=20),
            created_by_id=staff.pk,
        )
    assert (result.done, again.done) == (1, 0)
    second = Enrollment.objects.get(user=user, course=course, attempt=2)
    assert second.status == EnrollmentStatus.ASSIGNED
    assert second.lessons_completed == 0
    assert not LessonProgress.objects.filter(enrollment=second).exists()
    first.refresh_from_db()
    assert first.status == EnrollmentStatus.EXPIRED
    assert LessonProgress.objects.filter(enrollment=first, completed_at__isnull=False).count() == 1
    # The SMS says which attempt this is and that it starts from zero.
    [first_sms, second_sms] = sorted(sms("enrolled:"), key=lambda m: m.id)
    assert "차 수강" not in first_sms.body
    assert f"'{course.title}' 교육이 2차 수강으로 다시 배정되었습니다" in second_sms.body
    assert "처음부터 들어야 합니다" in second_sms.body
    assert "2026년 3월 22일" in second_sms.body


def test_deadline_changes_keep_full_history_and_tell_the_partner():
    staff = factories.staff()
    with clock.travel(clock.at(DAY, 9)):
        user = factories.partner()
        enrollment = factories.enroll(user, factories.course(), deadline=DAY + dt.timedelta(days=3))
    with clock.travel(clock.at(DAY, 10)):
        enrollments_deadline_change(
            enrollment_ids=[enrollment.pk],
            new_deadline=DAY + dt.timedelta(days=10),
            reason="가이드센터 요청: 병원 입원",
            changed_by_id=staff.pk,
        )
    with clock.travel(clock.at(DAY, 11)):
        result = enrollments_deadline_change(
            enrollment_ids=[enrollment.pk, 999999],
            new_deadline=DAY + dt.timedelta(days=12),
            reason="추가 연장",
            changed_by_id=staff.pk,
        )
    assert (result.done, result.skipped) == (1, 1)
    enrollment.refresh_from_db()
    assert enrollment.deadline == DAY + dt.timedelta(days=12)
    history = list(
        DeadlineChange.objects.filter(enrollment=enrollment).values_list(
            "old_deadline", "new_deadline", "reason", "changed_by_id", "changed_at"
        )
    )
    assert history == [
        (
            DAY + dt.timedelta(days=3),
            DAY + dt.timedelta(days=10),
            "가이드센터 요청: 병원 입원",
            staff.pk,
            clock.at(DAY, 10),
        ),
        (
            DAY + dt.timedelta(days=10),
            DAY + dt.timedelta(days=12),
            "추가 연장",
            staff.pk,
            clock.at(DAY, 11),
        ),
    ]
    messages = sms("deadline:")
    assert len(messages) == 2
    assert all(m.to == user.phone for m in messages)
    assert any("2026년 3월 14일로" in m.body for m in messages)


def test_deadline_of_a_closed_attempt_does_not_change():
    staff = factories.staff()
    with clock.travel(clock.at(DAY, 9)):
        enrollment = factories.enroll(factories.partner(), factories.course(), deadline=DAY)
    enrollments_expire(today=DAY + dt.timedelta(days=1))
    result = enrollments_deadline_change(
        enrollment_ids=[enrollment.pk],
        new_deadline=DAY + dt.timedelta(days=30),
        reason="늦은 연장",
        changed_by_id=staff.pk,
    )
    assert result.done == 0
    assert not DeadlineChange.objects.exists()


def test_clearance_only_for_completed_intro_in_batches_with_sms():
    staff = factories.staff()
    with clock.travel(clock.at(DAY, 9)):
        done_user, open_user = factories.partner(), factories.partner()
        course = factories.course(videos=0, texts=1)
        done = factories.enroll(done_user, course)
        still_open = factories.enroll(open_user, course)
        text_lesson_confirm(enrollment=done, lesson=course.lessons.get())
        lesson_open(enrollment=still_open, lesson=course.lessons.get())
    with clock.travel(clock.at(DAY, 15)):
        result = enrollments_clear(enrollment_ids=[done.pk, still_open.pk], cleared_by_id=staff.pk)
        again = enrollments_clear(enrollment_ids=[done.pk], cleared_by_id=staff.pk)
    assert (result.done, result.skipped, again.done) == (1, 1, 0)
    done.refresh_from_db()
    assert done.cleared_at == clock.at(DAY, 15) and done.cleared_by == staff
    [message] = sms("cleared:")
    assert message.to == done_user.phone and "[운행 가능 안내]" in message.body
