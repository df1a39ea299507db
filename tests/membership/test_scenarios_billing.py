"""Renewals, retries, method change with ``register``, cancellation, the renewal stop
and dormancy (membership.md, "Policy", "Charge attempts", "Ending a subscription";
precise semantics 1–5, 7, 8)."""

import pytest

from tests.membership.scenario import (
    attempts,
    driver,
    ev,
    periods,
    rejections,
    run,
    status,
)

pytestmark = pytest.mark.django_db

JOIN = ev("2024-03-05T09:30:00", "join", method="kakaopay_card")


def test_renewal_at_0400_on_the_billing_day():
    out = run([JOIN], until="2024-05-05")
    assert [a[:3] for a in attempts(out)] == [
        ("2024-03-05T09:30", "subscribe", "approved"),
        ("2024-04-05T04:00", "subscribe", "approved"),
        ("2024-05-05T04:00", "subscribe", "approved"),
    ]
    assert periods(out) == [
        ("2024-03-05", "2024-04-04"),
        ("2024-04-05", "2024-05-04"),
        ("2024-05-05", "2024-06-04"),
    ]


def test_failed_renewal_is_retried_three_days_then_the_subscription_ends():
    out = run([JOIN, ev("2024-04-01T00:00:00", "decline_next", count=10)], until="2024-04-20")
    assert [a[:4] for a in attempts(out)[1:]] == [
        ("2024-04-05T04:00", "subscribe", "declined", "gateway_declined"),
        ("2024-04-06T04:00", "retry", "declined", "gateway_declined"),
        ("2024-04-07T04:00", "retry", "declined", "gateway_declined"),
        ("2024-04-08T04:00", "retry", "declined", "gateway_declined"),
    ]
    assert status(out) == "ended"
    assert periods(out) == [("2024-03-05", "2024-04-04")]


def test_past_due_between_failures():
    out = run([JOIN, ev("2024-04-01T00:00:00", "decline_next", count=2)], until="2024-04-06")
    assert status(out) == "past_due"


def test_a_successful_retry_pays_the_period_from_its_billing_day():
    out = run([JOIN, ev("2024-04-01T00:00:00", "decline_next", count=2)], until="2024-05-05")
    assert [a[:3] for a in attempts(out)[1:]] == [
        ("2024-04-05T04:00", "subscribe", "declined"),
        ("2024-04-06T04:00", "retry", "declined"),
        ("2024-04-07T04:00", "retry", "approved"),
        ("2024-05-05T04:00", "subscribe", "approved"),
    ]
    assert periods(out)[1] == ("2024-04-05", "2024-05-04")
    assert status(out) == "active"


def test_decline_next_adds_to_what_is_pending():
    out = run(
        [
            JOIN,
            ev("2024-04-01T00:00:00", "decline_next", count=1),
            ev("2024-04-02T00:00:00", "decline_next", count=1),
        ],
        until="2024-04-07",
    )
    assert [a[2] for a in attempts(out)[1:]] == ["declined", "declined", "approved"]


def test_rating_below_renewal_threshold_declines_without_using_a_pending_decline():
    out = run(
        [
            JOIN,
            ev("2024-04-01T00:00:00", "rating", value=3.7),
            ev("2024-04-01T00:00:01", "decline_next", count=1),
            ev("2024-04-06T12:00:00", "rating", value=3.8),
        ],
        until="2024-04-08",
    )
    assert [a[:4] for a in attempts(out)[1:]] == [
        ("2024-04-05T04:00", "subscribe", "declined", "rating_below_renewal_threshold"),
        # the pending gateway decline is still there for the next attempt
        ("2024-04-06T04:00", "retry", "declined", "rating_below_renewal_threshold"),
        ("2024-04-07T04:00", "retry", "declined", "gateway_declined"),
        ("2024-04-08T04:00", "retry", "approved", None),
    ]


@pytest.mark.parametrize(
    ("rating", "result"), [(3.8, "approved"), (None, "approved"), (3.79, "declined")]
)
def test_renewal_threshold_is_3_8_or_no_rating(rating, result):
    out = run([JOIN, ev("2024-04-01T00:00:00", "rating", value=rating)], until="2024-04-05")
    assert attempts(out)[1][2] == result


def test_change_method_only_after_a_failure():
    out = run(
        [JOIN, ev("2024-03-10T10:00:00", "change_method", method="phone")], until="2024-03-11"
    )
    assert rejections(out) == [("d1", "change_method", "method_change_not_allowed")]
    out = run([ev("2024-03-10T10:00:00", "change_method", method="phone")], until="2024-03-11")
    assert rejections(out) == [("d1", "change_method", "method_change_not_allowed")]


