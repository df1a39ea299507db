"""The staff home's counts: what is waiting, each linking to its filtered list
(docs/admin.md, "Staff home and reports").

Every count is one entry of :data:`STAFF_TASKS`: a label, the view permission of the
list it links to, the list's address with its filter, and the count. The list's
filter and the count read the same selector, so following the link shows exactly the
rows counted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from django.db.models import QuerySet
from django.urls import reverse

from accounts.models import AccessRequest, AccessRequestStatus, RosterImport, SignupInquiry
from courses.selectors import clearance_queue
from courses.staff_queues import import_batches_failed, import_batches_waiting
from portal.jobs import jobs_missed
from portal.sms.models import OutboxMessage, OutboxStatus


@dataclasses.dataclass(frozen=True)
class StaffTask:
    label: str
    unit: str  # 명 (people) or 건 (items), read after the number
    permission: str  # the view permission of the linked list
    url_name: str
    query_string: str  # the linked list's filter
    count: Callable[[], int]  # one query


@dataclasses.dataclass(frozen=True)
class ShownTask:
    label: str
    unit: str
    count: int
    url: str


def _count(rows: Callable[[], QuerySet]) -> Callable[[], int]:
    return lambda: rows().count()


def _access_requests_pending() -> QuerySet:
    return AccessRequest.objects.filter(status=AccessRequestStatus.PENDING)


def _inquiries_unanswered() -> QuerySet:
    return SignupInquiry.objects.filter(answered_at__isnull=True)


def _roster_imports(status: str) -> Callable[[], QuerySet]:
    return lambda: RosterImport.objects.filter(status=status)


def _sms_failed() -> QuerySet:
    return OutboxMessage.objects.filter(status=OutboxStatus.FAILED)


STAFF_TASKS: tuple[StaffTask, ...] = (
    StaffTask(
        "운행 가능 안내를 기다리는 입문 수료자",
        "명",
        "courses.view_enrollment",
        "admin:courses_enrollment_changelist",
        "clearance=waiting",
        _count(clearance_queue),
    ),
    StaffTask(
        "검토할 정회원 권한 신청",
        "건",
        "accounts.view_accessrequest",
        "admin:accounts_accessrequest_changelist",
        "status__exact=pending",
        _count(_access_requests_pending),
    ),
    StaffTask(
        "답하지 않은 가입 문의",
        "건",
        "accounts.view_signupinquiry",
        "admin:accounts_signupinquiry_changelist",
        "answered_at__isempty=1",
        _count(_inquiries_unanswered),
    ),
    StaffTask(
        "등록을 기다리는 수강 파일",
        "건",
        "courses.view_importbatch",
        "admin:courses_importbatch_changelist",
        "upload=waiting",
        _count(import_batches_waiting),
    ),
    StaffTask(
        "등록하지 못한 수강 파일",
        "건",
        "courses.view_importbatch",
        "admin:courses_importbatch_changelist",
        "upload=failed",
        _count(import_batches_failed),
    ),
    StaffTask(
        "저장을 기다리는 명단 파일",
        "건",
        "accounts.view_rosterimport",
        "admin:accounts_rosterimport_changelist",
        "status__exact=preview",
        _count(_roster_imports(RosterImport.Status.PREVIEW)),
    ),
    StaffTask(
        "저장하지 못한 명단 파일",
        "건",
        "accounts.view_rosterimport",
        "admin:accounts_rosterimport_changelist",
        "status__exact=failed",
        _count(_roster_imports(RosterImport.Status.FAILED)),
    ),
    StaffTask(
        "보내지 못한 문자",
        "건",
        "sms.view_outboxmessage",
        "admin:sms_outboxmessage_changelist",
        "status__exact=failed",
        _count(_sms_failed),
    ),
    StaffTask(
        "제때 돌지 않은 예약 작업",
        "건",
        "portal.view_scheduledjob",
        "admin:portal_scheduledjob_changelist",
        "missed=yes",
        lambda: len(jobs_missed()),
    ),
)


def staff_tasks(request) -> list[ShownTask]:
    """The counts this staff member may open, one query each."""
    return [
        ShownTask(
            label=task.label,
            unit=task.unit,
            count=task.count(),
            url=f"{reverse(task.url_name)}?{task.query_string}",
        )
        for task in STAFF_TASKS
        if request.user.has_perm(task.permission)
    ]


@dataclasses.dataclass(frozen=True)
class Shortcut:
    label: str
    permission: str
    url_name: str


STAFF_SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("수강 일괄 등록(파일)", "courses.add_enrollment", "admin:courses_upload"),
    Shortcut("수강 현황 보고", "courses.view_enrollment", "admin:courses_reports"),
    Shortcut("리프레시 미수료 명단", "courses.view_enrollment", "admin:courses_penalty"),
    Shortcut("명단 올리기", "accounts.add_rosterentry", "admin:accounts_rosterentry_import"),
)


def staff_shortcuts(request) -> list[tuple[str, str]]:
    """(label, address) of the work pages that are not a model's list."""
    return [
        (shortcut.label, reverse(shortcut.url_name))
        for shortcut in STAFF_SHORTCUTS
        if request.user.has_perm(shortcut.permission)
    ]
