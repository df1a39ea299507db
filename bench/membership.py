"""Membership ledger figures (issue 5).

- ``billing_day_100k_s``: one 04:00 run of the daily job with 100,000 renewals due
  (PostgreSQL, the fake gateway in-process).
- ``copy_ledger_100k_s``: PostgreSQL ``COPY`` of the same number of period, attempt and
  journal rows (transactions and entries) as that run wrote, into plain tables of the
  same columns, in the same run: the floor any writer of those rows could reach.
- ``billing_over_copy``: the ratio (target ≤ 10).
- ``replay_examples_s``: the three shared replay examples, one after the other.
"""

import datetime as dt
import os
import time
from pathlib import Path

N = int(os.environ.get("BENCH_MEMBERSHIP_N", "100000"))
DAY = dt.date(2024, 6, 15)
PREFIX = "bench-membership-"
LEDGER_TABLES = [
    "membership_journalentry",
    "membership_journaltransaction",
    "membership_refund",
    "membership_paybackclawback",
    "membership_payback",
    "membership_chargeattempt",
    "membership_period",
    "membership_subscriptionevent",
    "membership_usage",
    "membership_rating",
    "membership_subscription",
]
COPIED = [
    "membership_period",
    "membership_chargeattempt",
    "membership_journaltransaction",
    "membership_journalentry",
]
EXAMPLES = Path(__file__).resolve().parent.parent / "tests" / "membership" / "examples"


def _clean(cursor) -> None:
    from tests.support.ledger import ledger_emptied

    # The ledger's guards refuse a TRUNCATE of its rows: emptied as the test harness
    # empties it, then the rest of the bench's membership data.
    ledger_emptied()
    cursor.execute(f"TRUNCATE {', '.join(LEDGER_TABLES)} RESTART IDENTITY CASCADE")
    for table in COPIED:
        cursor.execute(f"DROP TABLE IF EXISTS bench_copy_{table}")
    cursor.execute("DELETE FROM accounts_user WHERE username LIKE %s", [PREFIX + "%"])


def _setup() -> None:
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.db import connection

    from membership.models import Rating, Status, Subscription, Usage
    from portal import clock

    User = get_user_model()
    users = User.objects.bulk_create(
        [
            User(
                username=f"{PREFIX}{n}",
                password="!",
                qualification_no=f"QB-{n:06d}",
                driver_type="general",
            )
            for n in range(N)
        ],
        batch_size=5000,
    )
    # Statistics as on a live database before the ledger's rows check their partners:
    # after an earlier group's mass delete, the account table's statistics can say two
    # rows over bloated indexes, and each check would then scan the table.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_user")
    epoch = clock.at(dt.date(2020, 1, 1))
    Rating.objects.bulk_create(
        [Rating(user=u, value=Decimal("4.5"), effective_at=epoch) for u in users], batch_size=5000
    )
    # Joined over the past two years on the 15th; every driver went on duty last week.
    subs = []
    for n, user in enumerate(users):
        months = 1 + n % 24
        year, month = DAY.year, DAY.month - months
        while month < 1:
            month += 12
            year -= 1
        anchor = dt.date(year, month, 15)
        subs.append(
            Subscription(
                user=user,
                qualification_no=user.qualification_no,
                anchor_date=anchor,
                joined_at=clock.at(anchor, 10),
                method="kakaopay_card",
                status=Status.ACTIVE,
                current_seq=months,
                due_on=DAY,
            )
        )
    Subscription.objects.bulk_create(subs, batch_size=5000)
    last_week = clock.at(DAY - dt.timedelta(days=7), 9)
    Usage.objects.bulk_create(
        [Usage(user=u, kind=Usage.Kind.DUTY_ON, at=last_week) for u in users], batch_size=5000
    )


def _copy_ledger(cursor) -> float:
    """COPY the rows the run wrote into plain tables (no index, constraint or trigger)."""
    rows = {}
    for table in COPIED:
        cursor.execute(f"SELECT * FROM {table}")
        rows[table] = cursor.fetchall()
        columns = [c.name for c in cursor.description]
        cursor.execute(f"CREATE TABLE bench_copy_{table} (LIKE {table} INCLUDING DEFAULTS)")
        rows[table] = (columns, rows[table])
    raw = cursor.connection
    started = time.perf_counter()
    with raw.cursor() as pg:
        for table, (columns, data) in rows.items():
            cols = ", ".join(f'"{c}"' for c in columns)
            with pg.copy(f"COPY bench_copy_{table} ({cols}) FROM STDIN") as copy:
                for row in data:
                    copy.write_row(row)
    raw.commit()
    return time.perf_counter() - started


def run(ctx):
    from django.db import connection, transaction

    from membership.jobs import membership_daily_run
    from membership.models import ChargeAttempt
    from membership.replay import replay_text
    from portal import clock

    with connection.cursor() as cursor:
        _clean(cursor)
    _setup()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # statistics as on a live database

    started = time.perf_counter()
    with clock.travel(clock.at(DAY, 4)):
        report = membership_daily_run()
    billing = time.perf_counter() - started
    print(f"# membership: 04:00 run {billing:.2f} s: {report.as_dict()}", flush=True)
    assert report.renewed == N, report.as_dict()
    assert ChargeAttempt.objects.count() == N

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    connection.ensure_connection()
    with connection.cursor() as cursor:
        copy = _copy_ledger(cursor)

    texts = [p.read_text() for p in sorted(EXAMPLES.glob("E*.json")) if ".expected" not in p.name]
    started = time.perf_counter()
    for text in texts:
        replay_text(text)
    replay = time.perf_counter() - started

    with connection.cursor() as cursor:
        _clean(cursor)

    yield "billing_day_100k_s", billing, "s"
    yield "copy_ledger_100k_s", copy, "s"
    yield "billing_over_copy", billing / copy, "ratio"
    yield "replay_examples_s", replay, "s"
