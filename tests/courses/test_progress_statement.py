"""The progress report as one PostgreSQL statement (courses.services.progress,
``_merge_statement``: the statement that reads and writes, and the update of the usual
report for a session accepted before) follows the rules of the read-and-update report
exactly."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from courses.models import LessonProgress
from courses.services.progress import ProgressRefused, lesson_open, video_progress_report
from portal import clock
from tests.courses import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

START = clock.at(dt.date(2026, 3, 2), 10)
DURATION = 100


def _attempts(count: int = 2):
    """Attempts alike: one takes the statement, another the two-step report (a third,
    when asked for, the usual report's update)."""
    with clock.travel(START):
        pairs = []
        for _ in range(count):
            user = factories.partner()
            course = factories.course(videos=1, texts=1, duration=DURATION)
            enrollment = factories.enroll(user, course, deadline=dt.date(2026, 3, 10))
            video = course.lessons.get(position=1)
            lesson_open(enrollment=enrollment, lesson=video)
            pairs.append((user, enrollment, video))
    return pairs


def _in_database(*args):
    return factories.report_by("database", *args)


def _in_python(*args):
    return factories.report_by("python", *args)


def _accepted(*args):
    return factories.report_by("accepted", *args)


def _row(enrollment, lesson) -> LessonProgress:
    return LessonProgress.objects.get(enrollment=enrollment, lesson=lesson)


def _same(database: LessonProgress, python: LessonProgress) -> None:
    assert [[float(a), float(b)] for a, b in database.watched] == [
        [float(a), float(b)] for a, b in python.watched
    ]
    assert database.watched_seconds == pytest.approx(python.watched_seconds, abs=1e-9)
    assert database.position_seconds == pytest.approx(python.position_seconds, abs=1e-9)
    assert database.updated_at == python.updated_at
    assert database.completed_at == python.completed_at


ends = st.floats(-5, 130, allow_nan=False).map(lambda value: round(value, 4))
spans = st.lists(
    st.tuples(ends, ends)
    .map(lambda pair: (max(0.0, min(pair)), max(pair)))
    .filter(lambda pair: pair[1] > pair[0]),
    max_size=6,
)
reports = st.lists(
    st.tuples(
        spans,
        st.floats(-10, 140, allow_nan=False),  # position
        st.integers(-3, 40),  # seconds since the previous report (back: a clock skew)
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(reports)
# A report at the very instant of the one that completed the lesson completes nothing.
@example([([(0.0, 50.0)], 0.0, 20), ([(0.0, 90.0)], 0.0, 15), ([], 0.0, 0)])
def test_the_statement_and_the_two_step_report_agree(sequence):
    with transaction.atomic():
        (user_a, attempt_a, video_a), (user_b, attempt_b, video_b), (user_c, attempt_c, video_c) = (
            _attempts(3)
        )
        at = START
        for intervals, position, step in sequence:
            at += dt.timedelta(seconds=step)
            state_a, completes_a = _in_database(user_a, attempt_a, video_a, intervals, position, at)
            state_b, completes_b = _in_python(user_b, attempt_b, video_b, intervals, position, at)
            state_c, completes_c = _accepted(user_c, attempt_c, video_c, intervals, position, at)
            assert completes_a == completes_b
            # The usual report's update knows a completion by its time: a report at the
            # very instant of the completing one counts the attempt's lessons again.
            at_completion = _row(attempt_b, video_b).completed_at == at
            assert completes_c == (completes_b or (state_b.lesson_completed and at_completion))
            for state in (state_a, state_c):
                assert state.lesson_completed == state_b.lesson_completed
                assert state.watched_seconds == pytest.approx(state_b.watched_seconds, abs=1e-9)
                assert state.position_seconds == pytest.approx(state_b.position_seconds, abs=1e-9)
                assert state.duration_seconds == state_b.duration_seconds
            _same(_row(attempt_a, video_a), _row(attempt_b, video_b))
            _same(_row(attempt_c, video_c), _row(attempt_b, video_b))
        transaction.set_rollback(True)


def test_watching_to_the_threshold_completes_in_one_statement():
    (user, enrollment, video), _ = _attempts()
    at = START
    for end in range(10, 100, 10):
        at += dt.timedelta(seconds=10)
        with clock.travel(at):
            state = video_progress_report(
                user_id=user.pk,
                enrollment_id=enrollment.pk,
                lesson_id=video.pk,
                intervals=[(0, end)],
                position=end,
            )
    assert state.lesson_completed and state.watched_seconds == 90
    assert _row(enrollment, video).completed_at == at
    enrollment.refresh_from_db()
    assert enrollment.lessons_completed == 1


def test_a_closed_attempt_writes_nothing():
    (user, enrollment, video), _ = _attempts()
    with pytest.raises(ProgressRefused):
        _in_database(user, enrollment, video, [(0, 5)], 5, clock.at(dt.date(2026, 3, 11), 0))
    assert _row(enrollment, video).watched == []


@pytest.mark.django_db(transaction=True)
def test_a_report_waiting_for_another_write_merges_into_it():
    """The statement applies the report to the row as the other report left it, not to
    the row it read before waiting for the lock."""
    (user, enrollment, video), _ = _attempts()
    locked, release = threading.Event(), threading.Event()

    def other_tab():
        with transaction.atomic():
            LessonProgress.objects.filter(enrollment=enrollment, lesson=video).update(
                watched=[[50, 55]], watched_seconds=5, updated_at=START + dt.timedelta(seconds=6)
            )
            locked.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=other_tab)
    thread.start()
    result = {}
    try:
        assert locked.wait(10)

        def report():
            result["state"] = _in_database(
                user, enrollment, video, [(0, 5)], 5, START + dt.timedelta(seconds=10)
            )
            connection.close()

        reporter = threading.Thread(target=report)
        reporter.start()
        reporter.join(0.5)
        assert reporter.is_alive()  # waiting for the other tab's lock
    finally:
        release.set()
        thread.join()
    reporter.join(10)
    state, _ = result["state"]
    assert state.watched_seconds == 10
    row = _row(enrollment, video)
    assert row.watched == [[0, 5], [50, 55]] and row.watched_seconds == 10
