"""Staff admin: look-up, timeline, ticketed operations recorded with who and when, and no
edit or delete of ledger rows (membership.md, "The ledger")."""

import pytest
from django.urls import reverse

from membership.models import (
    ChargeAttempt,
    JournalTransaction,
    Refund,
    RefundKind,
    Status,
    SubscriptionEvent,
)
from membership.services.joining import subscription_join
from portal import clock
from tests.membership.conftest import seoul

pytestmark = pytest.mark.django_db


@pytest.fixture
def joined(make_partner):
    """A second-time member (first month already paid back), joined 2024-08-01."""
    partner = make_partner(phone="01098765432", qualification_no="Q-ADMIN")
    other = make_partner(phone="01011112222", qualification_no="Q-ADMIN")
    with clock.travel(seoul("2024-06-03T10:00")):
        subscription_join(user=other, method="kakaopay_card")
    with clock.travel(seoul("2024-08-01T10:00")):
        subscription_join(user=partner, method="kakaopay_money")
    return partner


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


CHANGELIST = "admin:membership_subscription_changelist"


@pytest.mark.parametrize("term", ["010-9876-5432", "01098765432", "Q-ADMIN", "9876"])
def test_look_up_by_phone_or_qualification_number(staff_client, joined, term):
    page = staff_client.get(reverse(CHANGELIST), {"q": term})
    assert page.status_code == 200
    assert page.context["cl"].result_count >= 1
    assert joined.memberships.get() in list(page.context["cl"].queryset)


def test_timeline_shows_every_account_of_the_person_with_reasons(staff_client, joined):
    sub = joined.memberships.get()
    page = staff_client.get(reverse("admin:membership_subscription_change", args=[sub.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "결제 시도: 구독" in html
    assert "포인트: 첫 달 페이백" in html  # from the other account with the same number
    assert "2024-08-01 ~ 2024-08-31" in html


def _post_action(client, action, sub, **data):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [sub.pk], **data},
    )


def test_termination_asks_for_a_ticket_then_records_who_and_when(staff_client, staff, joined):
    sub = joined.memberships.get()
    form_page = _post_action(staff_client, "terminate_action", sub)
    assert form_page.status_code == 200
    assert "CS 티켓 번호" in form_page.content.decode()
    missing = _post_action(staff_client, "terminate_action", sub, apply="1", ticket="")
    assert missing.status_code == 200
    sub.refresh_from_db()
    assert sub.status == Status.ACTIVE
    with clock.travel(seoul("2024-08-05T15:00")):
        done = _post_action(staff_client, "terminate_action", sub, apply="1", ticket="CS-77")
    assert done.status_code == 302
    sub.refresh_from_db()
    assert sub.status == Status.ENDED
    event = SubscriptionEvent.objects.get(subscription=sub, kind=SubscriptionEvent.Kind.TERMINATED)
    assert (event.actor, event.ticket) == (staff, "CS-77")
    refund = Refund.objects.get(user=joined)
    assert (refund.amount, refund.to, refund.actor, refund.ticket) == (
        30759,
        "points",
        staff,
        "CS-77",
    )
    assert refund.at == seoul("2024-08-05T15:00")


def test_withdrawal_action(staff_client, staff, joined):
    sub = joined.memberships.get()
    with clock.travel(seoul("2024-08-03T10:00")):
        _post_action(staff_client, "withdraw_action", sub, apply="1", ticket="CS-78")
    refund = Refund.objects.get(user=joined)
    assert (refund.kind, refund.amount, refund.to, refund.actor) == (
        RefundKind.WITHDRAWAL,
        39000,
        "payment_method",
        staff,
    )


def test_withdrawal_refusal_is_shown_and_nothing_changes(staff_client, joined):
    sub = joined.memberships.get()
    with clock.travel(seoul("2024-08-20T10:00")):
        response = _post_action(staff_client, "withdraw_action", sub, apply="1", ticket="CS-79")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("withdrawal_window_passed" in m for m in messages)
    sub.refresh_from_db()
    assert sub.status == Status.ACTIVE


def test_exception_refund_after_the_stop(staff_client, staff, joined):
    sub = joined.memberships.get()
    with clock.travel(seoul("2025-02-10T10:00")):
        refused = _post_action(
            staff_client,
            "refund_action",
            sub,
            apply="1",
            ticket="CS-80",
            amount="1000",
            to="points",
        )
        assert any("refunds_closed" in str(m) for m in refused.wsgi_request._messages)
        _post_action(
            staff_client,
            "refund_action",
            sub,
            apply="1",
            ticket="CS-80",
            amount="1000",
            to="payment_method",
            reason="missed_cancellation",
        )
    refund = Refund.objects.get(user=joined)
    assert (refund.amount, refund.reason, refund.ticket, refund.actor) == (
        1000,
        "missed_cancellation",
        "CS-80",
        staff,
    )


@pytest.mark.parametrize(
    "model", ["subscription", "chargeattempt", "refund", "payback", "journaltransaction"]
)
def test_no_add_change_or_delete_in_admin(staff_client, joined, model):
    changelist = staff_client.get(reverse(f"admin:membership_{model}_changelist"))
    assert changelist.status_code == 200
    assert "delete_selected" not in changelist.content.decode()
    assert staff_client.get(reverse(f"admin:membership_{model}_add")).status_code == 403
    obj = {
        "subscription": lambda: joined.memberships.get(),
        "chargeattempt": lambda: ChargeAttempt.objects.filter(user=joined).first(),
        "refund": None,
        "payback": None,
        "journaltransaction": lambda: JournalTransaction.objects.filter(user=joined).first(),
    }[model]
    if obj:
        pk = obj().pk
        assert (
            staff_client.get(reverse(f"admin:membership_{model}_delete", args=[pk])).status_code
            == 403
        )
        change = staff_client.post(reverse(f"admin:membership_{model}_change", args=[pk]), {})
        assert change.status_code == 403
