"""Immediate termination, cooling-off withdrawal, staff refunds and the refund stop
(membership.md, "Ending a subscription", refunds stop; precise semantics 6–12)."""

import pytest

from tests.membership.scenario import (
    attempts,
    ev,
    periods,
    points,
    refunds,
    rejections,
    run,
    status,
)

pytestmark = pytest.mark.django_db

# A second join (the first month was already paid back) so refunds are not zeroed.
FIRST = ev("2024-06-03T10:00:00", "join", method="kakaopay_card")
CANCEL_FIRST = ev("2024-06-04T10:00:00", "terminate", ticket="CS-0")
SECOND = ev("2024-08-01T10:00:00", "join", method="kakaopay_money")


def test_termination_refund_formula_as_points():
    out = run(
        [FIRST, CANCEL_FIRST, SECOND, ev("2024-08-05T15:00:00", "terminate", ticket="CS-1")],
        until="2024-08-10",
    )
    # 39,000 − ⌈1,950⌉ − ⌈39,000 × 5 ÷ 31⌉ (6,291) = 30,759
    assert refunds(out) == [(30759, "points")]
    assert points(out) == 39000 + 30759
    assert status(out) == "ended"
    assert periods(out)[-1] == ("2024-08-01", "2024-08-31")  # still listed


def test_termination_on_the_first_day_counts_one_used_day():
    out = run(
        [FIRST, CANCEL_FIRST, SECOND, ev("2024-08-01T23:00:00", "terminate")], until="2024-08-02"
    )
    # 39,000 − 1,950 − ⌈39,000 ÷ 31⌉ (1,259) = 35,791
    assert refunds(out) == [(35791, "points")]


def test_termination_late_in_the_period_never_goes_below_zero():
    out = run(
        [FIRST, CANCEL_FIRST, SECOND, ev("2024-08-31T20:00:00", "terminate")], until="2024-09-01"
    )
    assert refunds(out) == []  # 39,000 − 1,950 − 39,000 < 0 → 0, not listed
    assert status(out) == "ended"


def test_termination_of_a_paid_back_first_month_refunds_nothing():
    out = run([FIRST, ev("2024-06-04T10:00:00", "terminate")], until="2024-06-05")
    assert refunds(out) == []
    assert points(out) == 39000


def test_termination_of_a_cancelling_subscription_refunds_like_an_active_one():
    out = run(
        [
            FIRST,
            CANCEL_FIRST,
            SECOND,
            ev("2024-08-02T10:00:00", "cancel"),
            ev("2024-08-05T15:00:00", "terminate"),
        ],
        until="2024-08-06",
    )
    assert refunds(out) == [(30759, "points")]


def test_termination_while_past_due_ends_with_no_refund():
    out = run(
        [
            FIRST,
            CANCEL_FIRST,
            SECOND,
            ev("2024-08-20T00:00:00", "decline_next", count=1),
            ev("2024-09-01T10:00:00", "terminate", ticket="CS-2"),
        ],
        until="2024-09-05",
    )
    assert refunds(out) == []
    assert status(out) == "ended"
    assert len(attempts(out)) == 3


def test_terminate_without_a_subscription():
    out = run([ev("2024-06-03T10:00:00", "terminate")], until="2024-06-04")
    assert rejections(out) == [("d1", "terminate", "not_subscribed")]


def test_termination_refund_is_capped_by_earlier_refunds_of_the_charge():
    out = run(
        [
            FIRST,
            CANCEL_FIRST,
            SECOND,
            ev("2024-08-02T10:00:00", "refund", amount=10000, to="payment_method", ticket="CS-3"),
            ev("2024-08-05T15:00:00", "terminate"),
        ],
        until="2024-08-06",
    )
    assert refunds(out) == [(10000, "payment_method"), (20759, "points")]


def test_termination_after_a_large_refund_refunds_nothing_more():
    out = run(
        [
            FIRST,
            CANCEL_FIRST,
            SECOND,
            ev("2024-08-02T10:00:00", "refund", amount=35000, to="points"),
            ev("2024-08-05T15:00:00", "terminate"),
        ],
        until="2024-08-06",
    )
    assert refunds(out) == [(35000, "points")]


def test_cooling_off_withdrawal_full_refund_by_payment_cancellation_and_clawback():
    out = run([FIRST, ev("2024-06-09T10:00:00", "withdraw", ticket="CS-4")], until="2024-06-10")
    assert refunds(out) == [(39000, "payment_method")]
    assert points(out) == 0  # payback clawed back
    assert periods(out) == []  # a period refunded in full by withdrawal is not listed
    assert status(out) == "ended"


def test_cooling_off_window_is_seven_days_from_the_join_time():
    late = run([FIRST, ev("2024-06-10T10:00:00", "withdraw")], until="2024-06-11")
    assert rejections(late) == [("d1", "withdraw", "withdrawal_window_passed")]
    in_time = run([FIRST, ev("2024-06-10T09:59:59", "withdraw")], until="2024-06-11")
    assert rejections(in_time) == []


def test_withdrawal_refused_after_going_on_duty():
    out = run(
        [FIRST, ev("2024-06-04T07:00:00", "duty_on"), ev("2024-06-05T10:00:00", "withdraw")],
        until="2024-06-06",
    )
    assert rejections(out) == [("d1", "withdraw", "used_within_window")]


def test_duty_on_before_the_join_does_not_count():
    out = run(
        [ev("2024-06-01T07:00:00", "duty_on"), FIRST, ev("2024-06-05T10:00:00", "withdraw")],
        until="2024-06-06",
    )
    assert rejections(out) == []
    assert refunds(out) == [(39000, "payment_method")]


