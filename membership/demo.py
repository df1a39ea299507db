"""Demo data for the membership ledger: two general taxi drivers with a history.

Idempotent (``manage.py load_demo`` may run many times); returns the lines to print.
The histories are made by the real services and the real 04:00 job under a moved clock.
"""

import datetime as dt

from membership.jobs import membership_daily_run
from membership.models import Subscription
from membership.services.joining import subscription_join
from membership.services.lifecycle import subscription_cancel, subscription_terminate
from membership.services.usage import rating_record, usage_record_duty_on
from portal import clock

DEMO_PASSWORD = "Blue1234!"


def _driver(phone: str, name: str, birth: dt.date, qno: str):
    from accounts.services import account_preprovision, roster_upsert
    from accounts.services.passwords import password_set

    entry = roster_upsert(
        phone=phone, name=name, birth_date=birth, qualification_no=qno, driver_type="general"
    )
    user, created = account_preprovision(roster_entry=entry)
    if created:
        password_set(user=user, password=DEMO_PASSWORD)
    return user


def _run_days(user, first: dt.date, last: dt.date) -> None:
    day = first
    while day <= last:
        with clock.travel(clock.at(day, 4)):
            membership_daily_run(scope=[user.pk])
        day += dt.timedelta(days=1)


def load() -> list[str]:
    renewer = _driver("01030000001", "정일반", dt.date(1961, 4, 2), "Q-DEMO-1")
    terminated = _driver("01030000002", "한해지", dt.date(1958, 11, 23), "Q-DEMO-2")
    if not Subscription.objects.filter(user=renewer).exists():
        rating_record(user=renewer, value=None, at=clock.at(dt.date(2020, 1, 1)))
        with clock.travel(clock.at(dt.date(2024, 8, 31), 9)):
            subscription_join(user=renewer, method="phone")
        with clock.travel(clock.at(dt.date(2024, 9, 2), 7)):
            usage_record_duty_on(user=renewer)
        _run_days(renewer, dt.date(2024, 9, 1), dt.date(2025, 2, 1))
    if not Subscription.objects.filter(user=terminated).exists():
        rating_record(user=terminated, value=None, at=clock.at(dt.date(2020, 1, 1)))
        with clock.travel(clock.at(dt.date(2024, 6, 3), 10)):
            subscription_join(user=terminated, method="kakaopay_card")
        with clock.travel(clock.at(dt.date(2024, 6, 10), 12)):
            subscription_cancel(user=terminated)
        _run_days(terminated, dt.date(2024, 6, 4), dt.date(2024, 7, 31))
        with clock.travel(clock.at(dt.date(2024, 8, 1), 10)):
            subscription_join(user=terminated, method="kakaopay_money")
        with clock.travel(clock.at(dt.date(2024, 8, 5), 15)):
            subscription_terminate(user=terminated, ticket="CS-DEMO-1", reason="파트너 요청")
    return [
        f"membership history 010-3000-0001 / {DEMO_PASSWORD} (정일반: renewals to the end, "
        "/membership/)",
        f"membership refund 010-3000-0002 / {DEMO_PASSWORD} (한해지: payback, termination refund)",
    ]
