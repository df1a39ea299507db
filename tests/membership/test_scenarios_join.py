"""Joining: who may join, the rating, sign-ups close, the first-month payback and the
rejection order (membership.md, "Policy"; precise semantics 6)."""

import pytest

from tests.membership.scenario import (
    attempts,
    driver,
    ev,
    periods,
    points,
    rejections,
    run,
    status,
)

pytestmark = pytest.mark.django_db


def test_join_charges_now_and_pays_the_first_month_back_as_points():
    out = run([ev("2024-03-05T09:30:00", "join", method="kakaopay_card")], until="2024-03-06")
    assert status(out) == "active"
    assert attempts(out) == [("2024-03-05T09:30", "subscribe", "approved", None, "kakaopay_card")]
    assert out["drivers"]["d1"]["attempts"][0]["amount"] == 39000
    assert periods(out) == [("2024-03-05", "2024-04-04")]
    assert points(out) == 39000


def test_franchise_driver_may_not_join():
    out = run(
        [ev("2024-03-05T09:30:00", "join", method="phone")],
        until="2024-03-06",
        drivers=[driver(driver_type="franchise")],
    )
    assert rejections(out) == [("d1", "join", "not_general_driver")]
    assert status(out) == "none"
    assert attempts(out) == []


@pytest.mark.parametrize(("rating", "ok"), [(3.9, False), (4.0, True), (None, True), (3.99, False)])
def test_join_needs_rating_4_or_no_rating(rating, ok):
    out = run(
        [ev("2024-03-05T09:30:00", "join", method="phone")],
        until="2024-03-06",
        drivers=[driver(rating=rating)],
    )
    if ok:
        assert status(out) == "active"
        assert rejections(out) == []
    else:
        assert rejections(out) == [("d1", "join", "rating_below_join_threshold")]
        assert status(out) == "none"


def test_rating_event_changes_the_join_decision():
    out = run(
        [
            ev("2024-03-01T00:00:00", "rating", value=3.5),
            ev("2024-03-05T09:30:00", "join", method="phone"),
            ev("2024-03-06T00:00:00", "rating", value=4.1),
            ev("2024-03-07T09:30:00", "join", method="phone"),
        ],
        until="2024-03-08",
    )
    assert rejections(out) == [("d1", "join", "rating_below_join_threshold")]
    assert status(out) == "active"


def test_signups_close_at_midnight_on_1_december():
    out = run(
        [
            ev("2024-11-30T23:59:59", "join", "d1", method="phone"),
            ev("2024-12-01T00:00:00", "join", "d2", method="phone"),
        ],
        until="2024-12-02",
        drivers=[driver("d1"), driver("d2")],
    )
    assert status(out, "d1") == "active"
    assert rejections(out) == [("d2", "join", "signups_closed")]


def test_join_while_subscribed_is_refused_also_while_cancelling():
    out = run(
        [
            ev("2024-03-05T09:30:00", "join", method="phone"),
            ev("2024-03-06T09:30:00", "join", method="phone"),
            ev("2024-03-07T09:30:00", "cancel"),
            ev("2024-03-08T09:30:00", "join", method="phone"),
        ],
        until="2024-03-09",
    )
    assert rejections(out) == [
        ("d1", "join", "already_subscribed"),
        ("d1", "join", "already_subscribed"),
    ]


def test_join_rejection_order():
    out = run(
        [
            # signups closed comes before not a general driver
            ev("2024-12-02T10:00:00", "join", "f1", method="phone"),
        ],
        until="2024-12-03",
        drivers=[driver("f1", driver_type="franchise", rating=1.0)],
    )
    assert rejections(out) == [("f1", "join", "signups_closed")]
    out = run(
        [ev("2024-06-02T10:00:00", "join", "f1", method="phone")],
        until="2024-06-03",
        drivers=[driver("f1", driver_type="franchise", rating=1.0)],
    )
    assert rejections(out) == [("f1", "join", "not_general_driver")]
    out = run(
        [
            ev("2024-06-02T10:00:00", "join", method="phone"),
            ev("2024-06-03T00:00:00", "rating", value=1.0),
            ev("2024-06-03T10:00:00", "join", method="phone"),
        ],
        until="2024-06-04",
    )
    # already subscribed comes before the rating
    assert rejections(out) == [("d1", "join", "already_subscribed")]


def test_declined_join_starts_nothing_and_keeps_the_attempt():
    out = run(
        [
            ev("2024-03-05T09:00:00", "decline_next", count=1),
            ev("2024-03-05T09:30:00", "join", method="kakaopay_money"),
        ],
        until="2024-03-06",
    )
    assert status(out) == "none"
    assert attempts(out) == [
        ("2024-03-05T09:30", "subscribe", "declined", "gateway_declined", "kakaopay_money")
    ]
    assert periods(out) == []
    assert points(out) == 0


def test_payback_once_per_qualification_number_across_accounts():
    # d1 and d2 are two accounts of one person (same qualification number).
    out = run(
        [
            ev("2024-03-05T09:30:00", "join", "d1", method="phone"),
            ev("2024-03-10T09:30:00", "terminate", "d1"),
            ev("2024-04-05T09:30:00", "join", "d2", method="phone"),
        ],
        until="2024-04-06",
        drivers=[driver("d1", qno="Q-SAME"), driver("d2", qno="Q-SAME")],
    )
    assert points(out, "d1") == 39000  # payback; the termination refund is 0 (paid back)
    assert out["drivers"]["d1"]["refunds"] == []
    assert points(out, "d2") == 0


def test_a_declined_join_and_a_new_try_at_the_same_instant_are_two_attempts():
    out = run(
        [
            ev("2024-03-05T09:00:00", "decline_next", count=1),
            ev("2024-03-05T09:30:00", "join", method="phone"),
            ev("2024-03-05T09:30:00", "join", method="phone"),
        ],
        until="2024-03-06",
    )
    assert [a[2] for a in attempts(out)] == ["declined", "approved"]
    assert status(out) == "active"


def test_payback_after_a_declined_first_join():
    out = run(
        [
            ev("2024-03-05T09:00:00", "decline_next", count=1),
            ev("2024-03-05T09:30:00", "join", method="phone"),
            ev("2024-03-05T09:40:00", "join", method="phone"),
        ],
        until="2024-03-06",
    )
    assert [a[2] for a in attempts(out)] == ["declined", "approved"]
    assert points(out) == 39000


def test_clawed_back_payback_does_not_count_as_received():
    out = run(
        [
            ev("2024-03-05T09:30:00", "join", method="kakaopay_card"),
            ev("2024-03-06T09:30:00", "withdraw", ticket="CS-9"),
            ev("2024-04-01T09:30:00", "join", method="kakaopay_card"),
        ],
        until="2024-04-02",
    )
    # payback, clawback, then a new payback for the new first charge
    assert points(out) == 39000
    assert periods(out) == [("2024-04-01", "2024-04-30")]
