"""Prints each message to standard output (development)."""

from __future__ import annotations

import sys
import threading

from portal.sms.backends.base import SmsBackend

_lock = threading.Lock()


class ConsoleBackend(SmsBackend):
    def __init__(self, stream=None) -> None:
        self.stream = stream

    def send(self, message) -> str:
        stream = self.stream or sys.stdout
        text = (
            f"SMS to {message.to} [{message.kind}] key={message.idempotency_key}\n"
            f"{message.body}\n{'-' * 40}\n"
        )
        with _lock:
            stream.write(text)
            stream.flush()
        return ""
