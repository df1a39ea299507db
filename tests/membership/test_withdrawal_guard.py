"""Account withdrawal is refused while a membership is active, past due or cancelling,
through the real accounts withdrawal flow (membership.md, "Ending a subscription";
accounts.md, "Withdrawal"); a withdrawn account's later events are refused."""

import pytest

from accounts.services import withdrawal
from membership.models import Status
from membership.services.joining import subscription_join
from membership.services.lifecycle import subscription_cancel, subscription_terminate
from portal import clock
from tests.membership.conftest import seoul
from tests.membership.scenario import driver, ev, points, rejections, run, status

pytestmark = pytest.mark.django_db


def test_guard_is_registered_by_the_membership_app():
    from membership.services.guard import membership_withdrawal_guard

    assert membership_withdrawal_guard in withdrawal._guards


@pytest.mark.parametrize("state", [Status.ACTIVE, Status.CANCELLING, Status.PAST_DUE])
def test_withdrawal_blocked_while_membership_is_open(make_partner, fake_gateway, state):
    partner = make_partner(phone="01012345678")
    with clock.travel(seoul("2024-05-02T10:00")):
        subscription_join(user=partner, method="phone")
    if state == Status.CANCELLING:
        with clock.travel(seoul("2024-05-03T10:00")):
            subscription_cancel(user=partner)
    if state == Status.PAST_DUE:
        from membership.jobs import membership_daily_run

        fake_gateway.decline_next(user_id=partner.pk, count=1)
        with clock.travel(seoul("2024-06-02T04:00")):
            membership_daily_run()
    assert partner.memberships.get().status == state
    with pytest.raises(withdrawal.WithdrawalBlocked) as blocked:
        withdrawal.account_withdraw(user=partner)
    assert blocked.value.reason_code == "membership_active"
    partner.refresh_from_db()
    assert partner.withdrawn_at is None


def test_withdrawal_allowed_once_ended(make_partner):
    partner = make_partner(phone="01012345679")
    with clock.travel(seoul("2024-05-02T10:00")):
        subscription_join(user=partner, method="phone")
    with clock.travel(seoul("2024-05-03T10:00")):
        subscription_terminate(user=partner, ticket="CS-1")
    withdrawal.account_withdraw(user=partner)
    partner.refresh_from_db()
    assert partner.withdrawn_at is not None
    # the ledger keeps the qualification number
    assert partner.memberships.get().qualification_no == partner.qualification_no


def test_replay_account_withdraw_and_later_events():
    out = run(
        [
            ev("2024-05-02T10:00:00", "join", method="phone"),
            ev("2024-05-03T10:00:00", "account_withdraw"),
            ev("2024-05-04T10:00:00", "cancel"),
            ev("2024-06-02T05:00:00", "account_withdraw"),
            ev("2024-06-03T10:00:00", "join", method="phone"),
            ev("2024-06-03T11:00:00", "duty_on"),
            ev("2024-06-03T12:00:00", "refund", amount=100, to="points"),
            ev("2024-06-03T13:00:00", "withdraw"),
            ev("2024-06-03T14:00:00", "cancel"),
            ev("2024-06-03T15:00:00", "change_method", method="phone"),
            ev("2024-06-03T16:00:00", "account_withdraw"),
            # the same person signs up again with a new account: no second payback
            ev("2024-06-10T10:00:00", "join", "d2", method="kakaopay_card"),
        ],
        until="2024-06-11",
        drivers=[driver("d1", qno="Q-P"), driver("d2", qno="Q-P")],
    )
    assert rejections(out) == [
        ("d1", "account_withdraw", "membership_active"),
        ("d1", "join", "account_withdrawn"),
        ("d1", "duty_on", "account_withdrawn"),
        ("d1", "refund", "account_withdrawn"),
        ("d1", "withdraw", "account_withdrawn"),
        ("d1", "cancel", "account_withdrawn"),
        ("d1", "change_method", "account_withdrawn"),
        ("d1", "account_withdraw", "account_withdrawn"),
    ]
    assert status(out, "d1") == "ended"
    assert points(out, "d1") == 39000
    assert status(out, "d2") == "active"
    assert points(out, "d2") == 0


def test_replay_past_due_blocks_withdrawal():
    out = run(
        [
            ev("2024-05-02T10:00:00", "join", method="phone"),
            ev("2024-05-30T10:00:00", "decline_next", count=1),
            ev("2024-06-02T10:00:00", "account_withdraw"),
        ],
        until="2024-06-02",
    )
    assert rejections(out) == [("d1", "account_withdraw", "membership_active")]
