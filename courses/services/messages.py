"""The SMS texts of the courses app and their idempotency keys (courses.md, SMS rules).

Every message is queued through the outbox; the key makes each message go out once.
"""

import datetime as dt

from django.conf import settings
from django.urls import reverse

from portal.sms.services import SmsDraft

KIND_ENROLLED = "courses.enrolled"
KIND_REMINDER = "courses.reminder"
KIND_EXPIRED = "courses.expired"
KIND_DEADLINE = "courses.deadline_changed"
KIND_CLEARED = "courses.cleared"


def _date(day: dt.date) -> str:
    return f"{day.year}년 {day.month}월 {day.day}일"


def login_url() -> str:
    return settings.SITE_URL + reverse("account_login")


def dashboard_url() -> str:
    return settings.SITE_URL + reverse("courses:dashboard")


def enrolled_new_account(
    *, phone: str, course_title: str, deadline: dt.date, first_login_url: str
) -> str:
    """For a driver whose account was just pre-provisioned: ID, set-up link, course."""
    return (
        f"[파트너플레이스] '{course_title}' 필수 교육 대상자로 선정되셨습니다.\n"
        f"아이디: {phone}\n"
        f"수강 기한: {_date(deadline)}까지\n"
        "처음 로그인할 때 비밀번호를 직접 정해 주세요.\n"
        f"[블루교육 로그인] {first_login_url}"
    )


def enrolled_existing_account(*, course_title: str, deadline: dt.date, attempt: int = 1) -> str:
    """A re-application (attempt 2 or later) says so: it starts from zero (courses.md)."""
    if attempt > 1:
        assigned = (
            f"[파트너플레이스] '{course_title}' 교육이 {attempt}차 수강으로 다시 "
            "배정되었습니다. 지난 진도는 이어지지 않아 처음부터 들어야 합니다.\n"
        )
    else:
        assigned = f"[파트너플레이스] '{course_title}' 교육이 배정되었습니다.\n"
    return f"{assigned}수강 기한: {_date(deadline)}까지\n로그인: {login_url()}"


def reminder(*, course_title: str, deadline: dt.date, days_left: int) -> str:
    return (
        f"[파트너플레이스] '{course_title}' 수강 기한이 {days_left}일 남았습니다"
        f"({_date(deadline)}까지). 기한 안에 끝까지 들어 주세요.\n{dashboard_url()}"
    )


def expired(*, course_title: str, deadline: dt.date) -> str:
    return (
        f"[파트너플레이스] '{course_title}' 수강 기한({_date(deadline)})이 지나 교육이 "
        "만료되었습니다. 교육을 다시 신청한 뒤 처음부터 들어야 합니다. "
        "신청은 소속 가맹점 또는 지역본부에 문의해 주세요."
    )


def deadline_changed(*, course_title: str, old: dt.date, new: dt.date) -> str:
    return (
        f"[파트너플레이스] '{course_title}' 수강 기한이 {_date(old)}에서 {_date(new)}로 "
        f"바뀌었습니다.\n{dashboard_url()}"
    )


def cleared(*, course_title: str) -> str:
    return (
        f"[운행 가능 안내] '{course_title}' 수료가 확인되었습니다. 이제 운행을 시작할 수 "
        "있습니다. 안전 운행하세요."
    )


def draft(*, to: str, body: str, kind: str, key: str) -> SmsDraft:
    return SmsDraft(to=to, body=body, kind=kind, idempotency_key=f"courses:{key}")
