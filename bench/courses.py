"""Courses figures: the bulk enrollment upload against COPY, and the partner pages
under real traffic.

- ``enroll_import_100k_s``: a 100,000-row CSV upload of drivers without accounts,
  previewed and confirmed (roster entries, pre-provisioned accounts, attempts and SMS
  outbox rows all written); ``enroll_preview_100k_s`` and ``enroll_confirm_100k_s``
  split it. ``copy_100k_s`` is PostgreSQL ``COPY`` of the same rows into plain tables
  shaped like the four the upload writes, in the same run. Target: import ≤ 10 × copy.
  The upload runs twice and the ``COPY`` three times, taking turns, each after a
  ``CHECKPOINT``; each figure is the best of its runs.
- Partner pages: ``BENCH_PARTNERS`` (2,000) drivers of the upload, each logged in with a
  session of their own (a store of the configured session engine, as Django's
  ``login`` makes it), each opening their video lesson over HTTP as a browser does
  (the page sets the CSRF cookie and carries the report URL and token). Then, under
  gunicorn, in turns (hello, progress, dashboard, three rounds): ``progress_report_*``,
  the player's report, each carrying the next 5 s of that partner's video, so each one
  writes; ``dashboard_*``, the partners' dashboards in turn; ``http_hello_*``, the bare
  view. Each has req/s and p99.
  Targets: progress ≥ 0.5 × hello, dashboard ≥ 0.3 × hello, each p99 ≤ 5 × hello's.
  Afterwards a sample of partners must have exactly the seconds their reports carried.

Bench data uses phone numbers 0107xxxxxxx and course codes BENCH-*; each run removes
the previous run's first. ``BENCH_COURSES_HTTP=0``: the upload figures only;
``BENCH_COURSES_UPLOAD=0``: the partner pages only (the partners are uploaded without
timing); ``BENCH_ONE_PARTNER=1`` adds one partner reporting the same seconds again and
reloading one dashboard (``*_one_partner``), for comparison.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import html
import importlib
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie

from bench import _http

ROWS = 100_000
PHONE_PREFIX = "0107"
COPY_TABLES = ("bench_copy_roster", "bench_copy_user", "bench_copy_enrollment", "bench_copy_outbox")
IMPORT_RUNS = 2
PARTNERS = int(os.environ.get("BENCH_PARTNERS", "2000"))
REPORT_SECONDS = 5
# Long enough that no partner reaches the completion threshold during a bench run.
VIDEO_SECONDS = 1800
TURNS = 3


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
                duration_seconds=VIDEO_SECONDS,
            ),
            Lesson(course=course, position=2, title="글", kind=LessonKind.TEXT, body="본문"),
        ]
    )
    return course


def _csv(deadline: dt.date, rows: int) -> bytes:
    lines = ["휴대폰,이름,생년월일,과정코드,수강기한"]
    lines += [f"{_phone(i)},기사{i},1970-01-01,BENCH-INTRO,{deadline}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def _import(staff, rows: int = ROWS) -> tuple[float, float]:
    from courses.services.imports import import_confirm, import_preview
    from portal import clock
    from portal.celery import app, worker_warm_up

    # A file this large is confirmed by a worker (import_confirm_request), which has
    # warmed up when it started and loaded its broker transport to receive the task.
    worker_warm_up()
    with app.producer_or_acquire():
        pass
    data = _csv(clock.today() + dt.timedelta(days=14), rows)
    started = time.perf_counter()
    batch = import_preview(file_name="bench.csv", data=data, uploaded_by=staff)
    previewed = time.perf_counter()
    batch = import_confirm(batch=batch, confirmed_by=staff)
    confirmed = time.perf_counter()
    assert batch.created_count == rows and batch.accounts_created == rows, batch
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


def _upload_figures(staff):
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


@dataclasses.dataclass
class _Partner:
    session_cookie: str
    enrollment_id: int
    csrf_cookie: str = ""
    csrf_token: str = ""
    progress_path: str = ""


def _partners_logged_in(count: int) -> list[_Partner]:
    """``count`` partners of the upload (first attempt at BENCH-INTRO), each logged in
    with a session of their own, made as Django's login makes one: a store of the
    configured session engine holding the user's id, backend and session hash."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.models import User
    from courses.models import Enrollment

    rows = list(
        Enrollment.objects.filter(course__code="BENCH-INTRO")
        .order_by("pk")
        .values_list("pk", "user_id")[:count]
    )
    if len(rows) < count:
        raise RuntimeError(f"the upload left {len(rows)} partners, {count} wanted")
    users = User.objects.in_bulk([user_id for _, user_id in rows])
    session_store = importlib.import_module(settings.SESSION_ENGINE).SessionStore
    partners = []
    for enrollment_id, user_id in rows:
        user = users[user_id]
        session = session_store()
        session[SESSION_KEY] = user._meta.pk.value_to_string(user)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        partners.append(_Partner(session_cookie=session.session_key, enrollment_id=enrollment_id))
    return partners