def test_withdrawal_rejection_order_window_before_use():
    out = run(
        [FIRST, ev("2024-06-04T07:00:00", "duty_on"), ev("2024-06-20T10:00:00", "withdraw")],
        until="2024-06-21",
    )
    assert rejections(out) == [("d1", "withdraw", "withdrawal_window_passed")]
    out = run([ev("2024-06-20T10:00:00", "withdraw")], until="2024-06-21")
    assert rejections(out) == [("d1", "withdraw", "not_subscribed")]


def test_phone_billing_withdrawn_in_a_later_month_is_refunded_as_points():
    join = ev("2024-05-30T10:00:00", "join", method="phone")
    out = run([join, ev("2024-06-02T10:00:00", "withdraw")], until="2024-06-03")
    assert refunds(out) == [(39000, "points")]
    assert points(out) == 39000  # payback 39,000 − clawback 39,000 + refund 39,000
    same_month = run([join, ev("2024-05-31T10:00:00", "withdraw")], until="2024-06-01")
    assert refunds(same_month) == [(39000, "payment_method")]


def test_kakaopay_withdrawn_in_a_later_month_is_a_payment_cancellation():
    out = run(
        [
            ev("2024-05-30T10:00:00", "join", method="kakaopay_money"),
            ev("2024-06-02T10:00:00", "withdraw"),
        ],
        until="2024-06-03",
    )
    assert refunds(out) == [(39000, "payment_method")]


def test_withdrawal_of_a_second_join_claws_back_nothing():
    out = run(
        [FIRST, CANCEL_FIRST, SECOND, ev("2024-08-02T10:00:00", "withdraw")], until="2024-08-03"
    )
    assert refunds(out) == [(39000, "payment_method")]
    assert points(out) == 39000  # the first join's payback stays


def test_staff_refund_of_the_latest_approved_charge():
    out = run(
        [
            FIRST,
            ev("2024-06-20T10:00:00", "refund", amount=5000, to="payment_method", ticket="CS-5"),
        ],
        until="2024-06-21",
    )
    assert refunds(out) == [(5000, "payment_method")]
    assert status(out) == "active"


def test_refund_refusals():
    out = run(
        [
            ev("2024-06-01T10:00:00", "refund", amount=100, to="points"),
            FIRST,
            ev("2024-06-20T10:00:00", "refund", amount=39001, to="points"),
            ev("2024-06-20T10:01:00", "refund", amount=39000, to="points"),
            ev("2024-06-20T10:02:00", "refund", amount=1, to="points"),
        ],
        until="2024-06-21",
    )
    assert rejections(out) == [
        ("d1", "refund", "nothing_to_refund"),
        ("d1", "refund", "refund_exceeds_charge"),
        ("d1", "refund", "nothing_to_refund"),
    ]
    assert refunds(out) == [(39000, "points")]


def test_refunds_stop_on_31_january_2025():
    base = [ev("2024-11-30T10:00:00", "join", method="kakaopay_card")]
    before = run(
        [*base, ev("2025-01-30T23:59:59", "refund", amount=100, to="points")], until="2025-01-31"
    )
    assert refunds(before) == [(100, "points")]
    after = run(
        [*base, ev("2025-01-31T00:00:00", "refund", amount=100, to="points", ticket="CS-6")],
        until="2025-01-31",
    )
    assert rejections(after) == [("d1", "refund", "refunds_closed")]


@pytest.mark.parametrize("reason", ["missed_cancellation", "death"])
def test_exception_refund_after_the_stop_needs_ticket_and_reason(reason):
    base = [ev("2024-11-30T10:00:00", "join", method="kakaopay_card")]
    ok = run(
        [
            *base,
            ev(
                "2025-02-10T10:00:00",
                "refund",
                amount=39000,
                to="payment_method",
                ticket="CS-7",
                reason=reason,
            ),
        ],
        until="2025-02-10",
    )
    assert refunds(ok) == [(39000, "payment_method")]
    no_ticket = run(
        [
            *base,
            ev("2025-02-10T10:00:00", "refund", amount=39000, to="payment_method", reason=reason),
        ],
        until="2025-02-10",
    )
    assert rejections(no_ticket) == [("d1", "refund", "refunds_closed")]


def test_refund_rejection_order_closed_before_nothing():
    out = run([ev("2025-02-10T10:00:00", "refund", amount=1, to="points")], until="2025-02-10")
    assert rejections(out) == [("d1", "refund", "refunds_closed")]


def test_terminate_between_midnight_and_0400_on_the_refund_stop_day():
    # Joined on a 31st: the last period runs 2024-12-31 … 2025-01-30 and ends at the
    # 04:00 job of 01-31; at 03:00 it is still running, but refunds have stopped.
    out = run(
        [
            ev("2024-10-31T10:00:00", "join", method="kakaopay_card"),
            ev("2025-01-31T03:00:00", "terminate"),
        ],
        until="2025-01-31",
    )
    assert rejections(out) == []
    assert refunds(out) == []
    assert status(out) == "ended"
    assert periods(out)[-1] == ("2024-12-31", "2025-01-30")


def test_withdraw_after_the_refund_stop_is_refunds_closed():
    out = run(
        [
            ev("2024-10-31T10:00:00", "join", method="kakaopay_card"),
            ev("2025-01-31T03:00:00", "withdraw"),
        ],
        until="2025-01-31",
    )
    assert rejections(out) == [("d1", "withdraw", "refunds_closed")]
