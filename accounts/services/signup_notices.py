"""Texts that answer a sign-up attempt without telling the screen anything."""

from __future__ import annotations

import secrets

from django.conf import settings


def signup_already_registered_notify(*, phone: str) -> None:
    """Tell the number's owner by SMS that it already has an account.

    accounts.md, "Verification codes": responses must not reveal whether an ID exists,
    so the screen says "sent" either way and only the phone's owner learns the truth.
    """
    from portal.sms.services import sms_queue

    sms_queue(
        to=phone,
        body=(
            "[파트너플레이스] 이미 가입된 번호입니다. 비밀번호가 기억나지 않으면 "
            f"로그인 화면의 '비밀번호 설정'을 이용해 주세요. {settings.SITE_URL}/accounts/login/"
        ),
        kind="signup_exists",
        idempotency_key=f"signup-exists:{phone}:{secrets.token_hex(8)}",
    )
