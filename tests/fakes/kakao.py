"""A fake Kakao login server on 127.0.0.1, as strict as Kakao's REST API documents.

It serves the three steps allauth's Kakao provider takes, so the portal's real code path
(allauth's OAuth2 views and the portal's adapter) runs with its URLs pointed here:

- ``GET /oauth/authorize``: the app's REST API key (``client_id``), a registered
  ``redirect_uri`` and ``response_type=code`` are required; anything else is Kakao's
  error page (KOE101, KOE006, KOE004), never a redirect. Then the consent page
  (동의 화면) lists the requested items the account has not agreed to yet, each one
  optional, with 동의하고 계속하기 and 취소. Cancelling sends the browser back with
  ``error=access_denied``; agreeing, with a one-time code that lives 10 minutes.
- ``POST /oauth/token``: a form body with ``grant_type=authorization_code``, the key,
  the client secret (KOE010 otherwise), the same redirect URI as the authorize request
  (KOE303) and an unused, unexpired code (KOE320). The answer's ``scope`` lists the
  items agreed to.
- ``GET/POST /v2/user/me`` with ``Authorization: Bearer``: the user's ``kakao_account``
  with ``*_needs_agreement`` for every item, a value only where the item was agreed to,
  ``birthday_type`` (``SOLAR`` or ``LUNAR``) and ``is_leap_month``.

A test says which Kakao account logs in next with ``next_profile``; ``agree`` on the
consent page (by the browser or by ``consent``) says which items are ticked.
"""

from __future__ import annotations

import html
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import requests

# The consent items (동의항목) the portal's app has, with the labels Kakao shows.
ITEMS = {
    "name": "이름",
    "phone_number": "카카오계정(전화번호)",
    "birthyear": "출생 연도",
    "birthday": "생일",
}
CODE_LIFETIME = 600
TOKEN_LIFETIME = 21599


