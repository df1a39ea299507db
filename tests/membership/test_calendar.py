"""Calendar (membership.md, "Policy": billing day, period): billing days 1–31, a join on
every day of every month of 2023–2024, the real 04:00 job run every day: one charge per
period, no gap, no overlap, leap years included."""

import datetime as dt
from collections import defaultdict

import pytest

from membership.calendar import billing_date, period_end, period_start
from membership.jobs import membership_daily_run
from membership.models import AttemptResult, ChargeAttempt, Period, Subscription
from membership.services.joining import subscription_join
from membership.services.usage import usage_record_duty_on
from portal import clock


@pytest.mark.parametrize(
    ("anchor", "expected"),
    [
        (dt.date(2024, 1, 31), ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"]),
        (dt.date(2023, 1, 31), ["2023-01-31", "2023-02-28", "2023-03-31", "2023-04-30"]),
        (dt.date(2024, 8, 31), ["2024-08-31", "2024-09-30", "2024-10-31", "2024-11-30"]),
        (dt.date(2024, 1, 30), ["2024-01-30", "2024-02-29", "2024-03-30", "2024-04-30"]),
        (dt.date(2024, 12, 31), ["2024-12-31", "2025-01-31", "2025-02-28", "2025-03-31"]),
    ],
)
def test_billing_days_clamp_and_return(anchor, expected):
    assert [period_start(anchor=anchor, seq=n).isoformat() for n in range(1, 5)] == expected


def test_period_ends_the_day_before_the_next_billing_day():
    assert period_end(anchor=dt.date(2024, 12, 31), seq=1) == dt.date(2025, 1, 30)
    assert period_end(anchor=dt.date(2024, 1, 31), seq=2) == dt.date(2024, 3, 30)


def all_days(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


@pytest.mark.django_db
def test_every_billing_day_every_month_of_2023_and_2024(make_partner):
    first, last = dt.date(2023, 1, 1), dt.date(2024, 12, 31)
    joins = defaultdict(list)
    for day in all_days(first, dt.date(2024, 11, 30)):
        joins[day].append(make_partner(rating=None))
    joined = []
    for day in all_days(first, last):
        with clock.travel(clock.at(day, 4)):
            membership_daily_run()
        with clock.travel(clock.at(day, 10)):
            for user in joins.get(day, []):
                subscription_join(user=user, method="kakaopay_card")
                joined.append(user)
        if day.day == 1 and day.month % 3 == 1:
            # everyone goes on duty now and then, so nobody turns dormant
            with clock.travel(clock.at(day, 12)):
                for user in joined:
                    usage_record_duty_on(user=user)

    approved = defaultdict(int)
    for period_id in ChargeAttempt.objects.filter(result=AttemptResult.APPROVED).values_list(
        "period_id", flat=True
    ):
        approved[period_id] += 1
    periods = defaultdict(list)
    for period in Period.objects.order_by("subscription_id", "seq"):
        periods[period.subscription_id].append(period)

    subscriptions = list(Subscription.objects.all())
    assert len(subscriptions) == sum(len(users) for users in joins.values()) == 700
    assert {s.anchor_date.day for s in subscriptions} == set(range(1, 32))
    for sub in subscriptions:
        chain = periods[sub.pk]
        assert chain[0].start == sub.anchor_date
        for n, period in enumerate(chain, start=1):
            assert period.seq == n
            assert approved[period.pk] == 1, (sub.anchor_date, period.start)
            expected = billing_date(
                billing_day=sub.anchor_date.day, year=period.start.year, month=period.start.month
            )
            assert period.start == expected
            if n > 1:
                assert period.start == chain[n - 2].end + dt.timedelta(days=1)  # no gap/overlap
        # renewed every month up to the end of 2024: the last period covers 2024-12-31
        assert chain[-1].start <= last <= chain[-1].end, (sub.anchor_date, chain[-1])
