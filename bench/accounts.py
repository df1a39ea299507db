"""Account figures: login throughput against raw Argon2 checks, and the daily
180-day reminder sweep over 1,000,000 accounts against a bare SQL count.

- ``login_rps``: login POSTs (ID + password, CSRF, a new session each) under gunicorn
  with PostgreSQL, load from another process for a fixed time.
- ``argon2_verify_per_s``: raw checks with the same hasher, as many processes as
  gunicorn has workers, in the same run. Target: login ≥ 0.7 × raw verify.
- ``reminder_sweep_1m_s`` / ``reminder_sweep_peak_mb``: the whole daily job (select the
  due accounts, queue their SMS, record them) over 1,000,000 accounts, one in 180 of
  them due, run in a child process (peak = its maximum RSS), next to
  ``reminder_sql_count_1m_s``: ``SELECT count(*)`` with the job's own predicate
  (``password_reminder_due``), in the same run.
  Targets: sweep ≤ 3 × count, peak ≤ 300 MB.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import secrets
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

from bench import _http

BENCH_PHONE = "01099990000"
BENCH_PASSWORD = "Bench1234!"
ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", "1000000"))
VERIFY_SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS", "10"))


def _verify_worker(args) -> float:
    encoded, seconds = args
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    from django.contrib.auth.hashers import check_password

    check_password(BENCH_PASSWORD, encoded)  # warm
    done = 0
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if not check_password(BENCH_PASSWORD, encoded):
            raise RuntimeError("hash check failed")
        done += 1
    return done / (time.monotonic() - started)


def _raw_verify_per_s(encoded: str, workers: int) -> float:
    """Checks per second of ``workers`` processes checking at the same time (timed
    inside each process, after Django has started)."""
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        return sum(pool.map(_verify_worker, [(encoded, VERIFY_SECONDS)] * workers))


def _bench_partner():
    from accounts.models import User
    from accounts.services.passwords import password_set

    user = User.objects.filter(username=BENCH_PHONE).first()
    if user is None:
        user = User.objects.create(username=BENCH_PHONE, phone=BENCH_PHONE, name="벤치")
    password_set(user=user, password=BENCH_PASSWORD)
    user.refresh_from_db()
    return user


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _check_login_redirects(url: str, body: bytes, headers: dict[str, str]) -> None:
    """One login first: it must succeed (302 to the next page), not show the form again."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        status = urllib.request.build_opener(_NoRedirect).open(request, timeout=10).status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 302:
        raise RuntimeError(f"login answered {status}, expected 302")


def _login_figures(ctx):
    from django.urls import reverse

    login_path = reverse("account_login")
    user = _bench_partner()
    workers = os.cpu_count() or 2
    csrf = secrets.token_hex(16)  # 32 characters: Django accepts an unmasked secret
    body = f"login={BENCH_PHONE}&password={BENCH_PASSWORD}&csrfmiddlewaretoken={csrf}".encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={csrf}",
        "Referer": "http://127.0.0.1" + login_path,
    }
    env = {"LOGIN_RATE_LIMIT": "1000000/m/ip"}
    # One connection per worker: every login is an Argon2 check (hundreds of ms), so
    # more connections would only queue behind the workers and hit wrk's timeout.
    with _http.gunicorn(workers=workers, env=env) as base:
        url = base + login_path
        headers["Referer"] = url
        _check_login_redirects(url, body, headers)
        login = _http.Traffic(
            clients=[_http.Client(path=login_path, headers=headers)],
            method="POST",
            body=body.decode(),
            expect_status=302,
        )
        # The Python load generator (10 s socket timeout): wrk's fixed 2 s timeout
        # would count a login still hashing when the run ends as an error.
        login_rps = _http.python_load(base, login, connections=workers).rps
    verify = _raw_verify_per_s(user.password, workers)
    yield "login_rps", login_rps, "req/s"
    yield "argon2_verify_per_s", verify, "checks/s"
    yield "login_over_argon2_verify", login_rps / verify, "ratio"


# --- The reminder sweep over 1,000,000 accounts ----------------------------------------

_DUE_EVERY = 180  # one account in 180 crosses 180 days on a given day


