"""A cooled-off join is withdrawn as if it never started (membership.md, replay output
``periods``: "whatever staff had refunded of it before"), run through the
``membership_replay`` command itself."""

import io
import json

import pytest
from django.core.management import call_command

from tests.membership.scenario import driver, ev, periods, points, refunds, rejections, status

pytestmark = pytest.mark.django_db

JOIN = ev("2024-06-03T10:00:00", "join", method="kakaopay_card")
WITHDRAW = ev("2024-06-07T10:00:00", "withdraw", ticket="CS-20")


def replay(tmp_path, events: list[dict], *, until: str) -> dict:
    scenario = tmp_path / "scenario.json"
    scenario.write_text(
        json.dumps({"until": until, "drivers": [driver()], "events": events}), encoding="utf-8"
    )
    out = io.StringIO()
    call_command("membership_replay", str(scenario), stdout=out)
    return json.loads(out.getvalue())


def staff_refund(amount: int) -> dict:
    return ev("2024-06-05T11:00:00", "refund", amount=amount, to="payment_method", ticket="CS-19")


def test_join_charge_refunded_in_full_by_staff_then_withdrawn(tmp_path):
    out = replay(tmp_path, [JOIN, staff_refund(39000), WITHDRAW], until="2024-06-10")
    assert rejections(out) == []
    assert status(out) == "ended"
    # The withdrawal has nothing left to refund (a 0 refund is not listed) ...
    assert refunds(out) == [(39000, "payment_method")]
    # ... and the join period is still undone, with its payback clawed back.
    assert periods(out) == []
    assert points(out) == 0


def test_join_charge_with_one_won_left_then_withdrawn(tmp_path):
    out = replay(tmp_path, [JOIN, staff_refund(38999), WITHDRAW], until="2024-06-10")
    assert rejections(out) == []
    assert status(out) == "ended"
    assert refunds(out) == [(38999, "payment_method"), (1, "payment_method")]
    assert periods(out) == []
    assert points(out) == 0


def test_a_staff_refund_alone_keeps_the_period_listed(tmp_path):
    out = replay(tmp_path, [JOIN, staff_refund(39000)], until="2024-06-10")
    assert status(out) == "active"
    assert periods(out) == [("2024-06-03", "2024-07-02")]
