import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import SignupInquiry
from accounts.selectors import guide_centre_status
from portal import clock


@pytest.mark.parametrize(
    ("when", "open_now"),
    [
        (dt.datetime(2026, 11, 23, 8, 0), True),  # Monday 08:00
        (dt.datetime(2026, 11, 23, 16, 59), True),
        (dt.datetime(2026, 11, 23, 17, 0), False),
        (dt.datetime(2026, 11, 23, 7, 59), False),
        (dt.datetime(2026, 11, 22, 10, 0), False),  # Sunday
        (dt.datetime(2026, 10, 9, 10, 0), False),  # 한글날 (Friday)
        (dt.datetime(2026, 9, 25, 10, 0), False),  # 추석 (Friday)
    ],
)
def test_guide_centre_open_now(when, open_now):
    assert guide_centre_status(now=clock.aware(when)).open_now is open_now


@pytest.mark.django_db
def test_join_pages_and_inquiry(client, services):
    index = client.get(reverse("accounts:join_index"))
    assert "카카오 T 블루" in index.content.decode()
    page = client.get(reverse("accounts:join_service", args=["blue"]))
    assert "가입 문의" in page.content.decode() and "1533-0301" in page.content.decode()
    response = client.post(
        reverse("accounts:join_service", args=["blue"]),
        {
            "service": services["blue"].pk,
            "name": "문의자",
            "phone": "010 9000 1000",
            "question": "가입 조건이 궁금해요",
            "agree_privacy": "on",
        },
    )
    assert response.status_code == 302
    assert SignupInquiry.objects.get().phone == "01090001000"
