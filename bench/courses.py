"""Courses figures: the bulk enrollment upload against COPY, and two partner endpoints.

- ``enroll_import_100k_s``: a 100,000-row CSV upload of drivers without accounts,
  previewed and confirmed (roster entries, pre-provisioned accounts, attempts and SMS
  outbox rows all written), on PostgreSQL. ``enroll_preview_100k_s`` and
  ``enroll_confirm_100k_s`` split it. ``copy_100k_s`` is PostgreSQL ``COPY`` of the same
  rows into plain tables shaped like the four written by the upload (roster, user,
  enrollment, outbox), in the same run. Target: import ≤ 10 × copy. The upload runs
  twice and the ``COPY`` three times, taking turns, and each figure is the best of its
  runs: a slow moment of a shared machine then decides neither side of the ratio.
- ``progress_report_rps`` (the player's report, POST) and ``dashboard_rps`` (GET
  /courses/ with 5 attempts), under gunicorn, next to ``http_hello_rps`` measured the
  same way in the same run, the three taking turns. Target: each ≥ 0.5 × hello.

Bench data uses phone numbers 0107xxxxxxx and course codes BENCH-*; each run removes
the previous run's first. ``BENCH_COURSES_HTTP=0`` runs the upload and ``COPY`` figures
only.
"""

from __future__ import annotations

import datetime as dt
import os
import time

from bench import _http

ROWS = 100_000
PHONE_PREFIX = "0107"
COPY_TABLES = ("bench_copy_roster", "bench_copy_user", "bench_copy_enrollment", "bench_copy_outbox")
IMPORT_RUNS = 2


def _phone(i: int) -> str:
    return f"{PHONE_PREFIX}{i:07d}"


def _cleanup() -> None:
    from django.db import connection

    from accounts.models import RosterEntry, User
    from courses.models import Course, DeadlineChange, Enrollment, ImportBatch, LessonProgress
    from portal.sms.models import OutboxMessage

    tables = [
        model._meta.db_table for model in (LessonProgress, DeadlineChange, Enrollment, ImportBatch)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE "
            + ", ".join(tables)
            + ", "
            + Enrollment.history.model._meta.db_table
            + " RESTART IDENTITY"
        )
        cursor.execute(
            f"DELETE FROM {OutboxMessage._meta.db_table} WHERE idempotency_key LIKE 'courses:%%'"
        )
        roster = RosterEntry._meta.db_table
        for table in (
            RosterEntry.services.through._meta.db_table,
            RosterEntry.history.model._meta.db_table,
        ):
            column = "rosterentry_id" if table.endswith("_services") else "phone"
            if column == "phone":
                cursor.execute(f"DELETE FROM {table} WHERE phone LIKE %s", [PHONE_PREFIX + "%"])
            else:
                cursor.execute(
                    f"DELETE FROM {table} WHERE rosterentry_id IN "
                    f"(SELECT id FROM {roster} WHERE phone LIKE %s)",
                    [PHONE_PREFIX + "%"],
                )
        cursor.execute(f"DELETE FROM {roster} WHERE phone LIKE %s", [PHONE_PREFIX + "%"])
        cursor.execute(
            f"DELETE FROM {User.history.model._meta.db_table} WHERE phone LIKE %s",
            [PHONE_PREFIX + "%"],
        )
        cursor.execute(
            f"DELETE FROM {User._meta.db_table} WHERE phone LIKE %s", [PHONE_PREFIX + "%"]
        )
    Course.objects.filter(code__startswith="BENCH-").delete()
    # Each run deletes the previous run's 100,000 drivers (and an earlier group may have
    # deleted a million accounts): without a full vacuum the next run would write into
    # tables and indexes full of dead rows and empty pages, and slow down run by run.
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM FULL ANALYZE "
            + ", ".join(
                model._meta.db_table
                for model in (
                    RosterEntry,
                    RosterEntry.history.model,
                    User,
                    User.history.model,
                    OutboxMessage,
                    Enrollment,
                    Enrollment.history.model,
                )
            )
        )