class FakeKakao:
    def __init__(self, *, client_id: str, client_secret: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris: set[str] = set()
        self.next_account: dict | None = None
        self.agreed: dict[int, set[str]] = {}  # Kakao user id → items agreed to
        self.pending: dict[str, dict] = {}  # consent page → the authorize request
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.requests: list[str] = []
        self.errors: list[str] = []  # every refusal, with its KOE code
        self.offset = 0.0  # seconds added to the clock (codes and tokens expire)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- the test's side ------------------------------------------------------------

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

    def register_redirect_uri(self, uri: str) -> None:
        """A redirect URI registered for the app on Kakao Developers."""
        self.redirect_uris.add(uri)

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def now(self) -> float:
        return time.monotonic() + self.offset

    def next_profile(
        self,
        *,
        kakao_id: int,
        name: str | None = None,
        phone: str | None = None,
        birthyear: str | None = None,
        birthday: str | None = None,
        birthday_type: str = "SOLAR",
    ) -> None:
        """The Kakao account the next authorize request logs in as.

        ``phone`` is in Kakao's format (``+82 10-1234-5678``); ``birthday`` is MMDD,
        lunar when ``birthday_type`` is ``LUNAR``. An item left None is one the account
        does not have; an item it has is given only once agreed to.
        """
        self.next_account = {
            "id": kakao_id,
            "name": name,
            "phone_number": phone,
            "birthyear": birthyear,
            "birthday": birthday,
            "birthday_type": birthday_type,
        }

    def consent(self, page_url: str, *, agree: set[str] | None = None) -> requests.Response:
        """Answer a consent page as a user would without a browser: ``agree`` lists the
        items ticked (all by default); ``None`` given as ``cancel`` presses 취소."""
        page = requests.get(page_url, allow_redirects=False, timeout=5)
        if page.status_code != 200:
            return page
        request_id = parse_qs(urlparse(page_url).query)["request"][0]
        ticked = set(ITEMS) if agree is None else agree
        return requests.post(
            self.origin + "/oauth/consent",
            data={"request": request_id, "item": sorted(ticked), "action": "agree"},
            allow_redirects=False,
            timeout=5,
        )

    def cancel(self, page_url: str) -> requests.Response:
        request_id = parse_qs(urlparse(page_url).query)["request"][0]
        return requests.post(
            self.origin + "/oauth/consent",
            data={"request": request_id, "action": "cancel"},
            allow_redirects=False,
            timeout=5,
        )

    # --- Kakao's side -----------------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> tuple[int, dict | str]:
        """(302, {"Location": ...}) or (status, error page text)."""
        if query.get("client_id") != self.client_id:
            return self._refuse(400, "KOE101", "잘못된 앱 키 타입을 사용하거나 앱 키에 오타가 있음")
        if query.get("redirect_uri") not in self.redirect_uris:
            return self._refuse(400, "KOE006", "등록되지 않은 리다이렉트 URI")
        if query.get("response_type") != "code":
            return self._refuse(400, "KOE004", "response_type은 code만 사용할 수 있음")
        requested = [s for s in query.get("scope", "").split(",") if s]
        unknown = [s for s in requested if s not in ITEMS]
        if unknown:
            return self._refuse(400, "KOE205", f"설정하지 않은 동의항목: {','.join(unknown)}")
        if self.next_account is None:
            return self._refuse(400, "KOE_TEST", "the test named no Kakao account")
        request_id = secrets.token_urlsafe(12)
        with self.lock:
            self.pending[request_id] = {
                "account": self.next_account,
                "redirect_uri": query["redirect_uri"],
                "state": query.get("state"),
                "requested": requested,
            }
        agreed = self.agreed.get(self.next_account["id"], set())
        if all(item in agreed for item in requested):
            return self._issue_code(request_id)
        return 302, {"Location": f"{self.origin}/oauth/consent?request={request_id}"}

    def consent_page(self, request_id: str) -> tuple[int, str]:
        pending = self.pending.get(request_id)
        if pending is None:
            return self._refuse(400, "KOE_CONSENT", "만료된 동의 화면")
        agreed = self.agreed.get(pending["account"]["id"], set())
        rows = "".join(
            f'<li><label><input type="checkbox" name="item" value="{item}" checked> '
            f"[선택] {html.escape(ITEMS[item])}</label></li>"
            for item in pending["requested"]
            if item not in agreed
        )
        return 200, (
            '<!doctype html><html lang="ko"><head><meta charset="utf-8">'
            "<title>카카오 동의 화면</title></head><body><main>"
            "<h1>파트너플레이스 서비스 이용에 동의해 주세요</h1>"
            '<form method="post" action="/oauth/consent">'
            f'<input type="hidden" name="request" value="{request_id}">'
            f"<ul>{rows}</ul>"
            '<button type="submit" name="action" value="cancel">취소</button>'
            '<button type="submit" name="action" value="agree">동의하고 계속하기</button>'
            "</form></main></body></html>"
        )

    def consent_answer(self, form: dict[str, list[str]]) -> tuple[int, dict | str]:
        request_id = form.get("request", [""])[0]
        pending = self.pending.get(request_id)
        if pending is None:
            return self._refuse(400, "KOE_CONSENT", "만료된 동의 화면")
        if form.get("action", [""])[0] != "agree":
            del self.pending[request_id]
            return 302, {
                "Location": self._back(
                    pending,
                    {"error": "access_denied", "error_description": "User denied access"},
                )
            }
        ticked = {item for item in form.get("item", []) if item in pending["requested"]}
        self.agreed.setdefault(pending["account"]["id"], set()).update(ticked)
        return self._issue_code(request_id)

    def _issue_code(self, request_id: str) -> tuple[int, dict]:
        with self.lock:
            pending = self.pending.pop(request_id)
            code = secrets.token_urlsafe(24)
            self.codes[code] = {**pending, "expires": self.now() + CODE_LIFETIME}
        return 302, {"Location": self._back(pending, {"code": code})}

    @staticmethod
    def _back(pending: dict, params: dict) -> str:
        if pending["state"] is not None:
            params = {**params, "state": pending["state"]}
        return pending["redirect_uri"] + "?" + urlencode(params)

    def token(self, content_type: str, form: dict[str, list[str]]) -> tuple[int, dict]:
        def one(name: str) -> str | None:
            values = form.get(name)
            return values[0] if values and len(values) == 1 else None

        if not content_type.startswith("application/x-www-form-urlencoded"):
            return self._token_error(400, "invalid_request", "KOE_CONTENT", "form body only")
        if one("grant_type") != "authorization_code":
            return self._token_error(400, "unsupported_grant_type", "KOE_GRANT", "grant_type")
        if one("client_id") != self.client_id:
            return self._token_error(401, "invalid_client", "KOE101", "Not exist client_id")
        if one("client_secret") != self.client_secret:
            return self._token_error(401, "invalid_client", "KOE010", "Bad client credentials")
        with self.lock:
            issued = self.codes.pop(one("code") or "", None)
        if issued is None or issued["expires"] < self.now():
            return self._token_error(
                400, "invalid_grant", "KOE320", "authorization code not found for code"
            )
        if one("redirect_uri") != issued["redirect_uri"]:
            return self._token_error(400, "invalid_grant", "KOE303", "Redirect URI mismatch.")
        agreed = self.agreed.get(issued["account"]["id"], set())
        scope = [item for item in ITEMS if item in agreed and item in issued["requested"]]
        token = secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[token] = {
                "account": issued["account"],
                "scope": scope,
                "expires": self.now() + TOKEN_LIFETIME,
            }
        return 200, {
            "token_type": "bearer",
            "access_token": token,
            "expires_in": TOKEN_LIFETIME,
            "refresh_token": secrets.token_urlsafe(32),
            "refresh_token_expires_in": 5183999,
            "scope": " ".join(scope),
        }

    def user_me(self, authorization: str) -> tuple[int, dict]:
        kind, _, token = authorization.partition(" ")
        issued = self.tokens.get(token) if kind == "Bearer" else None
        if issued is None or issued["expires"] < self.now():
            self.errors.append("-401")
            return 401, {"msg": "this access token does not exist", "code": -401}
        account = issued["account"]
        given = set(issued["scope"])
        body: dict = {}
        for item, has_flag in (
            ("name", None),
            ("phone_number", "has_phone_number"),
            ("birthyear", "has_birthyear"),
            ("birthday", "has_birthday"),
        ):
            value = account[item]
            if has_flag:
                body[has_flag] = value is not None
            if value is None:
                continue
            body[f"{item}_needs_agreement"] = item not in given
            if item in given:
                body[item] = value
                if item == "birthday":
                    body["birthday_type"] = account["birthday_type"]
                    body["is_leap_month"] = False
        return 200, {
            "id": account["id"],
            "connected_at": "2026-01-01T00:00:00Z",
            "kakao_account": body,
        }

    def _refuse(self, status: int, code: str, text: str) -> tuple[int, str]:
        self.errors.append(code)
        return status, f"<!doctype html><title>{code}</title><p>{code}: {html.escape(text)}</p>"

    def _token_error(self, status: int, error: str, code: str, text: str) -> tuple[int, dict]:
        self.errors.append(code)
        return status, {"error": error, "error_description": text, "error_code": code}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                return

            def _answer(self, status: int, body: dict | str) -> None:
                if status == 302:
                    self.send_response(302)
                    self.send_header("Location", body["Location"])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if isinstance(body, str):
                    data, kind = body.encode(), "text/html;charset=UTF-8"
                else:
                    data, kind = json.dumps(body).encode(), "application/json;charset=UTF-8"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _form(self) -> dict[str, list[str]]:
                length = int(self.headers.get("Content-Length") or 0)
                return parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                fake.requests.append(f"GET {url.path}")
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/oauth/authorize":
                    self._answer(*fake.authorize(query))
                elif url.path == "/oauth/consent":
                    self._answer(*fake.consent_page(query.get("request", "")))
                elif url.path == "/v2/user/me":
                    self._answer(*fake.user_me(self.headers.get("Authorization", "")))
                else:
                    self._answer(404, {"error": "not_found"})

            def do_POST(self) -> None:
                url = urlparse(self.path)
                fake.requests.append(f"POST {url.path}")
                if url.path == "/oauth/token":
                    content_type = self.headers.get("Content-Type", "")
                    self._answer(*fake.token(content_type, self._form()))
                elif url.path == "/oauth/consent":
                    self._answer(*fake.consent_answer(self._form()))
                elif url.path == "/v2/user/me":
                    self._form()
                    self._answer(*fake.user_me(self.headers.get("Authorization", "")))
                else:
                    self._answer(404, {"error": "not_found"})

        return Handler
