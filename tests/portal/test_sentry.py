"""Errors reach Sentry when SENTRY_DSN is set: a fake Sentry receives the event."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A separate process: the SDK is global, and the test process must stay without it.
FAILING_TASK = """
import django
django.setup()
import sentry_sdk
from portal.celery import app

@app.task(name="tests.sentry_failing_task")
def failing_task():
    raise RuntimeError("sentry-check: the task failed")

failing_task.apply()
sentry_sdk.flush(10)
"""


class _Sentry(BaseHTTPRequestHandler):
    received: list[bytes]

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format, *args):
        pass


def test_a_failing_task_is_reported_to_sentry():
    received: list[bytes] = []
    handler = type("Handler", (_Sentry,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        env = {
            **os.environ,
            "SENTRY_DSN": f"http://publickey@127.0.0.1:{port}/42",
            "CELERY_TASK_ALWAYS_EAGER": "true",
        }
        env.pop("REDIS_URL", None)
        result = subprocess.run(
            [sys.executable, "-c", FAILING_TASK],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    events = b"\n".join(received)
    assert b"sentry-check: the task failed" in events
    assert b'"celery"' in events  # reported by the Celery integration
