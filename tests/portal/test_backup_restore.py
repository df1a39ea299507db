"""Backup and restore as docs/operations.md says: pg_dump, pg_restore into a fresh
database, and the portal serves from the restored copy."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import requests
from django.conf import settings
from django.urls import reverse

from tests.courses import factories
from tests.support import celery_worker as worker_support

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Restore12!x"

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _admin_url() -> str:
    return worker_support.test_database_url().rsplit("/", 1)[0] + "/postgres"


def test_a_restored_dump_serves_the_portal(tmp_path):
    user = factories.partner(password=PASSWORD)
    course = factories.course(videos=0, texts=1)
    factories.enroll(user, course)

    dump = tmp_path / "portal.dump"
    source = worker_support.test_database_url()
    # The documented backup: pg_dump's custom format, without owners.
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source], check=True
    )
    restored_name = f"{settings.DATABASES['default']['NAME']}_restored"
    restored = source.rsplit("/", 1)[0] + f"/{restored_name}"
    with psycopg.connect(_admin_url(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}"')
        admin.execute(f'CREATE DATABASE "{restored_name}"')
    server = None
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored}", str(dump)],
            check=True,
        )
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env.update({"DATABASE_URL": restored, "DEBUG": "false"})
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
                "portal.wsgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                ready = requests.get(base + "/readyz", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        # Every migration is there and the database answers.
        assert ready.status_code == 200, ready.text
        session = requests.Session()
        login_page = session.get(base + reverse("account_login"), timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text)[1]
        logged_in = session.post(
            base + reverse("account_login"),
            data={"csrfmiddlewaretoken": token, "login": user.phone, "password": PASSWORD},
            headers={"Referer": base + reverse("account_login")},
            allow_redirects=False,
            timeout=30,
        )
        assert logged_in.status_code == 302, logged_in.text[:2000]
        dashboard = session.get(base + reverse("courses:dashboard"), timeout=30)
        assert dashboard.status_code == 200
        assert course.title in dashboard.text
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        with psycopg.connect(_admin_url(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