def test_register_pays_the_unpaid_period_and_the_new_method_sticks():
    out = run(
        [
            JOIN,
            ev("2024-04-01T00:00:00", "decline_next", count=1),
            ev("2024-04-05T08:00:00", "change_method", method="phone"),
        ],
        until="2024-05-05",
    )
    assert attempts(out)[1:] == [
        ("2024-04-05T04:00", "subscribe", "declined", "gateway_declined", "kakaopay_card"),
        ("2024-04-05T08:00", "register", "approved", None, "phone"),
        ("2024-05-05T04:00", "subscribe", "approved", None, "phone"),
    ]
    assert periods(out)[1] == ("2024-04-05", "2024-05-04")
    assert status(out) == "active"


def test_declined_register_keeps_the_old_method_and_the_retry_schedule():
    out = run(
        [
            JOIN,
            ev("2024-04-01T00:00:00", "decline_next", count=2),
            ev("2024-04-05T08:00:00", "change_method", method="phone"),
        ],
        until="2024-04-07",
    )
    assert attempts(out)[1:] == [
        ("2024-04-05T04:00", "subscribe", "declined", "gateway_declined", "kakaopay_card"),
        ("2024-04-05T08:00", "register", "declined", "gateway_declined", "phone"),
        ("2024-04-06T04:00", "retry", "approved", None, "kakaopay_card"),
    ]


def test_register_is_checked_against_the_renewal_rating():
    out = run(
        [
            JOIN,
            ev("2024-04-01T00:00:00", "rating", value=3.0),
            ev("2024-04-05T08:00:00", "change_method", method="phone"),
        ],
        until="2024-04-05",
    )
    assert attempts(out)[-1][:4] == (
        "2024-04-05T08:00",
        "register",
        "declined",
        "rating_below_renewal_threshold",
    )


def test_register_revives_a_subscription_ended_by_retries_while_the_period_runs():
    out = run(
        [
            JOIN,
            ev("2024-04-01T00:00:00", "decline_next", count=4),
            ev("2024-04-20T10:00:00", "change_method", method="kakaopay_money"),
        ],
        until="2024-05-05",
    )
    assert status(out) == "active"
    assert attempts(out)[-2][:3] == ("2024-04-20T10:00", "register", "approved")
    assert attempts(out)[-1][:3] == ("2024-05-05T04:00", "subscribe", "approved")
    assert periods(out)[1] == ("2024-04-05", "2024-05-04")


def test_no_register_once_the_unpaid_period_has_passed():
    out = run(
        [
            JOIN,
            ev("2024-04-01T00:00:00", "decline_next", count=4),
            ev("2024-05-05T10:00:00", "change_method", method="kakaopay_money"),
        ],
        until="2024-05-06",
    )
    assert rejections(out) == [("d1", "change_method", "method_change_not_allowed")]
    assert status(out) == "ended"


def test_no_method_change_from_the_renewal_stop_on():
    out = run(
        [
            ev("2024-11-20T10:00:00", "join", method="phone"),
            ev("2024-12-01T00:00:00", "decline_next", count=10),
            ev("2025-01-01T00:00:00", "change_method", method="kakaopay_card"),
        ],
        until="2025-01-02",
    )
    assert rejections(out) == [("d1", "change_method", "method_change_not_allowed")]


def test_cancel_keeps_benefits_to_the_end_of_the_period_then_ends_at_0400():
    events = [JOIN, ev("2024-03-20T10:00:00", "cancel")]
    assert status(run(events, until="2024-04-04")) == "cancelling"
    out = run(events, until="2024-04-05")
    assert status(out) == "ended"
    assert len(attempts(out)) == 1


def test_between_midnight_and_0400_the_state_holds():
    # A cancel at 03:59 on the billing day is before the renewal: no charge, then ended.
    out = run([JOIN, ev("2024-04-05T03:59:59", "cancel")], until="2024-04-05")
    assert len(attempts(out)) == 1
    assert status(out) == "ended"


def test_an_event_at_the_job_instant_runs_after_the_job():
    out = run([JOIN, ev("2024-04-05T04:00:00", "cancel")], until="2024-04-06")
    assert attempts(out)[1][:3] == ("2024-04-05T04:00", "subscribe", "approved")
    assert status(out) == "cancelling"


