"""Shared pieces of the HTTP benchmarks: gunicorn in a subprocess, load from another.

The portal runs under gunicorn on 127.0.0.1 with the production web service's worker
options (read from ``docker-compose.yml``) and the bench's settings
(``bench.settings``: the portal's, plus ``/bench/hello``). The load comes from a second
process for a fixed time: ``wrk`` when the machine has it (Debian package ``wrk``),
otherwise a small multi-process Python client. Both send a :class:`Traffic`: one
request per client in turn (a partner's session, its own path and cookies), and for the
progress report the next seconds of that client's video in each body.

Figures compared with each other (a page against ``/bench/hello``) are measured in the
same run with the same tool, taking turns (:func:`load_in_turns`), so that a machine
that speeds up or slows down during the run weighs on each of them alike.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import re
import shlex
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
CONNECTIONS = int(os.environ.get("BENCH_HTTP_CONNECTIONS", "16"))
SETTINGS_MODULE = "bench.settings"


@dataclasses.dataclass
class Client:
    """One client of a :class:`Traffic`: the path it asks for and its headers."""

    path: str
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Traffic:
    """Requests sent to clients in turn: request ``n`` goes to client ``n % len(clients)``.

    With ``step`` set, ``body`` is a template: ``{start}`` and ``{end}`` become the
    ``step`` seconds after those the client sent last (its ``n // len(clients)``-th
    chunk), so each request carries new data. ``sent`` counts requests over every load
    of this traffic, so a later turn goes on where the earlier one stopped.
    """

    clients: list[Client]
    method: str = "GET"
    body: str = ""
    step: int = 0
    content_type: str = ""
    expect_status: int = 200
    sent: int = 0

    def body_for(self, n: int) -> str:
        if not self.step:
            return self.body
        start = (n // len(self.clients)) * self.step
        return self.body.replace("{start}", str(start)).replace("{end}", str(start + self.step))


@dataclasses.dataclass
class Figure:
    rps: float
    p99_ms: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_WORKER_OPTIONS = {
    "-c",
    "--config",
    "-w",
    "--workers",
    "-k",
    "--worker-class",
    "--threads",
    "-t",
    "--timeout",
}


def production_worker_options() -> list[str]:
    """The web service's gunicorn worker options (config file, workers, class, threads,
    timeout).

    Read from the ``gunicorn`` command of ``docker-compose.yml``'s web service, or of
    the repository script that command runs. A ``gunicorn.conf.py`` in the repository
    root is read by gunicorn itself.
    """
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = compose["services"]["web"]["command"]
    texts = [command if isinstance(command, str) else shlex.join(command)]
    for word in shlex.split(texts[0].replace('"', " ").replace("'", " ")):
        candidate = ROOT / word.removeprefix("./").removeprefix("/app/")
        if word and candidate.is_file():
            texts.append(candidate.read_text())
    for text in texts:
        for line in re.split(r"&&|;|\n", text.replace('"', " ")):
            words = shlex.split(line, comments=True)
            if "gunicorn" not in words:
                continue
            options = []
            for index, word in enumerate(words):
                name, _, value = word.partition("=")
                if name in _WORKER_OPTIONS:
                    options += [name, _expand(value or words[index + 1])]
            return options
    if (ROOT / "gunicorn.conf.py").is_file():
        return []
    raise RuntimeError("docker-compose.yml's web service runs no gunicorn command found")


def _expand(value: str) -> str:
    """``${NAME:-default}`` and ``$NAME`` as the shell would expand them here."""
    value = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: os.environ.get(m[1], m[2]), value)
    return re.sub(r"\$\{?(\w+)\}?", lambda m: os.environ.get(m[1], ""), value)


@contextlib.contextmanager
def gunicorn(*, workers: int | None = None, env: dict[str, str] | None = None) -> Iterator[str]:
    """Serve the portal under gunicorn; yields the base URL (no trailing slash).

    ``workers`` overrides the production worker count (the login figure compares with
    as many Argon2 processes as there are workers).
    """
    port = free_port()
    options = production_worker_options()
    if workers is not None:
        options = [*_without_worker_count(options), "--workers", str(workers)]
    process_env = dict(os.environ)
    process_env.update(
        {
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
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
            *options,
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
        print(f"# gunicorn {' '.join(options)}", flush=True)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        os.unlink(log.name)


def _without_worker_count(options: list[str]) -> list[str]:
    kept = []
    for name, value in zip(options[::2], options[1::2], strict=True):
        if name not in {"-w", "--workers"}:
            kept += [name, value]
    return kept


def _wait_until_up(base: str, proc: subprocess.Popen, log_path: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited:\n" + Path(log_path).read_text()[-2000:])
        try:
            with urllib.request.urlopen(base + "/bench/hello", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(
        "gunicorn did not answer within 120 s:\n" + Path(log_path).read_text()[-2000:]
    )


def one(url: str, **request) -> Traffic:
    """The same request again and again (one client)."""
    return Traffic(clients=[Client(path=url)], **request)


def load(
    base: str, traffic: Traffic, *, seconds: float = DURATION_S, connections: int = CONNECTIONS
) -> Figure:
    """Requests per second and p99 latency of ``traffic`` for ``seconds``; any answer
    other than ``traffic.expect_status`` stops the benchmark."""
    if shutil.which("wrk") and not os.environ.get("BENCH_PYTHON_CLIENT"):
        return _wrk(base, traffic, seconds, connections)
    return python_load(base, traffic, seconds=seconds, connections=connections)


def load_in_turns(
    base: str, targets: dict[str, Traffic], *, seconds: float = DURATION_S, rounds: int = 3
) -> dict[str, Figure]:
    """Each target's figure, measured in ``rounds`` turns of ``seconds / rounds`` each,
    every round beginning with the next target: the mean of a target's rounds (all
    equally long) for both the rate and the p99."""
    turn = max(1.0, round(seconds / rounds))
    names = list(targets)
    results: dict[str, list[Figure]] = {name: [] for name in names}
    for index in range(rounds):
        for name in names[index % len(names) :] + names[: index % len(names)]:
            results[name].append(load(base, targets[name], seconds=turn))
    return {
        name: Figure(
            rps=sum(f.rps for f in figures) / len(figures),
            p99_ms=sum(f.p99_ms for f in figures) / len(figures),
        )
        for name, figures in results.items()
    }


def send(base: str, traffic: Traffic, n: int) -> tuple[int, list[tuple[str, str]], bytes]:
    """Request ``n`` of ``traffic``, once, outside any load: (status, headers, body)."""
    import http.client

    client = traffic.clients[n % len(traffic.clients)]
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        body = traffic.body_for(n).encode() if traffic.method == "POST" else None
        conn.request(traffic.method, client.path, body=body, headers=_headers(traffic, client))
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def _headers(traffic: Traffic, client: Client) -> dict[str, str]:
    headers = dict(client.headers)
    if traffic.content_type:
        headers["Content-Type"] = traffic.content_type
    return headers


# wrk runs one thread (one Lua state): request() hands out the traffic's requests in
# order, response() counts any unexpected status, done() reports how far it got.
_LUA = r"""
local clients = {%(clients)s}
local count = #clients
local method = %(method)s
local template = %(body)s
local step = %(step)d
local expect = %(expect)d
n = %(start)d
bad = 0

