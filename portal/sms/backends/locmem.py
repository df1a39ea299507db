"""Keeps sent messages in ``outbox`` (a list) for tests to inspect."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

from portal import clock
from portal.sms.backends.base import SmsBackend


@dataclasses.dataclass(frozen=True)
class SentSms:
    to: str
    body: str
    kind: str
    idempotency_key: str
    created_at: dt.datetime
    sent_at: dt.datetime
    provider_message_id: str


outbox: list[SentSms] = []
_lock = threading.Lock()


class LocmemBackend(SmsBackend):
    def send(self, message) -> str:
        with _lock:
            provider_id = f"locmem-{len(outbox) + 1}"
            outbox.append(
                SentSms(
                    to=message.to,
                    body=message.body,
                    kind=message.kind,
                    idempotency_key=message.idempotency_key,
                    created_at=message.created_at,
                    sent_at=clock.now(),
                    provider_message_id=provider_id,
                )
            )
        return provider_id

    def find_sent(self, message) -> str | None:
        with _lock:
            for sent in outbox:
                if sent.idempotency_key == message.idempotency_key:
                    return sent.provider_message_id
        return None
