"""What the management commands behind the scheduled jobs share: the ``--date`` option.

Every job that is about a day can be run by hand for another day (ops re-running a
missed night, CS checking what a day did); the date is a Korean calendar date.
"""

import argparse
import datetime as dt


def korean_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"날짜는 YYYY-MM-DD 형식으로 적어 주세요 (예: 2025-01-31), 받은 값: {value!r}"
        ) from None


def add_date_argument(parser, *, help_text: str) -> None:
    parser.add_argument("--date", type=korean_date, default=None, help=help_text)
