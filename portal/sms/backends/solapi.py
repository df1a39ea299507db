"""SOLAPI (CoolSMS) message API v4: the real gateway.

Documented calls used (docs.solapi.com; docs/sms.md quotes them):

- ``POST /messages/v4/send`` — one message ``{"message": {to, from, text, customFields}}``;
  a 200 answer carries ``messageId`` and ``statusCode`` (``2000`` = accepted).
- ``GET /messages/v4/list?criteria=to,dateCreated&cond=eq,gte&value=...`` — the messages
  sent to a number since a moment, each with the ``customFields`` it was sent with.
- Authentication: ``Authorization: HMAC-SHA256 apiKey=..., date=..., salt=...,
  signature=...`` where the signature is HMAC-SHA256(API secret, date + salt) in hex;
  a signature may be used once, the date must be within 15 minutes of the server's.

Every message carries the outbox key in ``customFields.outboxKey``. Before sending a
message again after an attempt whose outcome is unknown, ``find_sent`` looks for a
message to that number carrying that key, so a message the gateway already took is
not sent twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
import time
import urllib.request

import requests
from django.conf import settings

from portal.sms.backends.base import SmsBackend, SmsRejected, SmsTemporaryFailure

SEND_PATH = "/messages/v4/send"
LIST_PATH = "/messages/v4/list"
CUSTOM_FIELD = "outboxKey"
# customFields values are limited to 100 characters (status code 1032).
CUSTOM_VALUE_MAX = 100
ACCEPTED = "2000"
# Status codes that say "not now" rather than "never": server errors, balance.
TEMPORARY_STATUS_CODES = {"1024", "1030", "2024", "2230"}
# The gateway accepts request dates within 15 minutes of its clock: look back that far
# before the row was written so clock skew cannot hide a message.
LOOKBACK = dt.timedelta(minutes=15)
LIST_LIMIT = 100


def outbox_reference(idempotency_key: str) -> str:
    """The value sent in ``customFields.outboxKey``: the key, or its SHA-256 if too long."""
    if len(idempotency_key) <= CUSTOM_VALUE_MAX:
        return idempotency_key
    return "sha256:" + hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()


def authorization_header(api_key: str, api_secret: str) -> str:
    """A fresh ``Authorization`` header (new salt each time: signatures are single-use)."""
    # The gateway checks the date against its own clock, so this is the real wall time,
    # never the portal's movable clock.
    date = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    salt = secrets.token_hex(16)
    signature = hmac.new(
        api_secret.encode("utf-8"), (date + salt).encode("utf-8"), hashlib.sha256
    ).hexdigest()
    return f"HMAC-SHA256 apiKey={api_key}, date={date}, salt={salt}, signature={signature}"


class SolapiClient:
    """The HTTP calls, shared by the backend and the benchmark's direct loop."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        api_secret: str,
        sender: str,
        timeout: float,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.api_secret = api_secret
        self.sender = sender
        # requests applies a timeout to connecting and to each read separately; split the
        # budget so that a call that connects and answers slowly still ends in ``timeout``.
        connect = min(3.0, timeout / 2)
        self.timeout = (connect, timeout - connect)
        self.session = requests.Session()
        # Proxy and CA settings are read from the environment once, not on every request
        # (requests scans the whole environment per call otherwise).
        self.session.proxies = urllib.request.getproxies()
        self.session.verify = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )
        self.session.trust_env = False

    @classmethod
    def from_settings(cls) -> SolapiClient:
        return cls(
            base_url=settings.SMS_GATEWAY_URL,
            api_key=settings.SMS_GATEWAY_API_KEY,
            api_secret=settings.SMS_GATEWAY_API_SECRET,
            sender=settings.SMS_SENDER,
            timeout=settings.SMS_GATEWAY_TIMEOUT,
        )

    def close(self) -> None:
        self.session.close()

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": authorization_header(self.api_key, self.api_secret),
            "Content-Type": "application/json",
        }

    def _call(self, method: str, path: str, **kwargs) -> dict:
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                headers=self._headers(),
                timeout=self.timeout,
                **kwargs,
            )
        except requests.RequestException as exc:
            raise SmsTemporaryFailure(f"SOLAPI {path}: {exc.__class__.__name__}: {exc}") from exc
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code == 200:
            return data
        detail = f"SOLAPI {path}: HTTP {response.status_code} {data.get('errorCode', '')} " + str(
            data.get("errorMessage", "")
        )
        # 403: bad or reused signature, skewed clock (documented); 429: too many requests;
        # 5xx: the gateway's trouble. All may pass; other 4xx will not.
        if response.status_code in (403, 408, 429) or response.status_code >= 500:
            raise SmsTemporaryFailure(detail.strip())
        raise SmsRejected(detail.strip())

    def send(self, *, to: str, text: str, reference: str) -> str:
        """Send one message; return SOLAPI's ``messageId``."""
        payload = {
            "message": {
                "to": to,
                "from": self.sender,
                "text": text,
                "customFields": {CUSTOM_FIELD: reference},
            }
        }
        data = self._call("POST", SEND_PATH, json=payload)
        status = str(data.get("statusCode", ""))
        if status == ACCEPTED and data.get("messageId"):
            return str(data["messageId"])
        detail = f"SOLAPI send: statusCode {status} {data.get('statusMessage', '')}".strip()
        if status in TEMPORARY_STATUS_CODES:
            raise SmsTemporaryFailure(detail)
        raise SmsRejected(detail)

    def find(self, *, to: str, reference: str, since: dt.datetime) -> str | None:
        """The ``messageId`` of a message to ``to`` since ``since`` carrying ``reference``."""
        since_utc = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        params = {
            "criteria": "to,dateCreated",
            "cond": "eq,gte",
            "value": f"{to},{since_utc}",
            "limit": str(LIST_LIMIT),
        }
        data = self._call("GET", LIST_PATH, params=params)
        listed = data.get("messageList") or {}
        items = listed.values() if isinstance(listed, dict) else listed
        count = 0
        for item in items:
            count += 1
            fields = item.get("customFields") or {}
            if fields.get(CUSTOM_FIELD) == reference:
                return str(item.get("messageId") or item.get("_id") or "")
        if count >= LIST_LIMIT:
            # A full page without the key: the documented API offers no way to be sure
            # the message is not on a later page, so do not risk a second copy.
            raise SmsTemporaryFailure(
                f"SOLAPI list: {count} messages to {to} since {since_utc}; cannot rule out "
                "an earlier delivery"
            )
        return None


class SolapiBackend(SmsBackend):
    def __init__(self) -> None:
        self.client: SolapiClient | None = None

    def open(self) -> None:
        if self.client is None:
            self.client = SolapiClient.from_settings()

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def _client(self) -> SolapiClient:
        self.open()
        return self.client

    def send(self, message) -> str:
        return self._client().send(
            to=message.to, text=message.body, reference=outbox_reference(message.idempotency_key)
        )

    def find_sent(self, message) -> str | None:
        return self._client().find(
            to=message.to,
            reference=outbox_reference(message.idempotency_key),
            since=message.created_at - LOOKBACK,
        )
