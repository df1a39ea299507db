"""Shared pieces of the HTTP benchmarks: gunicorn in a subprocess, load from another.

The portal runs under gunicorn on 127.0.0.1 exactly as in production (sync workers,
one per core, PostgreSQL); the load comes from a second process for a fixed time:
``wrk`` when the machine has it (``make bench`` installs Debian's package), otherwise a
small multi-process Python client. Figures compared with each other (a page against
``/bench/hello``) are always measured in the same run with the same tool, taking turns
(:func:`load_in_turns`), so that a machine that speeds up or slows down during the run
weighs on each of them alike.
"""

import contextlib
import multiprocessing
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DURATION_S = float(os.environ.get("BENCH_HTTP_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_HTTP_CONNECTIONS", "8"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(*, workers: int | None = None, env: dict[str, str] | None = None) -> Iterator[str]:
    """Serve the portal under gunicorn; yields the base URL (no trailing slash)."""
    port = free_port()
    workers = workers or os.cpu_count() or 2
    process_env = dict(os.environ)
    process_env.update(
        {
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DB_CONN_MAX_AGE": "600",
        }
    )
    process_env.update(env or {})
    # Kept open for the life of the server; removed in the finally below.
    log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=process_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, proc, log.name)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        os.unlink(log.name)


def _wait_until_up(base: str, proc: subprocess.Popen, log_path: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited:\n" + Path(log_path).read_text()[-2000:])
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 30 s")


def load(
    url: str,
    *,
    seconds: float = DURATION_S,
    connections: int = CONNECTIONS,
    method: str = "GET",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    expect_status: int = 200,
) -> float:
    """Requests per second that ``url`` sustains for ``seconds`` (non-2xx/3xx fail)."""
    warm(url, method=method, body=body, headers=headers, expect_status=expect_status)
    if shutil.which("wrk"):
        return _wrk(url, seconds, connections, method, body, headers or {})
    return _python_load(url, seconds, connections, method, body, headers or {}, expect_status)


def load_in_turns(
    targets: dict[str, dict], *, seconds: float = DURATION_S, rounds: int = 3
) -> dict[str, float]:
    """Requests per second of each target (``name: load() keyword arguments``, ``url``
    included), measured in ``rounds`` turns of ``seconds / rounds`` each, every round
    beginning with the next target: the mean of a target's rounds, all equally long."""
    turn = max(1.0, round(seconds / rounds))
    names = list(targets)
    results: dict[str, list[float]] = {name: [] for name in names}
    for index in range(rounds):
        for name in names[index % len(names) :] + names[: index % len(names)]:
            results[name].append(load(**targets[name], seconds=turn))
    return {name: sum(values) / len(values) for name, values in results.items()}


def warm(url, *, method="GET", body=b"", headers=None, expect_status=200) -> None:
    """One request first: a wrong status stops the benchmark instead of timing errors."""
    request = urllib.request.Request(url, data=body or None, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != expect_status:
        raise RuntimeError(f"{method} {url} answered {status}, expected {expect_status}")


def _wrk(url, seconds, connections, method, body, headers) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f"wrk.method = {_lua(method)}\n")
        if body:
            script.write(f"wrk.body = {_lua(body.decode())}\n")
        for key, value in headers.items():
            script.write(f"wrk.headers[{_lua(key)}] = {_lua(value)}\n")
        script.write(
            "done = function(summary, latency, requests)\n"
            "  io.write(string.format('ERRORS %d %d\\n', summary.errors.status,"
            " summary.errors.connect + summary.errors.read + summary.errors.write"
            " + summary.errors.timeout))\nend\n"
        )
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t",
                "1",
                "-c",
                str(connections),
                "-d",
                f"{max(1, round(seconds))}s",
                "--latency",
                "-s",
                script.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    bad_status, socket_errors = map(int, re.search(r"ERRORS (\d+) (\d+)", out).groups())
    if bad_status:
        raise RuntimeError(f"{bad_status} responses outside 2xx/3xx from {url}:\n{out}")
    if socket_errors:
        raise RuntimeError(f"{socket_errors} socket errors from {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def _lua(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _python_worker(args) -> int:
    import http.client
    from urllib.parse import urlsplit

    url, seconds, method, body, headers, expect_status = args
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    done = 0
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != expect_status:
            raise RuntimeError(f"{method} {url} answered {response.status}")
        done += 1
    return done


def _python_load(url, seconds, connections, method, body, headers, expect_status) -> float:
    args = [(url, seconds, method, body, headers, expect_status)] * connections
    started = time.monotonic()
    with multiprocessing.get_context("spawn").Pool(connections) as pool:
        total = sum(pool.map(_python_worker, args))
    return total / (time.monotonic() - started)