request = function()
  local client = clients[n %% count + 1]
  local body = nil
  if method == "POST" then
    body = template
    if step > 0 then
      local start = math.floor(n / count) * step
      body = template:gsub("{start}", string.format("%%d", start))
      body = body:gsub("{end}", string.format("%%d", start + step))
    end
  end
  n = n + 1
  return wrk.format(method, client[1], client[2], body)
end

response = function(status, headers, body)
  if status ~= expect then bad = bad + 1 end
end

local threads = {}
setup = function(thread) table.insert(threads, thread) end

done = function(summary, latency, requests)
  local thread = threads[1]
  io.write(string.format("RESULT sent=%%d bad=%%d p99_us=%%d socket_errors=%%d\n",
    thread:get("n"), thread:get("bad"), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout))
end
"""


def _wrk(base: str, traffic: Traffic, seconds: float, connections: int) -> Figure:
    clients = ",\n".join(
        f"{{{_lua(client.path)}, {{{_lua_table(_headers(traffic, client))}}}}}"
        for client in traffic.clients
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            _LUA
            % {
                "clients": clients,
                "method": _lua(traffic.method),
                "body": _lua(traffic.body),
                "step": traffic.step,
                "expect": traffic.expect_status,
                "start": traffic.sent,
            }
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
                # As the Python client's: a slow answer counts in the p99, not as an error.
                "--timeout",
                "10s",
                "-s",
                script.name,
                base,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    match = re.search(r"RESULT sent=(\d+) bad=(\d+) p99_us=(\d+) socket_errors=(\d+)", out)
    sent, bad, p99_us, socket_errors = map(int, match.groups())
    if bad:
        raise RuntimeError(f"{bad} answers other than {traffic.expect_status}:\n{out}")
    if socket_errors:
        raise RuntimeError(f"{socket_errors} socket errors:\n{out}")
    traffic.sent = sent
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return Figure(rps=rps, p99_ms=p99_us / 1000)


def _lua_table(values: dict[str, str]) -> str:
    return ", ".join(f"[{_lua(key)}] = {_lua(value)}" for key, value in values.items())


def _lua(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_next_request = None  # in each worker process of python_load: the shared counter


def _python_worker_init(counter) -> None:
    global _next_request
    _next_request = counter


def _python_worker(args) -> list[float]:
    """One connection: takes the traffic's next request from the shared counter, sends
    it and waits for the answer, for ``seconds``; returns the latencies."""
    import http.client

    base, traffic, seconds = args
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    latencies = []
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        with _next_request.get_lock():
            n = _next_request.value
            _next_request.value += 1
        client = traffic.clients[n % len(traffic.clients)]
        body = traffic.body_for(n).encode() if traffic.method == "POST" else None
        started = time.perf_counter()
        conn.request(traffic.method, client.path, body=body, headers=_headers(traffic, client))
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        if response.status != traffic.expect_status:
            raise RuntimeError(f"{traffic.method} {client.path} answered {response.status}")
    return latencies


def python_load(
    base: str, traffic: Traffic, *, seconds: float = DURATION_S, connections: int = CONNECTIONS
) -> Figure:
    """:func:`load` with the Python client (``BENCH_PYTHON_CLIENT=1``, or no ``wrk``):
    one process per connection, each sending for ``seconds`` with a 10 s timeout."""
    context = multiprocessing.get_context("spawn")
    counter = context.Value("q", traffic.sent)
    with context.Pool(connections, _python_worker_init, (counter,)) as pool:
        results = pool.map(_python_worker, [(base, traffic, seconds)] * connections)
    latencies = sorted(latency for worker in results for latency in worker)
    traffic.sent = counter.value
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0.0
    return Figure(rps=len(latencies) / seconds, p99_ms=p99 * 1000)
