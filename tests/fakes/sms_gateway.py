"""A fake SOLAPI message API v4 on 127.0.0.1, for tests and benchmarks.

It implements the documented calls the portal uses, with the documented checks:

- ``POST /messages/v4/send`` records the message and answers like the real API
  (``messageId``, ``statusCode`` ``2000``, ...); a missing field gets HTTP 400.
- ``GET /messages/v4/list`` with ``criteria`` / ``cond`` / ``value`` / ``limit``.
- ``Authorization: HMAC-SHA256 apiKey=..., date=..., salt=..., signature=...``: a wrong
  key or signature, a date more than 15 minutes off or a reused signature gets HTTP 403
  with the documented error code.

Test controls (not part of SOLAPI): ``fail_next(n)`` answers the next n calls with a 5xx;
``stall_next(n, seconds, accept=...)`` holds the next n calls (optionally after recording
the message, as when an answer is lost); ``delay`` slows every call. The same controls
are reachable over HTTP under ``/_fake/`` when the gateway runs in its own process:
``python -m tests.fakes.sms_gateway`` prints ``READY <url>`` and serves until killed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import itertools
import json
import re
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_KEY = "NCSFAKEKEY000001"
API_SECRET = "fake-secret-for-tests-0123456789abcdef"
SKEW = dt.timedelta(minutes=15)
_AUTH_RE = re.compile(
    r"^HMAC-SHA256 apiKey=(?P<key>[^,]+), date=(?P<date>[^,]+), "
    r"salt=(?P<salt>[^,]+), signature=(?P<signature>[0-9a-f]+)$"
)
LIST_FIELDS = {"messageId", "groupId", "to", "from", "type", "dateCreated", "statusCode"}


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _parse_iso(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


class FakeSolapiGateway:
    """The server and what it saw. Thread-safe; start() picks a free port."""

    def __init__(self, *, api_key: str = API_KEY, api_secret: str = API_SECRET) -> None:
        self.api_key = api_key
        self.api_secret = api_secret
        self.delay = 0.0
        self.messages: list[dict] = []
        self.requests = 0
        self.auth_failures: list[str] = []
        self.last_accepted_at: float | None = None
        # Messages recorded by a stalled call whose answer has not been sent (yet).
        self.stalled_accepts = 0
        self._lock = threading.Lock()
        self._fail: list[int] = []
        self._stall: list[tuple[float, bool]] = []
        self._seen_signatures: set[str] = set()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- life cycle -------------------------------------------------------------------

    def start(self, port: int = 0) -> FakeSolapiGateway:
        gateway = self

        class Handler(_Handler):
            fake = gateway

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- controls ---------------------------------------------------------------------

    def fail_next(self, count: int, status: int = 503) -> None:
        with self._lock:
            self._fail.extend([status] * count)

    def stall_next(self, count: int, seconds: float, *, accept: bool = False) -> None:
        """Hold the next ``count`` calls ``seconds``; with ``accept`` record them first."""
        with self._lock:
            self._stall.extend([(seconds, accept)] * count)

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()
            self.requests = 0
            self.auth_failures.clear()
            self._fail.clear()
            self._stall.clear()
            self.last_accepted_at = None
            self.stalled_accepts = 0
            self.delay = 0.0

    def references(self) -> list[str]:
        """The ``customFields.outboxKey`` of every accepted message, in arrival order."""
        with self._lock:
            return [m["customFields"].get("outboxKey", "") for m in self.messages]

    def stats(self) -> dict:
        with self._lock:
            return {
                "accepted": len(self.messages),
                "requests": self.requests,
                "auth_failures": len(self.auth_failures),
                "last_accepted_at": self.last_accepted_at,
            }

    # --- what the handler asks --------------------------------------------------------

    def check_auth(self, header: str | None) -> tuple[int, str] | None:
        """None when the header is good, else (HTTP status, errorCode)."""
        match = _AUTH_RE.match(header or "")
        if not match:
            return 401, "InvalidAuthorizationHeader"
        if match["key"] != self.api_key:
            return 403, "InvalidAPIKey"
        expected = hmac.new(
            self.api_secret.encode(), (match["date"] + match["salt"]).encode(), hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(expected, match["signature"]):
            return 403, "SignatureDoesNotMatch"
        if not 12 <= len(match["salt"].encode()) <= 64:
            return 403, "SignatureDoesNotMatch"
        try:
            when = _parse_iso(match["date"])
        except ValueError:
            return 403, "RequestTimeTooSkewed"
        if abs(dt.datetime.now(dt.UTC) - when) > SKEW:
            return 403, "RequestTimeTooSkewed"
        with self._lock:
            if match["signature"] in self._seen_signatures:
                return 403, "DuplicatedSignature"
            self._seen_signatures.add(match["signature"])
        return None

    def next_fault(self) -> tuple[int | None, tuple[float, bool] | None]:
        with self._lock:
            self.requests += 1
            fail = self._fail.pop(0) if self._fail else None
            stall = self._stall.pop(0) if self._stall else None
        return fail, stall

    def accept(self, message: dict) -> dict:
        now = dt.datetime.now(dt.UTC)
        text = message["text"]
        record = {
            "_id": "",
            "messageId": "",
            "groupId": "G4V" + now.strftime("%Y%m%d%H%M%S") + secrets.token_hex(8).upper()[:15],
            "accountId": "12925149",
            "to": str(message["to"]),
            "from": str(message["from"]),
            "text": text,
            "type": message.get("type")
            or ("SMS" if len(text.encode("euc-kr", "replace")) <= 90 else "LMS"),
            "country": "82",
            "statusCode": "2000",
            "customFields": dict(message.get("customFields") or {}),
            "dateCreated": _iso(now),
            "dateUpdated": _iso(now),
        }
        with self._lock:
            number = next(self._ids)
            record["messageId"] = record["_id"] = (
                "M4V" + now.strftime("%Y%m%d%H%M%S") + f"{number:017d}"
            )
            self.messages.append(record)
            self.last_accepted_at = time.time()
        return record

    def list_messages(self, query: dict[str, list[str]]) -> dict:
        criteria = [c for c in (query.get("criteria", [""])[0]).split(",") if c]
        conds = (query.get("cond", [""])[0]).split(",")
        values = (query.get("value", [""])[0]).split(",")
        limit = int(query.get("limit", ["20"])[0])
        start_key = query.get("startKey", [None])[0]
        tests = []
        for index, field in enumerate(criteria):
            if field not in LIST_FIELDS:
                raise ValueError(f"unknown criteria {field}")
            cond = conds[index] if index < len(conds) and conds[index] else "eq"
            value = values[index] if index < len(values) else ""
            tests.append((field, cond, value))
        with self._lock:
            rows = list(self.messages)
        selected = []
        started = start_key is None
        for row in rows:
            if not started:
                started = row["messageId"] == start_key
            if started and all(_compare(row, *test) for test in tests):
                selected.append(row)
        page = selected[:limit]
        return {"startKey": start_key, "limit": limit, "messageList": {r["_id"]: r for r in page}}


def _compare(row: dict, field: str, cond: str, value: str) -> bool:
    have = row.get(field)
    if field == "dateCreated":
        have, value = _parse_iso(have), _parse_iso(value)
    ops = {
        "eq": lambda a, b: a == b,
        "ne": lambda a, b: a != b,
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }
    return ops[cond](have, value)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One buffered write per answer (flushed by handle_one_request) and no Nagle delay:
    # otherwise every keep-alive call waits for a delayed ACK.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True
    fake: FakeSolapiGateway

    def log_message(self, format, *args):  # quiet
        pass

    def _reply(self, status: int, payload: dict) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw or b"{}")

    def _control(self, path: str, method: str) -> None:
        fake = self.fake
        if path == "/_fake/stats":
            self._reply(200, fake.stats())
        elif path == "/_fake/references":
            self._reply(200, {"references": fake.references()})
        elif path == "/_fake/messages":
            with fake._lock:
                texts = [{"to": m["to"], "text": m["text"]} for m in fake.messages]
            self._reply(200, {"messages": texts})
        elif path == "/_fake/reset" and method == "POST":
            fake.reset()
            self._reply(200, {})
        elif path == "/_fake/config" and method == "POST":
            config = self._body()
            if "delay" in config:
                fake.delay = float(config["delay"])
            if config.get("fail_next"):
                fake.fail_next(int(config["fail_next"]), int(config.get("status", 503)))
            self._reply(200, {})
        else:
            self._reply(404, {"errorCode": "NotFound"})

    def _handle(self, method: str) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        if parsed.path.startswith("/_fake/"):
            self._control(parsed.path, method)
            return
        fake = self.fake
        body = self._body() if method == "POST" else {}
        refused = fake.check_auth(self.headers.get("Authorization"))
        if refused:
            fake.auth_failures.append(refused[1])
            self._reply(refused[0], {"errorCode": refused[1], "errorMessage": refused[1]})
            return
        fail, stall = fake.next_fault()
        if fake.delay:
            time.sleep(fake.delay)
        if fail:
            self._reply(fail, {"errorCode": "InternalError", "errorMessage": "서버 오류"})
            return
        route = (method, parsed.path)
        if route == ("POST", "/messages/v4/send"):
            message = body.get("message") or {}
            missing = [name for name in ("to", "from", "text") if not message.get(name)]
            if missing:
                self._reply(400, {"errorCode": "ValidationError", "errorMessage": str(missing)})
                return
            fields = message.get("customFields") or {}
            if any(
                len(k) > 30 or not isinstance(v, str) or len(v) > 100 for k, v in fields.items()
            ):
                self._reply(
                    400, {"errorCode": "1032", "errorMessage": "유효한 커스텀 필드 값이 아닙니다."}
                )
                return
            if stall and stall[1]:
                fake.accept(message)
                with fake._lock:
                    fake.stalled_accepts += 1
                time.sleep(stall[0])
                self._reply(503, {"errorCode": "InternalError", "errorMessage": "timeout"})
                return
            if stall:
                time.sleep(stall[0])
            record = fake.accept(message)
            self._reply(
                200,
                {
                    key: record[key]
                    for key in (
                        "groupId",
                        "to",
                        "from",
                        "type",
                        "country",
                        "messageId",
                        "statusCode",
                        "accountId",
                    )
                }
                | {"statusMessage": "정상 접수(이통사로 접수 예정) "},
            )
        elif route == ("GET", "/messages/v4/list"):
            if stall:
                time.sleep(stall[0])
            try:
                payload = fake.list_messages(urllib.parse.parse_qs(parsed.query))
            except (ValueError, KeyError) as exc:
                self._reply(400, {"errorCode": "ValidationError", "errorMessage": str(exc)})
                return
            self._reply(200, payload)
        else:
            self._reply(404, {"errorCode": "NotFound", "errorMessage": self.path})

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")


def portal_settings(gateway: FakeSolapiGateway, *, timeout: int = 2) -> dict[str, object]:
    """The portal settings that send SMS through ``gateway`` with the SOLAPI backend."""
    return {
        "SMS_BACKEND": "portal.sms.backends.solapi.SolapiBackend",
        "SMS_GATEWAY_URL": gateway.url,
        "SMS_GATEWAY_API_KEY": gateway.api_key,
        "SMS_GATEWAY_API_SECRET": gateway.api_secret,
        "SMS_GATEWAY_TIMEOUT": timeout,
    }


def worker_env(gateway: FakeSolapiGateway, *, timeout: int = 2, **extra: object) -> dict[str, str]:
    """The same settings as environment variables, for a worker process."""
    env = {name: str(value) for name, value in portal_settings(gateway, timeout=timeout).items()}
    env.update({name: str(value) for name, value in extra.items()})
    return env


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api-key", default=API_KEY)
    parser.add_argument("--api-secret", default=API_SECRET)
    args = parser.parse_args(argv)
    gateway = FakeSolapiGateway(api_key=args.api_key, api_secret=args.api_secret).start(args.port)
    print(f"READY {gateway.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        gateway.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
