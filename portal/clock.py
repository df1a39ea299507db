"""The one clock every rule reads.

Rules never call ``datetime.now()`` or ``timezone.now()`` themselves: they ask
``clock.now()`` (an aware datetime) or ``clock.today()`` (the Korean calendar date).
Tests and the membership replay move time with ``clock.travel(...)``.
"""

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.utils import timezone

SEOUL = ZoneInfo("Asia/Seoul")

_override: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar(
    "clock_override", default=None
)


def now() -> dt.datetime:
    """The current instant, aware, in Asia/Seoul."""
    moved = _override.get()
    if moved is not None:
        return moved
    return timezone.now().astimezone(SEOUL)


def today() -> dt.date:
    """Today's date on the Korean calendar (business dates are Korean dates)."""
    return now().date()


def aware(value: dt.datetime) -> dt.datetime:
    """Read a naive datetime as Asia/Seoul wall time; convert an aware one to Seoul."""
    if timezone.is_naive(value):
        return value.replace(tzinfo=SEOUL)
    return value.astimezone(SEOUL)


def at(day: dt.date, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    """The instant at the given Seoul wall time on ``day``."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=SEOUL)


def end_of_day(day: dt.date) -> dt.datetime:
    """23:59:59.999999 Seoul time on ``day`` (a deadline date is open until then)."""
    return at(day + dt.timedelta(days=1)) - dt.timedelta(microseconds=1)


def set_now(value: dt.datetime) -> contextvars.Token:
    """Move the clock to ``value`` until ``reset(token)``; used by the replay."""
    return _override.set(aware(value))


def reset(token: contextvars.Token) -> None:
    _override.reset(token)


@contextlib.contextmanager
def travel(value: dt.datetime) -> Iterator[None]:
    """Run the block with the clock standing at ``value``."""
    token = set_now(value)
    try:
        yield
    finally:
        reset(token)
