"""Property-based tests of the ledger (hypothesis): random event sequences through the
real replay machinery, then the invariants of membership.md, "The ledger".

- every journal transaction sums to zero;
- for every approved charge: paid = refunded + fee + used + kept, in whole won, none
  of them negative;
- never two approved charges for one period;
- no charge attempt from the renewal stop on;
- no refund from the refund stop on without a ticket and an exception reason;
- the journal reconciles with the recorded events.
"""

import datetime as dt
import json

import pytest
from django.db import transaction
from django.db.models import Count, Q, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from membership import replay
from membership.gateway import gateway
from membership.models import (
    Account,
    AttemptResult,
    ChargeAttempt,
    JournalEntry,
    JournalTransaction,
    Period,
    Refund,
)
from membership.policy import policy
from membership.services.reconcile import ledger_reconcile

START = dt.datetime(2024, 9, 1)
SPAN_MINUTES = 158 * 24 * 60  # to 2025-02-05: past both stops
UNTIL = "2025-02-06"
METHODS = ["kakaopay_card", "kakaopay_money", "phone"]

simple = st.sampled_from(["duty_on", "cancel", "account_withdraw"])
event_body = st.one_of(
    st.builds(lambda m: {"type": "join", "method": m}, st.sampled_from(METHODS)),
    st.builds(lambda m: {"type": "join", "method": m}, st.sampled_from(METHODS)),
    st.builds(lambda t: {"type": t}, simple),
    st.builds(lambda c: {"type": "decline_next", "count": c}, st.integers(1, 4)),
    st.builds(lambda m: {"type": "change_method", "method": m}, st.sampled_from(METHODS)),
    st.builds(
        lambda v: {"type": "rating", "value": v}, st.sampled_from([None, 3.0, 3.7, 3.8, 4.0, 4.6])
    ),
    st.builds(
        lambda t, r: {"type": "terminate", **t, **r},
        st.sampled_from([{}, {"ticket": "CS-1"}]),
        st.sampled_from([{}, {"reason": "death"}]),
    ),
    st.builds(lambda t: {"type": "withdraw", **t}, st.sampled_from([{}, {"ticket": "CS-2"}])),
    st.builds(
        lambda a, to, t, r: {"type": "refund", "amount": a, "to": to, **t, **r},
        st.integers(1, 45000),
        st.sampled_from(["points", "payment_method"]),
        st.sampled_from([{}, {"ticket": "CS-3"}]),
        st.sampled_from([{}, {"reason": "missed_cancellation"}, {"reason": "other"}]),
    ),
)
events = st.lists(
    st.tuples(st.integers(0, SPAN_MINUTES), st.sampled_from(["d1", "d2", "d3"]), event_body),
    min_size=1,
    max_size=14,
)


def scenario_of(raw) -> dict:
    evs = []
    for minute, who, body in sorted(raw, key=lambda item: item[0]):
        at = START + dt.timedelta(minutes=minute)
        evs.append({"at": at.isoformat(), "driver": who, **body})
    return {
        "until": UNTIL,
        "drivers": [
            {"id": "d1", "qualification_no": "Q-A", "driver_type": "general", "rating": 4.5},
            # d2 is a second account of d1's person
            {"id": "d2", "qualification_no": "Q-A", "driver_type": "general", "rating": None},
            {"id": "d3", "qualification_no": "Q-B", "driver_type": "general", "rating": 4.0},
        ],
        "events": evs,
    }


def assert_ledger_invariants() -> None:
    p = policy()
    unbalanced = (
        JournalTransaction.objects.annotate(total=Sum("entries__amount"))
        .exclude(total=0)
        .values_list("idempotency_key", "total")
    )
    assert list(unbalanced) == []

    for charge in ChargeAttempt.objects.filter(result=AttemptResult.APPROVED):
        sums = dict(
            JournalEntry.objects.filter(transaction__charge=charge)
            .values_list("account")
            .annotate(s=Sum("amount"))
        )
        refunded = Refund.objects.filter(charge=charge).aggregate(s=Sum("amount"))["s"] or 0
        fee = sums.get(Account.FEE_INCOME, 0)
        used = sums.get(Account.EARNED_REVENUE, 0)
        kept = sums.get(Account.DEFERRED_REVENUE, 0)
        assert charge.amount == refunded + fee + used + kept, charge.idempotency_key
        assert min(refunded, fee, used, kept) >= 0
        assert all(isinstance(v, int) for v in (refunded, fee, used, kept))

    twice = Period.objects.annotate(
        n=Count("attempts", filter=Q(attempts__result=AttemptResult.APPROVED))
    ).filter(n__gt=1)
    assert not twice.exists()

    assert not ChargeAttempt.objects.filter(at__gte=p.renewals_stop_at).exists()

    late = Refund.objects.filter(at__gte=p.refunds_stop_at)
    for refund in late:
        assert refund.ticket and refund.reason in p.refund_exception_reasons

    # and the ledger reconciles with the recorded events
    assert ledger_reconcile() == []


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=events)
def test_random_histories_keep_the_ledger_invariants(raw):
    scenario = replay.scenario_parse(json.dumps(scenario_of(raw)))
    fake = gateway()
    fake.reset()
    with transaction.atomic():
        replay._run(scenario, fake)
        assert_ledger_invariants()
        transaction.set_rollback(True)
