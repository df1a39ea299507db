"""The dormancy notice SMS 30 days before (membership.md, "Ending a subscription":
dormancy), queued through the outbox once per driver and activity."""

import io

import pytest
from django.core.management import call_command

from membership.jobs import membership_dormancy_notify
from membership.services.joining import subscription_join
from membership.services.usage import usage_record_duty_on
from portal import clock
from portal.sms.models import OutboxMessage
from tests.membership.conftest import seoul

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(make_partner):
    user = make_partner(phone="01033334444")
    with clock.travel(seoul("2023-06-01T10:00")):
        subscription_join(user=user, method="phone")
    return user


def test_notice_30_days_before_dormancy_once(member):
    # dormant from 2024-05-31 10:00 (365 × 24 h after the join; 2024 is a leap year)
    with clock.travel(seoul("2024-04-30T10:00")):
        assert membership_dormancy_notify() == 0  # 31 days before: not yet
    with clock.travel(seoul("2024-05-01T10:00")):
        assert membership_dormancy_notify() == 1
    with clock.travel(seoul("2024-05-02T10:00")):
        assert membership_dormancy_notify() == 0  # the same notice is not sent twice
    message = OutboxMessage.objects.get(kind="membership_dormancy_notice")
    assert message.to == "01033334444"
    assert "2024년 05월 31일" in message.body
    assert "휴면" in message.body


def test_new_activity_moves_the_notice(member):
    with clock.travel(seoul("2024-03-01T12:00")):
        usage_record_duty_on(user=member)
    with clock.travel(seoul("2024-05-01T10:00")):
        assert membership_dormancy_notify() == 0
    with clock.travel(seoul("2025-01-30T12:00")):
        # 335 days after the new activity (no daily job ran here, so it is still active)
        assert membership_dormancy_notify() == 1
    assert "2025년 03월 01일" in OutboxMessage.objects.get().body


def test_the_command_takes_a_date(member):
    out = io.StringIO()
    call_command("membership_dormancy", "--date", "2024-05-01", stdout=out)
    assert "1건" in out.getvalue()
    assert OutboxMessage.objects.filter(kind="membership_dormancy_notice").count() == 1
