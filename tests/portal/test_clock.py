import datetime as dt

import time_machine

from portal import clock


def test_now_is_aware_seoul_time():
    with time_machine.travel(dt.datetime(2024, 12, 31, 15, 30, tzinfo=dt.UTC), tick=False):
        now = clock.now()
        assert now.utcoffset() == dt.timedelta(hours=9)
        # 15:30 UTC is already the next Korean day.
        assert clock.today() == dt.date(2025, 1, 1)


def test_travel_moves_every_reader_and_restores():
    moment = dt.datetime(2024, 11, 30, 23, 59, 59)
    with clock.travel(moment):
        assert clock.now() == clock.aware(moment)
        assert clock.today() == dt.date(2024, 11, 30)
    assert clock.now().year >= 2026


def test_end_of_day_is_the_last_instant_of_the_korean_date():
    end = clock.end_of_day(dt.date(2024, 2, 29))
    assert end.isoformat() == "2024-02-29T23:59:59.999999+09:00"
    assert end + dt.timedelta(microseconds=1) == clock.at(dt.date(2024, 3, 1))
