"""Member info changes (accounts.md, "Member info")."""

from __future__ import annotations

from django.db import transaction

from accounts.models import RosterEntry, User
from accounts.services.codes import code_consume


class PhoneChangeRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    MESSAGES = {
        "code": "인증번호를 다시 받아 주세요.",
        "taken": "이 번호로는 바꿀 수 없어요. 파트너교육가이드센터로 문의해 주세요.",
    }

    @property
    def message(self) -> str:
        return self.MESSAGES[self.reason]


@transaction.atomic
def account_phone_change(*, user: User, new_phone: str, code_id: int) -> User:
    """Move the partner's ID to ``new_phone`` after a code sent to that number.

    The ID is the phone number, so the username changes with it; the roster entry
    follows (it is the same driver). A number another account or roster entry holds
    is refused.
    """
    if not code_consume(code_id=code_id):
        raise PhoneChangeRefused("code")
    user = User.objects.select_for_update().get(pk=user.pk)
    if (
        User.objects.filter(phone=new_phone).exclude(pk=user.pk).exists()
        or RosterEntry.objects.filter(phone=new_phone).exclude(user=user).exists()
    ):
        raise PhoneChangeRefused("taken")
    RosterEntry.objects.filter(user=user).update(phone=new_phone)
    user.phone = new_phone
    user.username = new_phone
    user._change_reason = "본인이 휴대폰 번호 변경"
    user.save(update_fields=["phone", "username"])
    return user
