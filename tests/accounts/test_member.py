"""Member info: phone change with a code to the new number."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import RosterEntry, User
from tests.accounts.conftest import PASSWORD, last_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def confirmed(client, partner):
    client.post(reverse("account_login"), {"login": partner.phone, "password": PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    return client


def test_phone_change_needs_the_code_sent_to_the_new_number(confirmed, partner):
    url = reverse("accounts:phone_change")
    confirmed.post(url, {"action": "send", "new_phone": "010-5555-4444"})
    code = last_code("01055554444")
    wrong = confirmed.post(url, {"action": "verify", "new_phone": "01055554444", "code": "000000"})
    assert wrong.status_code == 200
    assert User.objects.get(pk=partner.pk).phone == "01012345678"
    done = confirmed.post(url, {"action": "verify", "new_phone": "01055554444", "code": code})
    assert done["Location"] == reverse("accounts:member_info")
    user = User.objects.get(pk=partner.pk)
    assert user.phone == user.username == "01055554444"
    assert RosterEntry.objects.get(user=user).phone == "01055554444"


def test_phone_change_refuses_a_number_someone_holds(confirmed, partner):
    User.objects.create_user(username="01066667777", phone="01066667777")
    url = reverse("accounts:phone_change")
    confirmed.post(url, {"action": "send", "new_phone": "01066667777"})
    page = confirmed.post(
        url, {"action": "verify", "new_phone": "01066667777", "code": last_code("01066667777")}
    )
    assert "바꿀 수 없어요" in page.content.decode()
    assert User.objects.get(pk=partner.pk).phone == "01012345678"


def test_member_info_needs_login(client):
    response = client.get(reverse("accounts:member_info"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def _reject(access_request, reason: str) -> None:
    from accounts.services.access import access_request_decide

    staff = User.objects.create_user(username="staff-r", password="x", is_staff=True)
    access_request_decide(
        access_request=access_request, approve=False, staff=staff, rejection_reason=reason
    )


def test_a_rejected_request_shows_rejected_with_the_reason_and_can_be_asked_again(
    confirmed, partner, services
):
    from accounts.models import AccessRequest

    blue = services["blue"]
    confirmed.post(reverse("accounts:access_request"), {"service": blue.pk, "reason": "블루 운행"})
    _reject(AccessRequest.objects.get(), "운수사 소속 확인이 필요해요")
    page = confirmed.get(reverse("accounts:member_info")).content.decode()
    item = page.split("카카오 T 블루</span>")[1].split("</li>")[0]
    assert "반려됨" in item
    assert "반려 사유: 운수사 소속 확인이 필요해요" in item
    again = f"{reverse('accounts:access_request')}?service={blue.pk}"
    assert f'href="{again}">다시 신청' in item
    # Asking again is offered and accepted; the list then shows the new request.
    form = confirmed.get(again).content.decode()
    assert f'<option value="{blue.pk}" selected>' in form
    response = confirmed.post(again, {"service": blue.pk, "reason": "소속 확인서 냈어요"})
    assert response["Location"] == reverse("accounts:member_info")
    page = confirmed.get(reverse("accounts:member_info")).content.decode()
    item = page.split("카카오 T 블루</span>")[1].split("</li>")[0]
    assert "권한 신청 검토 중" in item and "반려됨" not in item
    assert AccessRequest.objects.filter(service=blue).count() == 2


def test_a_rejection_kept_without_a_reason_still_shows(confirmed, partner, services):
    from accounts.models import AccessRequest, AccessRequestStatus
    from accounts.services.access import access_request_create

    # Rejections need a reason now; one decided before that has none.
    request = access_request_create(user=partner, service=services["taxi"], reason="택시")
    AccessRequest.objects.filter(pk=request.pk).update(status=AccessRequestStatus.REJECTED)
    page = confirmed.get(reverse("accounts:member_info")).content.decode()
    item = page.split("카카오 T 택시</span>")[1].split("</li>")[0]
    assert "반려됨" in item and "사유를 남기지 않았어요" in item
