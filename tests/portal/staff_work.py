"""Work waiting for staff, of every kind the staff home counts, with some work of the
same kinds that is done (and must not be counted)."""

import datetime as dt

from django.utils import timezone

from accounts.models import AccessRequest, AccessRequestStatus, RosterImport, SignupInquiry
from courses.models import CourseKind, ImportBatch
from courses.services.enrollments import enrollments_clear
from courses.services.progress import text_lesson_confirm
from portal import clock
from portal.jobs import jobs_register
from portal.models import ScheduledJob
from portal.sms.models import OutboxMessage, OutboxStatus
from tests.courses import factories


def _completed(course, **partner):
    enrollment = factories.enroll(factories.partner(**partner), course)
    text_lesson_confirm(enrollment=enrollment, lesson=course.lessons.get())
    return enrollment


def make_staff_work(staff) -> dict[str, int]:
    """The expected count of each task on the staff home, by its label."""
    intro = factories.course(videos=0, texts=1, kind=CourseKind.INTRO)
    refresh = factories.course(videos=0, texts=1, kind=CourseKind.REFRESH)
    for _ in range(3):
        _completed(intro)
    cleared = _completed(intro)
    enrollments_clear(enrollment_ids=[cleared.pk], cleared_by_id=staff.pk)
    _completed(refresh)  # refresh courses need no clearance
    factories.enroll(factories.partner(), intro)  # not completed yet

    service = factories.service()
    other = factories.service(code="venti", name="벤티")
    for _ in range(2):
        AccessRequest.objects.create(user=factories.partner(), service=service, reason="정회원")
    AccessRequest.objects.create(
        user=factories.partner(),
        service=other,
        reason="정회원",
        status=AccessRequestStatus.APPROVED,
        decided_at=clock.now(),
        decided_by=staff,
    )

    for n in range(4):
        SignupInquiry.objects.create(
            service=service, name=f"문의{n}", phone=f"0109000000{n}", question="가입하고 싶어요"
        )
    SignupInquiry.objects.create(
        service=service,
        name="답변됨",
        phone="01090000009",
        question="가입?",
        answer="네",
        answered_at=clock.now(),
        answered_by=staff,
    )

    now = clock.now()
    batch = {"uploaded_by": staff, "uploaded_at": now, "total_rows": 3}
    ImportBatch.objects.create(file_name="기다림.csv", valid_count=3, **batch)
    ImportBatch.objects.create(file_name="잘못된행만.csv", valid_count=0, **batch)
    ImportBatch.objects.create(
        file_name="실패.csv", valid_count=2, failure="그사이 다른 등록과 겹쳤습니다.", **batch
    )
    ImportBatch.objects.create(
        file_name="끝남.csv",
        valid_count=3,
        created_count=3,
        status=ImportBatch.Status.CONFIRMED,
        confirmed_at=now,
        confirmed_by=staff,
        **batch,
    )

    roster = {"uploaded_by": staff, "uploaded_at": now, "expires_at": now + dt.timedelta(hours=24)}
    RosterImport.objects.create(file_name="명단.xlsx", row_count=10, **roster)
    RosterImport.objects.create(file_name="명단2.xlsx", row_count=10, **roster)
    RosterImport.objects.create(
        file_name="실패.xlsx",
        status=RosterImport.Status.FAILED,
        failure="OperationalError",
        **roster,
    )
    RosterImport.objects.create(
        file_name="저장됨.xlsx",
        status=RosterImport.Status.CONFIRMED,
        confirmed_at=now,
        confirmed_by=staff,
        **roster,
    )

    sms = {"body": "본문", "kind": "notice", "created_at": now - dt.timedelta(hours=1)}
    OutboxMessage.objects.bulk_create(
        [
            *(
                OutboxMessage(
                    to="01055550000",
                    idempotency_key=f"failed-{n}",
                    status=OutboxStatus.FAILED,
                    last_error="HTTP 400",
                    **sms,
                )
                for n in range(5)
            ),
            OutboxMessage(
                to="01055550001",
                idempotency_key="sent",
                status=OutboxStatus.SENT,
                sent_at=now,
                **sms,
            ),
        ]
    )
    # Every job ran just now, but the SMS sweep (due every minute) last ran an hour ago;
    # jobs are judged by the wall clock, as beat runs them.
    jobs_register()
    wall = timezone.now()
    ScheduledJob.objects.update(tracked_since=wall, last_started_at=wall)
    ScheduledJob.objects.filter(name="sms-sweep").update(
        tracked_since=wall - dt.timedelta(days=1), last_started_at=wall - dt.timedelta(hours=1)
    )
    return {
        "제때 돌지 않은 예약 작업": 1,
        "저장을 기다리는 명단 파일": 2,
        "저장하지 못한 명단 파일": 1,
        "운행 가능 안내를 기다리는 입문 수료자": 3,
        "검토할 정회원 권한 신청": 2,
        "답하지 않은 가입 문의": 4,
        "등록을 기다리는 수강 파일": 1,
        "등록하지 못한 수강 파일": 1,
        # the completions, enrolment and clearance above queued SMS too: none failed
        "보내지 못한 문자": 5,
    }
