"""Watched-seconds video progress, text confirmation and completion (courses.md)."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from courses.models import EnrollmentStatus, LessonProgress
from courses.services.progress import (
    ProgressRefused,
    lesson_open,
    text_lesson_confirm,
    video_progress_report,
)
from portal import clock
from tests.courses import factories

pytestmark = pytest.mark.django_db

START = clock.at(dt.date(2026, 3, 2), 10)


@pytest.fixture
def setup():
    with clock.travel(START):
        user = factories.partner()
        course = factories.course(videos=1, texts=1, duration=100)
        enrollment = factories.enroll(user, course, deadline=dt.date(2026, 3, 10))
        video, text = list(course.lessons.order_by("position"))
        lesson_open(enrollment=enrollment, lesson=video)
    return user, enrollment, video, text


def report(user, enrollment, lesson, intervals, position, at):
    with clock.travel(at):
        return video_progress_report(
            user_id=user.pk,
            enrollment_id=enrollment.pk,
            lesson_id=lesson.pk,
            intervals=intervals,
            position=position,
        )


def test_opening_a_lesson_starts_the_attempt(setup):
    _, enrollment, _, _ = setup
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.IN_PROGRESS
    assert enrollment.started_at == START


def test_seeking_to_the_end_does_not_complete(setup):
    user, enrollment, video, _ = setup
    state = report(user, enrollment, video, [(0, 5)], 5, START + dt.timedelta(seconds=5))
    # The partner drags the slider to the end and lets the last seconds play.
    state = report(user, enrollment, video, [(95, 100)], 100, START + dt.timedelta(seconds=12))
    assert state.watched_seconds == 10
    assert not state.lesson_completed
    progress = LessonProgress.objects.get(enrollment=enrollment, lesson=video)
    assert progress.completed_at is None
    assert progress.position_seconds == 100


def test_overlapping_and_repeated_reports_count_once(setup):
    user, enrollment, video, _ = setup
    t = START
    for intervals in ([(0, 10)], [(0, 10)], [(5, 20)], [(0, 20)], [(15, 25)]):
        t += dt.timedelta(seconds=10)
        state = report(user, enrollment, video, intervals, intervals[-1][1], t)
    assert state.watched_seconds == 25
    assert LessonProgress.objects.get(lesson=video).watched == [[0, 25]]


def test_ninety_percent_really_watched_completes_the_lesson(setup):
    user, enrollment, video, _ = setup
    t = START
    for start in range(0, 90, 10):
        t += dt.timedelta(seconds=10)
        state = report(user, enrollment, video, [(start, start + 10)], start + 10, t)
    assert state.watched_seconds == 90
    assert state.lesson_completed
    enrollment.refresh_from_db()
    assert enrollment.lessons_completed == 1
    assert enrollment.status == EnrollmentStatus.IN_PROGRESS


def test_a_forged_report_of_everything_gains_nothing(setup):
    user, enrollment, video, _ = setup
    state = report(user, enrollment, video, [(0, 100)], 100, START + dt.timedelta(seconds=3))
    assert state.watched_seconds == 0
    assert not state.lesson_completed


def test_all_lessons_complete_the_course_with_time_and_number(setup):
    user, enrollment, video, text = setup
    t = START
    for start in range(0, 100, 10):
        t += dt.timedelta(seconds=10)
        report(user, enrollment, video, [(start, start + 10)], start + 10, t)
    with clock.travel(t):
        assert text_lesson_confirm(enrollment=enrollment, lesson=text) is True
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED
    assert enrollment.completed_at == t
    assert enrollment.completion_no == f"{enrollment.course.code}-20260302-{enrollment.pk:06d}"
    # Confirming again changes nothing.
    with clock.travel(t + dt.timedelta(minutes=1)), pytest.raises(ProgressRefused):
        text_lesson_confirm(enrollment=enrollment, lesson=text)


def test_completion_after_the_deadline_is_impossible(setup):
    user, enrollment, video, text = setup
    t = START
    for start in range(0, 100, 10):
        t += dt.timedelta(seconds=10)
        report(user, enrollment, video, [(start, start + 10)], start + 10, t)
    # The deadline day is open until 23:59:59 Seoul time; the expiry job has not run yet.
    after = clock.end_of_day(enrollment.deadline) + dt.timedelta(seconds=1)
    with clock.travel(after), pytest.raises(ProgressRefused):
        text_lesson_confirm(enrollment=enrollment, lesson=text)
    with pytest.raises(ProgressRefused):
        report(user, enrollment, video, [(0, 1)], 1, after)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.IN_PROGRESS
    assert enrollment.completion_no is None
    assert not LessonProgress.objects.filter(lesson=text).exists()


def test_last_second_of_the_deadline_day_still_counts(setup):
    user, enrollment, video, text = setup
    t = START
    for start in range(0, 100, 10):
        t += dt.timedelta(seconds=10)
        report(user, enrollment, video, [(start, start + 10)], start + 10, t)
    with clock.travel(clock.at(enrollment.deadline, 23, 59, 59)):
        assert text_lesson_confirm(enrollment=enrollment, lesson=text) is True


def test_resume_position_is_kept_on_the_server(setup):
    user, enrollment, video, _ = setup
    report(user, enrollment, video, [(0, 8)], 42.5, START + dt.timedelta(seconds=8))
    # Another device opens the lesson: the row (and the position) is the same.
    with clock.travel(START + dt.timedelta(hours=1)):
        progress = lesson_open(enrollment=enrollment, lesson=video)
    assert progress.position_seconds == 42.5


def test_another_partner_cannot_report_on_this_attempt(setup):
    _, enrollment, video, _ = setup
    stranger = factories.partner()
    with pytest.raises(LessonProgress.DoesNotExist):
        report(stranger, enrollment, video, [(0, 5)], 5, START + dt.timedelta(seconds=5))
    assert LessonProgress.objects.get(lesson=video).watched_seconds == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_report_waiting_for_another_write_merges_into_it(setup):
    """The report locks the progress row: it applies itself to the row as another tab's
    report left it, not to the row as it was before it waited."""
    user, enrollment, video, _ = setup
    locked, release = threading.Event(), threading.Event()

    def other_tab():
        with transaction.atomic():
            LessonProgress.objects.filter(enrollment=enrollment, lesson=video).update(
                watched=[[50, 55]], watched_seconds=5, updated_at=START + dt.timedelta(seconds=6)
            )
            locked.set()
            release.wait(10)
        connection.close()

    tab = threading.Thread(target=other_tab)
    tab.start()
    result = {}
    try:
        assert locked.wait(10)

        def this_tab():
            try:
                result["state"] = report(
                    user, enrollment, video, [(0, 5)], 5, START + dt.timedelta(seconds=10)
                )
            finally:
                connection.close()

        reporter = threading.Thread(target=this_tab)
        reporter.start()
        reporter.join(0.5)
        assert reporter.is_alive()  # waiting for the other tab's lock
    finally:
        release.set()
        tab.join()
    reporter.join(10)
    assert result["state"].watched_seconds == 10
    row = LessonProgress.objects.get(lesson=video)
    assert row.watched == [[0, 5], [50, 55]] and row.watched_seconds == 10


def _statements(run) -> list[str]:
    seen = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        run()
    return seen


@pytest.mark.postgres
def test_only_a_report_that_completes_nothing_commits_without_waiting_for_the_disk(setup):
    user, enrollment, video, _ = setup
    ordinary = _statements(
        lambda: report(user, enrollment, video, [(0, 10)], 10, START + dt.timedelta(seconds=10))
    )
    assert "SET LOCAL synchronous_commit TO OFF" in ordinary
    at = START + dt.timedelta(seconds=10)
    for start in range(10, 80, 10):
        at += dt.timedelta(seconds=10)
        report(user, enrollment, video, [(start, start + 10)], start + 10, at)
    completing = _statements(
        lambda: report(user, enrollment, video, [(80, 90)], 90, at + dt.timedelta(seconds=10))
    )
    assert LessonProgress.objects.get(lesson=video).completed_at is not None
    assert "SET LOCAL synchronous_commit TO OFF" not in completing


def test_a_report_keeps_the_time_of_a_later_one(setup):
    """The time of the last report only moves forward (a late request, a clock skew):
    the next report's allowance never counts the same wall time twice."""
    user, enrollment, video, _ = setup
    report(user, enrollment, video, [(0, 5)], 5, START + dt.timedelta(seconds=12))
    state = report(user, enrollment, video, [(5, 10)], 10, START + dt.timedelta(seconds=10))
    assert state.watched_seconds == 10
    row = LessonProgress.objects.get(lesson=video)
    assert row.updated_at == START + dt.timedelta(seconds=12)


def test_the_position_is_clamped_to_the_lesson(setup):
    user, enrollment, video, _ = setup
    state = report(user, enrollment, video, [(0, 5)], 250, START + dt.timedelta(seconds=5))
    assert state.position_seconds == 100
    state = report(user, enrollment, video, [(0, 5)], -3, START + dt.timedelta(seconds=6))
    assert state.position_seconds == 0


def test_a_text_lesson_takes_no_video_report(setup):
    user, enrollment, _, text = setup
    with clock.travel(START):
        lesson_open(enrollment=enrollment, lesson=text)
    with pytest.raises(LessonProgress.DoesNotExist):
        report(user, enrollment, text, [(0, 5)], 5, START + dt.timedelta(seconds=5))


def test_watched_intervals_are_stored_as_read(setup):
    _, enrollment, video, _ = setup
    merged = [[0.0, 4.5], [10.125, 20.0], [99.999, 100.0]]
    LessonProgress.objects.filter(enrollment=enrollment, lesson=video).update(watched=merged)
    row = LessonProgress.objects.get(enrollment=enrollment, lesson=video)
    assert row.watched == merged
    row.watched = []
    row.save(update_fields=["watched"])
    assert LessonProgress.objects.get(pk=row.pk).watched == []
