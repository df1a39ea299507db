"""SMS verification codes (accounts.md, "Verification codes").

6 digits from ``secrets``, single use, bound to one phone and one purpose, valid
3 minutes, at most 5 wrong tries. A new code for the same phone and purpose replaces
the old one. Resend and per-IP limits live at the edge (accounts.ratelimits).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction

from accounts.models import CodePurpose, VerificationCode
from portal import clock

CODE_TTL = dt.timedelta(seconds=180)
MAX_FAILED_ATTEMPTS = 5

_BODY = "[파트너플레이스] {what} 인증번호 {code} (3분 안에 입력해 주세요)"
_WHAT = {
    CodePurpose.SIGNUP: "회원가입",
    CodePurpose.FIRST_LOGIN: "비밀번호 설정",
    CodePurpose.RESET: "비밀번호 설정",
    CodePurpose.REAUTH: "본인 확인",
    CodePurpose.PHONE_CHANGE: "휴대폰 번호 변경",
}


class CodeError(Exception):
    """The code was not accepted; ``reason`` is one of MESSAGES' keys."""

    MESSAGES = {
        "missing": "인증번호를 먼저 요청해 주세요.",
        "expired": "인증번호 유효 시간(3분)이 지났어요. 인증요청을 다시 눌러 주세요.",
        "locked": "인증번호를 5번 틀렸어요. 인증요청을 다시 눌러 새 번호를 받아 주세요.",
        "mismatch": "인증번호가 맞지 않아요. 문자로 받은 6자리를 다시 확인해 주세요.",
    }

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self) -> str:
        return self.MESSAGES[self.reason]


def _digest(*, phone: str, purpose: str, code: str) -> str:
    message = f"{phone}:{purpose}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def code_generate() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


@transaction.atomic
def code_issue(*, phone: str, purpose: str, user=None) -> VerificationCode:
    """Issue a new code for ``phone`` and ``purpose`` and queue it by SMS.

    Earlier unused codes for the same phone and purpose stop working.
    """
    from portal.sms.services import sms_queue

    now = clock.now()
    VerificationCode.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True).delete()
    code = code_generate()
    row = VerificationCode.objects.create(
        phone=phone,
        purpose=purpose,
        code_hash=_digest(phone=phone, purpose=purpose, code=code),
        created_at=now,
        expires_at=now + CODE_TTL,
        user=user,
    )
    sms_queue(
        to=phone,
        body=_BODY.format(what=_WHAT[CodePurpose(purpose)], code=code),
        kind=f"code_{purpose}",
        idempotency_key=f"code:{row.pk}",
    )
    return row


def code_check(*, phone: str, purpose: str, code: str, consume: bool = True) -> VerificationCode:
    """Check ``code`` for ``phone`` and ``purpose``; raise CodeError when it fails.

    A wrong code counts a try, and that count is committed before CodeError is raised.
    With ``consume`` the code is used up; without, the caller consumes it later with
    ``code_consume`` inside its own write.
    """
    row, reason = _code_check(phone=phone, purpose=purpose, code=code, consume=consume)
    if reason:
        raise CodeError(reason)
    return row


@transaction.atomic
def _code_check(
    *, phone: str, purpose: str, code: str, consume: bool
) -> tuple[VerificationCode | None, str]:
    now = clock.now()
    row = (
        VerificationCode.objects.select_for_update()
        .filter(phone=phone, purpose=purpose, used_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if row is None:
        return None, "missing"
    if row.expires_at <= now:
        return None, "expired"
    if row.failed_attempts >= MAX_FAILED_ATTEMPTS:
        return None, "locked"
    given = (code or "").strip()
    if not (len(given) == 6 and given.isdigit()) or not hmac.compare_digest(
        row.code_hash, _digest(phone=phone, purpose=purpose, code=given)
    ):
        row.failed_attempts += 1
        row.save(update_fields=["failed_attempts"])
        return None, "mismatch"
    if consume:
        row.used_at = now
        row.save(update_fields=["used_at"])
    return row, ""


@transaction.atomic
def code_consume(*, code_id: int) -> bool:
    """Use up a checked code; False when it was used or replaced meanwhile."""
    return bool(
        VerificationCode.objects.filter(pk=code_id, used_at__isnull=True).update(
            used_at=clock.now()
        )
    )


def codes_purge(*, now: dt.datetime | None = None) -> int:
    """Delete codes that expired more than a day ago (they hold phone numbers)."""
    now = now or clock.now()
    deleted, _ = VerificationCode.objects.filter(expires_at__lt=now - dt.timedelta(days=1)).delete()
    return deleted
