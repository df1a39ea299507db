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