def test_cancel_twice_and_cancel_without_subscription():
    out = run(
        [
            ev("2024-03-04T10:00:00", "cancel"),
            JOIN,
            ev("2024-03-20T10:00:00", "cancel"),
            ev("2024-03-21T10:00:00", "cancel"),
        ],
        until="2024-03-22",
    )
    assert rejections(out) == [
        ("d1", "cancel", "not_subscribed"),
        ("d1", "cancel", "already_cancelling"),
    ]


def test_cancel_while_past_due_ends_at_once_without_retries():
    out = run(
        [
            JOIN,
            ev("2024-04-01T00:00:00", "decline_next", count=1),
            ev("2024-04-05T10:00:00", "cancel"),
        ],
        until="2024-04-10",
    )
    assert status(out) == "ended"
    assert [a[1] for a in attempts(out)] == ["subscribe", "subscribe"]


def test_renewal_stop_ends_running_periods_normally():
    out = run([ev("2024-10-15T10:00:00", "join", method="phone")], until="2025-02-01")
    assert periods(out)[-1] == ("2024-12-15", "2025-01-14")
    assert (
        status(run([ev("2024-10-15T10:00:00", "join", method="phone")], until="2025-01-14"))
        == "active"
    )
    assert status(out) == "ended"
    assert all(a[0] < "2025-01-01" for a in attempts(out))


def test_past_due_at_the_renewal_stop_ends_at_once_without_a_retry():
    out = run(
        [
            ev("2024-11-30T10:00:00", "join", method="phone"),
            ev("2024-12-01T00:00:00", "decline_next", count=10),
        ],
        until="2025-01-05",
    )
    assert [a[:3] for a in attempts(out)[1:]] == [
        ("2024-12-30T04:00", "subscribe", "declined"),
        ("2024-12-31T04:00", "retry", "declined"),
    ]
    assert status(out) == "ended"


def test_no_charge_attempt_of_any_kind_after_the_renewal_stop():
    out = run(
        [ev("2024-11-02T10:00:00", "join", method="phone")],
        until="2025-03-01",
    )
    assert [a[0][:10] for a in attempts(out)] == ["2024-11-02", "2024-12-02"]


def test_dormancy_after_365_days_without_activity():
    join = ev("2023-01-10T10:00:00", "join", method="phone")
    out = run([join], until="2024-01-11")
    # 365 × 24 h after the join is 2024-01-10 10:00; the 04:00 job of 01-11 sees it,
    # after the renewal of 01-10 went through.
    assert status(out) == "cancelling"
    assert periods(out)[-1] == ("2024-01-10", "2024-02-09")
    out = run([join], until="2024-02-11")
    assert status(out) == "ended"
    assert periods(out)[-1] == ("2024-01-10", "2024-02-09")


def test_dormancy_is_365_days_not_a_year_and_runs_before_renewals():
    # 365 × 24 h after 2023-03-01 10:00 is 2024-02-29 10:00 (leap year), a day before
    # "one year". The 04:00 job of 03-01 finds the driver dormant before the renewal:
    # no charge, and the cancelling subscription ends on that billing day.
    out = run([ev("2023-03-01T10:00:00", "join", method="phone")], until="2024-03-02")
    assert periods(out)[-1] == ("2024-02-01", "2024-02-29")
    assert attempts(out)[-1][0] == "2024-02-01T04:00"
    assert status(out) == "ended"


def test_duty_on_keeps_the_driver_active():
    out = run(
        [ev("2023-01-10T10:00:00", "join", method="phone"), ev("2023-12-01T10:00:00", "duty_on")],
        until="2024-03-01",
    )
    assert status(out) == "active"


def test_dormant_past_due_subscription_ends():
    out = run(
        [
            ev("2023-01-10T10:00:00", "join", method="phone"),
            ev("2024-01-01T00:00:00", "decline_next", count=1),
        ],
        until="2024-01-11",
    )
    assert status(out) == "ended"
    # 01-10 04:00 the renewal fails; 01-11 04:00 dormancy runs first and ends it: no retry.
    assert attempts(out)[-1][:3] == ("2024-01-10T04:00", "subscribe", "declined")


def test_declined_join_is_no_activity_for_dormancy():
    out = run(
        [
            ev("2023-01-10T10:00:00", "join", method="phone"),
            ev("2023-05-01T00:00:00", "decline_next", count=1),
            ev("2023-05-01T10:00:00", "join", method="phone"),
        ],
        until="2024-01-11",
        drivers=[driver()],
    )
    assert rejections(out) == [("d1", "join", "already_subscribed")]
    assert status(out) == "cancelling"
