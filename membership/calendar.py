"""Billing days and periods (membership.md, "Policy": billing day, period).

Pure date arithmetic: a subscription joined on ``anchor`` bills on the calendar day of
the join; in a month without that day, on the month's last day, and the next month
returns to the original day. Period ``seq`` (1 = the join period) runs from its billing
day up to the day before the next one.
"""

import calendar as _calendar
import datetime as dt


def billing_date(*, billing_day: int, year: int, month: int) -> dt.date:
    """The billing date of ``billing_day`` in the given month (clamped to its last day)."""
    last = _calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(billing_day, last))


def period_start(*, anchor: dt.date, seq: int) -> dt.date:
    """First day of period ``seq`` (1-based) of a subscription joined on ``anchor``."""
    months = anchor.month - 1 + (seq - 1)
    return billing_date(
        billing_day=anchor.day, year=anchor.year + months // 12, month=months % 12 + 1
    )


def period_end(*, anchor: dt.date, seq: int) -> dt.date:
    """Last day (inclusive) of period ``seq``."""
    return period_start(anchor=anchor, seq=seq + 1) - dt.timedelta(days=1)


def ceil_div(numerator: int, denominator: int) -> int:
    """⌈numerator ÷ denominator⌉ for non-negative whole numbers, without floats."""
    return -(-numerator // denominator)