_PROGRESS_URL = re.compile(r'data-progress-url="([^"]+)"')
_FORM = re.compile(r"<form[^>]*data-progress-form[^>]*>(.*?)</form>", re.S)
_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _open_lesson(base: str, partner: _Partner) -> None:
    """GET the partner's video lesson as the browser does: the page opens the lesson,
    sets the CSRF cookie, and carries the player's report URL and form token."""
    from django.conf import settings
    from django.urls import reverse

    path = reverse("courses:lesson", args=[partner.enrollment_id, 1])
    traffic = _http.Traffic(
        clients=[
            _http.Client(
                path=path,
                headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={partner.session_cookie}"},
            )
        ]
    )
    status, headers, body = _http.send(base, traffic, 0)
    page = body.decode()
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}")
    cookies = SimpleCookie()
    for name, value in headers:
        if name.lower() == "set-cookie":
            cookies.load(value)
    form = _FORM.search(page)
    url = _PROGRESS_URL.search(page)
    if settings.CSRF_COOKIE_NAME not in cookies or form is None or url is None:
        raise RuntimeError(f"GET {path} gave no player, CSRF cookie or form token")
    partner.csrf_cookie = cookies[settings.CSRF_COOKIE_NAME].value
    partner.csrf_token = html.unescape(_TOKEN.search(form.group(1)).group(1))
    partner.progress_path = html.unescape(url.group(1))


def _partner_traffic(base: str, partners: list[_Partner]) -> dict[str, _http.Traffic]:
    from django.conf import settings
    from django.urls import reverse

    def cookie(partner: _Partner) -> str:
        return (
            f"{settings.SESSION_COOKIE_NAME}={partner.session_cookie}; "
            f"{settings.CSRF_COOKIE_NAME}={partner.csrf_cookie}"
        )

    dashboard = reverse("courses:dashboard")
    return {
        "hello": _http.one("/bench/hello"),
        # The player's report: the next REPORT_SECONDS of the partner's video each time,
        # with the lesson page's CSRF token.
        "progress": _http.Traffic(
            clients=[
                _http.Client(
                    path=p.progress_path,
                    headers={"Cookie": cookie(p), "X-CSRFToken": p.csrf_token},
                )
                for p in partners
            ],
            method="POST",
            body="s={start}-{end}&pos={end}",
            step=REPORT_SECONDS,
            content_type="application/x-www-form-urlencoded",
        ),
        "dashboard": _http.Traffic(
            clients=[_http.Client(path=dashboard, headers={"Cookie": cookie(p)}) for p in partners]
        ),
    }


