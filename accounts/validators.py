"""Password validators (accounts.md, "Password rules").

The character rule comes from the seeds (8–16 characters with upper and lower case, a
digit and a special character): a deliberate business rule the call centre reads
aloud, kept as a setting (AUTH_PASSWORD_VALIDATORS options) rather than hard-coded.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

_SPECIAL = re.compile(r"[^A-Za-z0-9]")


class PartnerPasswordRuleValidator:
    def __init__(self, min_length: int = 8, max_length: int = 16) -> None:
        self.min_length = min_length
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        problems = []
        if not self.min_length <= len(password) <= self.max_length:
            problems.append(f"{self.min_length}~{self.max_length}자로")
        if not re.search(r"[A-Z]", password):
            problems.append("영문 대문자를 넣어")
        if not re.search(r"[a-z]", password):
            problems.append("영문 소문자를 넣어")
        if not re.search(r"[0-9]", password):
            problems.append("숫자를 넣어")
        if not _SPECIAL.search(password) or re.search(r"\s", password):
            problems.append("특수문자(예: ! @ #)를 넣고 빈칸 없이")
        if problems:
            raise ValidationError(
                "비밀번호를 " + ", ".join(problems) + " 만들어 주세요. 예: Blue1234!",
                code="password_rule",
            )

    def get_help_text(self) -> str:
        return (
            f"{self.min_length}~{self.max_length}자, 영문 대문자·소문자, 숫자, "
            "특수문자를 모두 넣어 주세요. 예: Blue1234!"
        )


class NotContainingIdValidator:
    """The password must not be, or contain, the ID (the phone number)."""

    def validate(self, password: str, user=None) -> None:
        if user is None:
            return
        ids = {getattr(user, "username", "") or "", getattr(user, "phone", "") or ""}
        digits = "".join(ch for ch in password if ch.isdigit())
        for login_id in ids:
            if not login_id:
                continue
            tail = login_id[-8:] if login_id.isdigit() else login_id
            if login_id.lower() in password.lower() or (len(tail) >= 8 and tail in digits):
                raise ValidationError(
                    "비밀번호에 아이디(휴대폰 번호)를 넣을 수 없어요. 다른 비밀번호를 정해 주세요.",
                    code="password_contains_id",
                )

    def get_help_text(self) -> str:
        return "아이디(휴대폰 번호)가 들어가면 안 됩니다."