def _populate(now: dt.datetime) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    # A real Argon2 hash, so every row has a usable password of realistic width.
    encoded = make_password(BENCH_PASSWORD)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_user WHERE username LIKE 'bench-sweep-%%'")
        cursor.execute(
            """
            INSERT INTO accounts_user (
                password, is_superuser, username, first_name, last_name, email, is_staff,
                is_active, date_joined, phone, name, qualification_no, driver_type,
                password_changed_at)
            SELECT %s, false, 'bench-sweep-' || i, '', '', '', false, true, %s,
                   '0108' || lpad(i::text, 7, '0'), '벤치', '', '',
                   %s - make_interval(days => 180 - (i %% %s))
            FROM generate_series(1, %s) AS i
            """,
            [encoded, now, now, _DUE_EVERY, ACCOUNTS],
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE accounts_user")


def _reset_due() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_user SET password_reminded_at = NULL"
            " WHERE username LIKE 'bench-sweep-%%' AND password_reminded_at IS NOT NULL"
        )
        cursor.execute("DELETE FROM sms_outboxmessage WHERE kind = 'password_reminder'")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE accounts_user")
        cursor.execute("VACUUM ANALYZE sms_outboxmessage")


def _count_sql(now: dt.datetime) -> tuple[str, list]:
    """``SELECT count(*)`` with the job's own predicate, compiled by the ORM."""
    from django.db import connection

    from accounts.models import User
    from accounts.services.passwords import password_reminder_due, user_filter_sql

    where, params = user_filter_sql(password_reminder_due(now=now), connection=connection)
    return f"SELECT count(*) FROM {User._meta.db_table} WHERE {where}", params


def _count_seconds(now: dt.datetime) -> tuple[float, int]:
    from django.db import connection

    sql, params = _count_sql(now)
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(sql, params)
        count = cursor.fetchone()[0]
        return time.perf_counter() - started, count


def _select_seconds(now: dt.datetime) -> float:
    """The job's selection alone: the same read of the due ids, no writes."""
    from accounts.models import User
    from accounts.services.passwords import password_reminder_due

    started = time.perf_counter()
    list(
        User.objects.filter(password_reminder_due(now=now)).order_by().values_list("id", flat=True)
    )
    return time.perf_counter() - started


_SWEEP_CHILD = """
import os, resource, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django.setup()
import datetime as dt
from django.db import connection
from accounts.services.passwords import password_reminders_send
from portal.celery import app, worker_warm_up
# What a worker has done before it runs the job: imported the task modules, warmed up
# (portal.celery.worker_warm_up), opened its database connection and loaded its broker
# transport.
app.loader.import_default_modules()
worker_warm_up()
connection.ensure_connection()
with app.producer_or_acquire():
    pass
now = dt.datetime.fromisoformat(sys.argv[1])
started = time.perf_counter()
queued = password_reminders_send(now=now)
elapsed = time.perf_counter() - started
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{elapsed} {peak_kb} {queued}")
"""


def _sweep(ctx, now: dt.datetime) -> tuple[float, float, int]:
    out = subprocess.run(
        [sys.executable, "-c", _SWEEP_CHILD, now.isoformat()],
        cwd=ctx.root,
        env=ctx.env(CELERY_TASK_ALWAYS_EAGER="false"),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return float(out[0]), int(out[1]) / 1024, int(out[2])


def _sweep_figures(ctx):
    from portal import clock

    now = clock.now()
    _populate(now)
    try:
        counts, selects, sweeps, peaks = [], [], [], []
        for _ in range(3):
            _reset_due()
            for _ in range(3):
                seconds, due = _count_seconds(now)
                counts.append(seconds)
                selects.append(_select_seconds(now))
            seconds, peak, queued = _sweep(ctx, now)
            if queued != due:
                raise RuntimeError(f"sweep queued {queued} reminders, {due} were due")
            sweeps.append(seconds)
            peaks.append(peak)
        yield "reminder_due_accounts", due, "accounts"
        yield "reminder_sql_count_1m_s", statistics.median(counts), "s"
        yield "reminder_select_1m_s", statistics.median(selects), "s"
        yield "reminder_sweep_1m_s", statistics.median(sweeps), "s"
        yield (
            "reminder_sweep_over_count",
            statistics.median(sweeps) / statistics.median(counts),
            "ratio",
        )
        yield "reminder_sweep_peak_mb", max(peaks), "MB"
    finally:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM sms_outboxmessage WHERE kind = 'password_reminder'")
            cursor.execute("DELETE FROM accounts_user WHERE username LIKE 'bench-sweep-%%'")


def run(ctx):
    yield from _login_figures(ctx)
    yield from _sweep_figures(ctx)