def _check_reports_written(base: str, progress: _http.Traffic, turns: int) -> None:
    """Every report wrote: one more report of a sample of partners answers the seconds
    watched, which must be all the seconds their reports carried.

    A report in flight when a load stopped may have been sent or not: each turn may
    leave one report per partner uncounted."""
    import json

    count, sent = len(progress.clients), progress.sent
    for index in range(0, count, max(1, count // 50)):
        n = sent + (index - sent) % count
        status, _, body = _http.send(base, progress, n)
        reports = n // count + 1
        watched = json.loads(body).get("watched") if status == 200 else None
        low, high = (reports - turns) * REPORT_SECONDS, reports * REPORT_SECONDS
        if watched is None or not low <= watched <= high:
            raise RuntimeError(
                f"partner {index}: {reports} reports of {REPORT_SECONDS} s, "
                f"answered {status} watched={watched}"
            )
        progress.sent = max(progress.sent, n + 1)


def _partner_figures():
    from django.db import connection

    started = time.monotonic()
    partners = _partners_logged_in(PARTNERS)
    print(f"# {len(partners)} sessions in {time.monotonic() - started:.1f} s", flush=True)
    # Statistics as on a live database (autovacuum would have analysed the upload's
    # rows by now).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()
    with _http.gunicorn() as base:
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(functools.partial(_open_lesson, base), partners))
        print(f"# lessons opened in {time.monotonic() - started:.1f} s", flush=True)
        traffic = _partner_traffic(base, partners)
        if os.environ.get("BENCH_ONE_PARTNER") == "1":
            # For comparison only: one session reporting the same seconds again and
            # again (nothing new to write), and reloading its own dashboard.
            traffic["progress_one_partner"] = dataclasses.replace(
                traffic["progress"],
                clients=traffic["progress"].clients[:1],
                step=0,
                body=f"s=0-{REPORT_SECONDS}&pos={REPORT_SECONDS}",
            )
            traffic["dashboard_one_partner"] = dataclasses.replace(
                traffic["dashboard"], clients=traffic["dashboard"].clients[:1]
            )
        figures = _http.load_in_turns(base, traffic, rounds=TURNS)
        _check_reports_written(base, traffic["progress"], TURNS)
    print(
        f"# {len(partners)} partners, {traffic['progress'].sent} progress reports of "
        f"{REPORT_SECONDS} s new each, {_http.CONNECTIONS} connections",
        flush=True,
    )
    hello = figures["hello"]
    for name, label in (
        ("hello", "http_hello"),
        ("progress", "progress_report"),
        ("dashboard", "dashboard"),
        ("progress_one_partner", "progress_report_one_partner"),
        ("dashboard_one_partner", "dashboard_one_partner"),
    ):
        if name in figures:
            yield f"{label}_rps", figures[name].rps, "req/s"
            yield f"{label}_p99_ms", figures[name].p99_ms, "ms"
    for name in ("progress", "dashboard", "progress_one_partner", "dashboard_one_partner"):
        if name in figures:
            yield f"{name}_over_hello", figures[name].rps / hello.rps, "ratio"
            yield f"{name}_p99_over_hello", figures[name].p99_ms / hello.p99_ms, "ratio"
    for name, at_least in (("progress", 0.5), ("dashboard", 0.3)):
        ratio = figures[name].rps / hello.rps
        p99_ratio = figures[name].p99_ms / hello.p99_ms
        print(
            f"# target {name}_over_hello >= {at_least}: {_met(ratio >= at_least)}; "
            f"{name}_p99_over_hello <= 5: {_met(p99_ratio <= 5)}",
            flush=True,
        )


def _met(held: bool) -> str:
    return "met" if held else "MISSED"


def run(ctx):
    from accounts.models import User

    staff, _ = User.objects.get_or_create(
        username="bench-staff", defaults={"is_staff": True, "name": "벤치 관리자"}
    )
    if os.environ.get("BENCH_COURSES_UPLOAD", "1") != "0":
        yield from _upload_figures(staff)
    else:
        _cleanup()
        _course()
        _import(staff, rows=PARTNERS)
    if os.environ.get("BENCH_COURSES_HTTP", "1") != "0":
        yield from _partner_figures()
