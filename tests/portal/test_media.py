"""Lesson files: streamed ranges in the embedded default, nginx's to send in production."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.urls import reverse

from portal.media import CHUNK_BYTES
from tests.courses import factories
from tests.support import celery_worker as worker_support

ROOT = Path(__file__).resolve().parents[2]
BIG = 200 * 1024 * 1024
# What "a few MB" means for the serving process while it sends a 200 MB range.
MAX_GROWTH_KB = 4 * 1024


def _lesson_with_file(settings, tmp_path, name: str, size: int):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    with (tmp_path / name).open("wb") as handle:
        handle.truncate(size)  # sparse: no disk written, every byte reads as zero
    course = factories.course(videos=1, texts=0)
    course.lessons.update(video_file=name)
    return course, course.lessons.get()


@pytest.mark.django_db
def test_a_range_is_streamed_in_chunks(client, settings, tmp_path):
    course, lesson = _lesson_with_file(settings, tmp_path, "big.webm", 3 * CHUNK_BYTES + 5)
    user = factories.partner()
    factories.enroll(user, course)
    client.force_login(user)
    url = reverse("courses:lesson_media", args=[lesson.pk, "video"])
    response = client.get(url, HTTP_RANGE="bytes=0-")
    assert response.status_code == 206
    assert response.streaming
    assert response["Content-Length"] == str(3 * CHUNK_BYTES + 5)
    chunks = list(response.streaming_content)
    assert [len(chunk) for chunk in chunks] == [CHUNK_BYTES] * 3 + [5]
    tail = client.get(url, HTTP_RANGE="bytes=-7")
    assert (
        tail["Content-Range"]
        == f"bytes {3 * CHUNK_BYTES - 2}-{3 * CHUNK_BYTES + 4}/{3 * CHUNK_BYTES + 5}"
    )
    assert b"".join(tail.streaming_content) == b"\0" * 7


@pytest.mark.django_db
def test_behind_nginx_the_file_is_handed_over_after_the_check(client, settings, tmp_path):
    settings.MEDIA_ACCEL_REDIRECT = "/_protected-media"
    course, lesson = _lesson_with_file(settings, tmp_path, "courses/videos/intro 1.webm", 0)
    url = reverse("courses:lesson_media", args=[lesson.pk, "video"])
    user = factories.partner()
    client.force_login(user)
    assert client.get(url, HTTP_RANGE="bytes=0-").status_code == 404
    factories.enroll(user, course)
    response = client.get(url, HTTP_RANGE="bytes=0-")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/_protected-media/courses/videos/intro%201.webm"
    assert response["Content-Type"] == "video/webm"
    assert response.content == b""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _status(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            fields[key] = int(value.split()[0])  # kB
    return fields


def _worker_pid(master: int) -> int:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise AssertionError("gunicorn started no worker")


@pytest.mark.django_db(transaction=True)
def test_a_200_mb_range_barely_moves_the_server_memory(client, settings, tmp_path):
    """A real gunicorn worker sends ``bytes=0-`` of a 200 MB lesson; its peak resident
    memory (VmHWM) may grow by a few MB at most."""
    course, lesson = _lesson_with_file(settings, tmp_path, "big.webm", BIG)
    user = factories.partner()
    factories.enroll(user, course)
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": worker_support.test_database_url(),
        "MEDIA_ROOT": str(tmp_path),
        "DEBUG": "false",
        "MEDIA_ACCEL_REDIRECT": "",
    }
    server = subprocess.Popen(
        [
            *[sys.executable, "-m", "gunicorn", "--workers", "1"],
            *["--bind", f"127.0.0.1:{port}", "portal.wsgi:application"],
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        url = base + reverse("courses:lesson_media", args=[lesson.pk, "video"])
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(base + "/healthz", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        worker = _worker_pid(server.pid)
        headers = {"Cookie": cookie}
        for _ in range(3):  # warm: imports, database connection, session, the view
            warm = requests.get(url, headers={**headers, "Range": "bytes=0-1048575"}, timeout=30)
            assert warm.status_code == 206 and len(warm.content) == 1048576
        before = _status(worker)

        received = 0
        with requests.get(
            url, headers={**headers, "Range": "bytes=0-"}, stream=True, timeout=60
        ) as response:
            assert response.status_code == 206
            assert response.headers["Content-Range"] == f"bytes 0-{BIG - 1}/{BIG}"
            for chunk in response.iter_content(1024 * 1024):
                received += len(chunk)
        after = _status(worker)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert received == BIG
    growth = after["VmHWM"] - before["VmHWM"]
    print(
        f"MEDIA_MEMORY 200 MB bytes=0-: worker peak RSS {before['VmHWM']} kB -> "
        f"{after['VmHWM']} kB (+{growth} kB); RSS {before['VmRSS']} kB -> {after['VmRSS']} kB"
    )
    assert growth <= MAX_GROWTH_KB
