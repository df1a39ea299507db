"""Review actions in admin (docs/admin.md, "Rules in admin, history and reviews"): a
rejection asks for its reason on the same step and texts it; the request queue shows
and searches phones; an inquiry answer says its SMS went out; staff sign in with an ID
labelled 아이디 on the same rate-limited allauth login."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AccessRequest, AccessRequestStatus, User
from accounts.services.access import (
    AccessRequestRefused,
    access_request_create,
    access_request_decide,
)
from accounts.services.inquiries import inquiry_create
from portal.sms.models import OutboxMessage

pytestmark = pytest.mark.django_db

QUEUE = "admin:accounts_accessrequest_changelist"


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser(username="staff", password="Staff1234!")
    client.force_login(user)
    return user


@pytest.fixture
def request_row(partner, services):
    return access_request_create(user=partner, service=services["blue"], reason="블루도 운행")


def _reject(client, row, **extra):
    return client.post(reverse(QUEUE), {"action": "reject", "_selected_action": [row.pk], **extra})


def test_reject_asks_for_the_reason_and_texts_it(client, staff, partner, request_row):
    step = _reject(client, request_row)
    assert step.status_code == 200
    html = step.content.decode()
    assert "반려 사유" in html and partner.phone in html and "블루도 운행" in html

    empty = _reject(client, request_row, apply="1", rejection_reason="  ")
    assert "반려 사유를 적어 주세요" in empty.content.decode()
    assert AccessRequest.objects.get().status == AccessRequestStatus.PENDING
    assert not OutboxMessage.objects.filter(kind="access_request").exists()

    done = _reject(client, request_row, apply="1", rejection_reason="블루 등록 운수사가 아님")
    assert done.status_code == 302
    row = AccessRequest.objects.get()
    assert (row.status, row.rejection_reason, row.decided_by) == (
        AccessRequestStatus.REJECTED,
        "블루 등록 운수사가 아님",
        staff,
    )
    sms = OutboxMessage.objects.get(kind="access_request")
    assert sms.to == partner.phone
    assert "승인되지 않았어요" in sms.body and "사유: 블루 등록 운수사가 아님" in sms.body
    latest = row.history.latest("history_date")
    assert (latest.history_change_reason, latest.history_user_id) == (
        "반려: 블루 등록 운수사가 아님",
        staff.pk,
    )


def test_the_service_refuses_a_rejection_without_a_reason(staff, request_row):
    with pytest.raises(AccessRequestRefused) as refused:
        access_request_decide(access_request=request_row, approve=False, staff=staff)
    assert refused.value.reason == "reason_required"
    assert AccessRequest.objects.get().status == AccessRequestStatus.PENDING


def test_staff_notes_stay_out_of_the_partner_sms(client, staff, request_row):
    request_row.staff_note = "내부 메모: 운수사 확인 필요"
    request_row.save()
    _reject(client, request_row, apply="1", rejection_reason="서류 부족")
    body = OutboxMessage.objects.get(kind="access_request").body
    assert "서류 부족" in body and "내부 메모" not in body


def test_a_decision_is_not_reverted_or_edited_in_admin(client, staff, request_row):
    _reject(client, request_row, apply="1", rejection_reason="서류 부족")
    pending = AccessRequest.history.get(history_type="+")
    revert = client.post(
        reverse("admin:accounts_accessrequest_simple_history", args=[request_row.pk, pending.pk]),
        {"staff_note": "", "_save": "Revert"},
    )
    assert revert.status_code == 405
    client.post(
        reverse("admin:accounts_accessrequest_change", args=[request_row.pk]),
        {"status": "pending", "rejection_reason": "", "staff_note": "메모"},
    )
    row = AccessRequest.objects.get()
    assert (row.status, row.rejection_reason) == (AccessRequestStatus.REJECTED, "서류 부족")
    assert OutboxMessage.objects.filter(kind="access_request").count() == 1


def test_the_queue_shows_and_searches_phones(client, staff, partner, request_row, services):
    other = User.objects.create_user(
        username="01077778888", phone="01077778888", name="박기사", password="Xx1!abcdE"
    )
    access_request_create(user=other, service=services["taxi"], reason="택시")
    page = client.get(reverse(QUEUE)).content.decode()
    assert partner.phone in page and "01077778888" in page and "휴대폰" in page

    for typed in ["010-1234-5678", "01012345678", "+82 10 1234 5678", "김기사"]:
        found = client.get(reverse(QUEUE), {"q": typed})
        rows = list(found.context["cl"].result_list)
        assert [r.user_id for r in rows] == [partner.pk], typed


def test_saving_an_answer_says_the_sms_went_out(client, staff, services):
    inquiry = inquiry_create(
        service=services["blue"], name="문의자", phone="01090001000", question="가입 방법?"
    )
    url = reverse("admin:accounts_signupinquiry_change", args=[inquiry.pk])
    first = client.post(url, {"answer": "운수사에 문의해 주세요."}, follow=True)
    shown = [str(m) for m in first.context["messages"]]
    assert any("01090001000 번호로 답변 문자를 보냈습니다" in m for m in shown), shown
    assert OutboxMessage.objects.filter(kind="signup_inquiry").count() == 1

    again = client.post(url, {"answer": "운수사 또는 1533-0301로 문의해 주세요."}, follow=True)
    shown = [str(m) for m in again.context["messages"]]
    assert any("다시 보내지 않았습니다" in m for m in shown), shown
    assert OutboxMessage.objects.filter(kind="signup_inquiry").count() == 1


def test_staff_sign_in_says_id_not_phone(client):
    admin_way = client.get(reverse("admin:index"), follow=True)
    html = admin_way.content.decode()
    assert admin_way.request["PATH_INFO"] == reverse("account_login")
    assert "직원 로그인" in html and ">아이디<" in html
    assert "휴대폰 번호" not in html and "11자리" not in html and "회원가입" not in html

    partner_page = client.get(reverse("account_login")).content.decode()
    assert "아이디 (휴대폰 번호)" in partner_page and "숫자 11자리" in partner_page


def test_staff_sign_in_is_rate_limited_like_the_partner_login(client, django_user_model):
    django_user_model.objects.create_superuser(username="boss", password="Staff1234!")
    url = reverse("account_login") + "?next=/admin/"
    for _ in range(5):
        client.post(url, {"login": "boss", "password": "Wrong123!", "next": "/admin/"})
    blocked = client.post(url, {"login": "boss", "password": "Staff1234!", "next": "/admin/"})
    assert "너무 많이" in blocked.content.decode()
    assert "_auth_user_id" not in client.session
    assert "직원 로그인" in blocked.content.decode()
