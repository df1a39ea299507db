"""A fake Kakao OAuth server on 127.0.0.1: authorize, token and user-info.

It speaks the three endpoints allauth's Kakao provider calls, so the portal's real
code path (allauth's OAuth2 views and the Kakao adapter) runs unchanged with its URLs
pointed here. A test says which Kakao account logs in next with ``next_profile``.
"""

from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse


class FakeKakao:
    def __init__(self) -> None:
        self.accounts: dict[str, dict] = {}  # code or token → account json
        self.next_account: dict | None = None
        self.requests: list[str] = []
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def authorize_url(self) -> str:
        return self.origin + "/oauth/authorize"

    @property
    def token_url(self) -> str:
        return self.origin + "/oauth/token"

    @property
    def profile_url(self) -> str:
        return self.origin + "/v2/user/me"

    def start(self) -> FakeKakao:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def next_profile(
        self,
        *,
        kakao_id: int,
        name: str | None = None,
        phone: str | None = None,
        birthyear: str | None = None,
        birthday: str | None = None,
    ) -> None:
        """The Kakao account the next authorize request logs in as.

        ``phone`` is in Kakao's format (``+82 10-1234-5678``); ``birthday`` is MMDD.
        Fields left None are not given, as when the user declines a scope.
        """
        account: dict = {"has_phone_number": phone is not None}
        for key, value in (
            ("name", name),
            ("phone_number", phone),
            ("birthyear", birthyear),
            ("birthday", birthday),
        ):
            if value is not None:
                account[key] = value
        self.next_account = {
            "id": kakao_id,
            "connected_at": "2026-01-01T00:00:00Z",
            "kakao_account": account,
        }

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                return

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                fake.requests.append(f"GET {url.path}")
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/oauth/authorize":
                    if fake.next_account is None or "redirect_uri" not in query:
                        self._json(400, {"error": "invalid_request"})
                        return
                    code = secrets.token_urlsafe(12)
                    fake.accounts[code] = fake.next_account
                    target = (
                        query["redirect_uri"]
                        + "?"
                        + urlencode({"code": code, "state": query.get("state", "")})
                    )
                    self.send_response(302)
                    self.send_header("Location", target)
                    self.end_headers()
                    return
                if url.path == "/v2/user/me":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    account = fake.accounts.get(token)
                    if account is None:
                        self._json(401, {"msg": "this access token does not exist", "code": -401})
                        return
                    self._json(200, account)
                    return
                self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                url = urlparse(self.path)
                fake.requests.append(f"POST {url.path}")
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if url.path == "/oauth/token":
                    account = fake.accounts.pop(form.get("code", ""), None)
                    if account is None or form.get("grant_type") != "authorization_code":
                        self._json(400, {"error": "invalid_grant"})
                        return
                    token = secrets.token_urlsafe(16)
                    fake.accounts[token] = account
                    self._json(
                        200,
                        {
                            "access_token": token,
                            "token_type": "bearer",
                            "refresh_token": secrets.token_urlsafe(16),
                            "expires_in": 21599,
                            "scope": "name phone_number birthyear birthday",
                        },
                    )
                    return
                self._json(404, {"error": "not_found"})

        return Handler
