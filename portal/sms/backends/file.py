"""Appends each message as one JSON object per line (the embedded default, var/sms.jsonl)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings

from portal import clock
from portal.sms.backends.base import SmsBackend, SmsTemporaryFailure


class FileBackend(SmsBackend):
    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, message) -> str:
        record = {
            "to": message.to,
            "body": message.body,
            "kind": message.kind,
            "idempotency_key": message.idempotency_key,
            "created_at": clock.aware(message.created_at).isoformat(),
            "sent_at": clock.now().isoformat(),
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # One write() on an O_APPEND file: lines from two processes never interleave.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line.encode("utf-8"))
            finally:
                os.close(fd)
        except OSError as exc:
            raise SmsTemporaryFailure(f"cannot write {self.path}: {exc}") from exc
        return ""

    def find_sent(self, message) -> str | None:
        try:
            with self.path.open(encoding="utf-8") as lines:
                for line in lines:
                    if message.idempotency_key not in line:
                        continue
                    try:
                        record = json.loads(line)
                    except ValueError:
                        continue
                    if record.get("idempotency_key") == message.idempotency_key:
                        return ""
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise SmsTemporaryFailure(f"cannot read {self.path}: {exc}") from exc
        return None