def _checkpoint() -> None:
    """Start a measured step right after a checkpoint.

    The cleanup and every upload write hundreds of megabytes of WAL: a checkpoint that
    the server would start in the middle of the next step, and the full page images
    that follow any checkpoint, would fall on whichever step came next. Each step (the
    upload, each ``COPY``) starts from the same state instead.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")


def _course():
    from accounts.models import Service
    from courses.models import Course, CourseKind, Lesson, LessonKind

    service, _ = Service.objects.get_or_create(code="bench", defaults={"name": "벤치 서비스"})
    course = Course.objects.create(
        code="BENCH-INTRO", title="벤치 입문 교육", kind=CourseKind.INTRO, service=service
    )
    Lesson.objects.bulk_create(
        [
            Lesson(
                course=course,
                position=1,
                title="영상",
                kind=LessonKind.VIDEO,
                video_url="https://video.invalid/v.webm",
                duration_seconds=600,
            ),
            Lesson(course=course, position=2, title="글", kind=LessonKind.TEXT, body="본문"),
        ]
    )
    return course


def _csv(deadline: dt.date) -> bytes:
    lines = ["휴대폰,이름,생년월일,과정코드,수강기한"]
    lines += [f"{_phone(i)},기사{i},1970-01-01,BENCH-INTRO,{deadline}" for i in range(ROWS)]
    return ("\n".join(lines) + "\n").encode()


def _import(staff) -> tuple[float, float]:
    from courses.services.imports import import_confirm, import_preview
    from portal import clock
    from portal.celery import app, worker_warm_up

    # A file this large is confirmed by a worker (import_confirm_request), which has
    # warmed up when it started and loaded its broker transport to receive the task.
    worker_warm_up()
    with app.producer_or_acquire():
        pass
    data = _csv(clock.today() + dt.timedelta(days=14))
    started = time.perf_counter()
    batch = import_preview(file_name="bench.csv", data=data, uploaded_by=staff)
    previewed = time.perf_counter()
    batch = import_confirm(batch=batch, confirmed_by=staff)
    confirmed = time.perf_counter()
    assert batch.created_count == ROWS and batch.accounts_created == ROWS, batch
    return previewed - started, confirmed - previewed


def _copy() -> float:
    """COPY the same 100,000 drivers into plain tables shaped like the upload's writes."""
    from django.db import connection

    now = "2026-03-02 09:00:00+09"
    with connection.cursor() as cursor:
        # Each COPY writes into tables of its own: the last run's go first.
        for table in COPY_TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            "CREATE TABLE bench_copy_roster (id bigserial, phone varchar(11), name varchar(50),"
            " birth_date date, created_at timestamptz, updated_at timestamptz)"
        )
        cursor.execute(
            "CREATE TABLE bench_copy_user (id bigserial, username varchar(150),"
            " phone varchar(11), name varchar(50), birth_date date, password varchar(128),"
            " provisioned_at timestamptz, date_joined timestamptz)"
        )
        cursor.execute(
            "CREATE TABLE bench_copy_enrollment (id bigserial, user_id bigint, course_id bigint,"
            " attempt int, window_start date, deadline date, status varchar(12),"
            " created_at timestamptz, import_key varchar(64))"
        )
        cursor.execute(
            'CREATE TABLE bench_copy_outbox (id bigserial, "to" varchar(20), body text,'
            " kind varchar(40), idempotency_key varchar(200), created_at timestamptz)"
        )
    raw = connection.connection
    started = time.perf_counter()
    with raw.cursor() as cursor:
        tables = {
            "bench_copy_roster (phone, name, birth_date, created_at, updated_at)": (
                (_phone(i), f"기사{i}", "1970-01-01", now, now) for i in range(ROWS)
            ),
            "bench_copy_user (username, phone, name, birth_date, password, provisioned_at,"
            " date_joined)": (
                (_phone(i), _phone(i), f"기사{i}", "1970-01-01", "!" + "x" * 40, now, now)
                for i in range(ROWS)
            ),
            "bench_copy_enrollment (user_id, course_id, attempt, window_start, deadline,"
            " status, created_at, import_key)": (
                (i, 1, 1, "2026-03-02", "2026-03-16", "assigned", now, f"{i:064d}")
                for i in range(ROWS)
            ),
            'bench_copy_outbox ("to", body, kind, idempotency_key, created_at)': (
                (_phone(i), "안내 " * 40, "courses.enrolled", f"courses:enrolled:{i}", now)
                for i in range(ROWS)
            ),
        }
        for target, rows in tables.items():
            with cursor.copy(f"COPY {target} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    raw.commit()
    return time.perf_counter() - started


def _partner(course_count: int = 5):
    from django.test import Client

    from accounts.models import User
    from courses.models import Course, CourseKind, Enrollment, Lesson, LessonKind
    from courses.services.enrollments import EnrollmentSpec, enrollments_create
    from courses.services.progress import lesson_open
    from portal import clock

    phone = _phone(9_999_999)
    user = User.objects.create_user(username=phone, phone=phone, name="벤치", password=None)
    service = Course.objects.get(code="BENCH-INTRO").service
    courses = [Course.objects.get(code="BENCH-INTRO")] + [
        Course.objects.create(
            code=f"BENCH-{n}", title=f"벤치 {n}", kind=CourseKind.REFRESH, service=service
        )
        for n in range(1, course_count)
    ]
    for course in courses[1:]:
        Lesson.objects.create(
            course=course, position=1, title="글", kind=LessonKind.TEXT, body="본문"
        )
    today = clock.today()
    enrollment_ids = enrollments_create(
        specs=[
            EnrollmentSpec(
                user_id=user.pk,
                phone=phone,
                course_id=course.pk,
                deadline=today + dt.timedelta(days=30),
                window_start=today,
            )
            for course in courses
        ],
        created_by_id=None,
    )
    video = courses[0].lessons.get(position=1)
    first = Enrollment.objects.get(pk=enrollment_ids[0])
    lesson_open(enrollment=first, lesson=video)
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value, first.pk, video.pk


def run(ctx):
    from django.db import connection
    from django.middleware.csrf import _get_new_csrf_string

    from accounts.models import User

    staff, _ = User.objects.get_or_create(
        username="bench-staff", defaults={"is_staff": True, "name": "벤치 관리자"}
    )
    _checkpoint()
    copies = [_copy()]
    imports = []
    for _ in range(IMPORT_RUNS):
        _cleanup()
        _course()
        _checkpoint()
        imports.append(_import(staff))
        _checkpoint()
        copies.append(_copy())
    preview_s, confirm_s = min(imports, key=sum)
    copy_s = min(copies)
    print(
        "# upload runs (s): "
        + ", ".join(f"{sum(run):.2f}" for run in imports)
        + "; COPY runs (s): "
        + ", ".join(f"{run:.2f}" for run in copies),
        flush=True,
    )
    yield "enroll_preview_100k_s", preview_s, "s"
    yield "enroll_confirm_100k_s", confirm_s, "s"
    yield "enroll_import_100k_s", preview_s + confirm_s, "s"
    yield "copy_100k_s", copy_s, "s"
    yield "enroll_import_over_copy", (preview_s + confirm_s) / copy_s, "ratio"
    if os.environ.get("BENCH_COURSES_HTTP", "1") == "0":
        return

    session, enrollment_id, lesson_id = _partner()
    # Statistics as on a live database: the cleanup analysed the tables nearly empty,
    # and the pages' prepared statements are planned from them.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()
    token = _get_new_csrf_string()
    cookie = f"sessionid={session}; csrftoken={token}"
    with _http.gunicorn() as base:
        rps = _http.load_in_turns(
            {
                "hello": {"url": base + "/bench/hello"},
                "progress": {
                    "url": f"{base}/api/courses/{enrollment_id}/progress/{lesson_id}",
                    "method": "POST",
                    "body": b"s=0-4.5&pos=4.5",
                    "headers": {
                        "Cookie": cookie,
                        "X-CSRFToken": token,
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Referer": base + "/",
                        "Host": base.removeprefix("http://"),
                    },
                },
                "dashboard": {"url": base + "/courses/", "headers": {"Cookie": cookie}},
            }
        )
    hello, progress, dashboard = rps["hello"], rps["progress"], rps["dashboard"]
    yield "http_hello_rps", hello, "req/s"
    yield "progress_report_rps", progress, "req/s"
    yield "dashboard_rps", dashboard, "req/s"
    yield "progress_report_over_hello", progress / hello, "ratio"
    yield "dashboard_over_hello", dashboard / hello, "ratio"
