"""Withdrawal (회원탈퇴): erase personal data at once, keep pseudonymous records.

accounts.md, "Withdrawal": blocked while another part of the portal objects (a pro
membership that has not ended); otherwise personal data is erased or irreversibly
anonymised, records that must stay keep only the user's id and the qualification
number, every session ends and the phone number is free for a new sign-up.

Other apps plug their objections in with ``register_withdrawal_guard`` (the membership
app does so in its ``AppConfig.ready``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q

from portal import clock

WithdrawalGuard = Callable[["object"], "str | None"]

_guards: list[WithdrawalGuard] = []

# Reason codes → what the partner reads. Apps registering a guard may add theirs.
BLOCK_MESSAGES: dict[str, str] = {
    "membership_active": (
        "프로 멤버십이 이용 중(또는 결제 대기·해지 예정)이라 지금은 탈퇴할 수 없어요. "
        "멤버십이 끝난 뒤에 다시 탈퇴해 주세요."
    ),
    "already_withdrawn": "이미 탈퇴한 계정입니다.",
}


class WithdrawalBlocked(Exception):
    """A registered guard objects to the withdrawal; ``reason_code`` says why."""

    def __init__(self, reason_code: str) -> None:
        super().__init__(reason_code)
        self.reason_code = reason_code

    @property
    def message(self) -> str:
        return BLOCK_MESSAGES.get(
            self.reason_code, "지금은 탈퇴할 수 없어요. 파트너교육가이드센터로 문의해 주세요."
        )


def register_withdrawal_guard(func: WithdrawalGuard) -> WithdrawalGuard:
    """Add ``func(user) -> reason_code | None``; any reason blocks withdrawal.

    Registering the same function twice has no effect (``ready()`` may run twice).
    """
    if func not in _guards:
        _guards.append(func)
    return func


def unregister_withdrawal_guard(func: WithdrawalGuard) -> None:
    """Remove a guard (for tests that register their own)."""
    if func in _guards:
        _guards.remove(func)


def withdrawal_blocker(*, user) -> str | None:
    """The first guard's reason code, or None when the partner may withdraw."""
    if user.withdrawn_at is not None:
        return "already_withdrawn"
    for guard in list(_guards):
        reason = guard(user)
        if reason:
            return reason
    return None


@transaction.atomic
def account_withdraw(*, user, actor=None) -> None:
    """Withdraw ``user`` now (accounts.md, "Withdrawal").

    Raises ``WithdrawalBlocked`` when a guard objects. ``actor`` is the staff member
    acting for the partner, or None when partners withdraw themselves.
    """
    from allauth.socialaccount.models import SocialAccount

    from accounts.models import (
        AccessRequest,
        RosterEntry,
        SignupInquiry,
        User,
        VerificationCode,
    )
    from portal.sms.models import OutboxMessage, OutboxStatus

    user = User.objects.select_for_update().get(pk=user.pk)
    reason = withdrawal_blocker(user=user)
    if reason:
        raise WithdrawalBlocked(reason)

    phone = user.phone
    now = clock.now()

    SocialAccount.objects.filter(user=user).delete()
    VerificationCode.objects.filter(Q(user=user) | Q(phone=phone or "-")).delete()

    access_ids = list(AccessRequest.objects.filter(user=user).values_list("id", flat=True))
    # Deleting writes a last history row (simple_history), so history goes after.
    AccessRequest.objects.filter(id__in=access_ids).delete()
    AccessRequest.history.filter(id__in=access_ids).delete()

    roster = RosterEntry.objects.filter(Q(user=user) | Q(phone=phone or "-"))
    roster_ids = list(roster.values_list("id", flat=True))
    roster.delete()
    RosterEntry.history.filter(id__in=roster_ids).delete()

    if phone:
        inquiry_ids = list(SignupInquiry.objects.filter(phone=phone).values_list("id", flat=True))
        SignupInquiry.objects.filter(id__in=inquiry_ids).delete()
        SignupInquiry.history.filter(id__in=inquiry_ids).delete()
        OutboxMessage.objects.filter(to=phone, status=OutboxStatus.PENDING).update(
            status=OutboxStatus.FAILED, last_error="탈퇴: 보내지 않음"
        )
        OutboxMessage.objects.filter(to=phone).update(to="", body="(탈퇴한 회원의 문자: 내용 삭제)")

    user_type = ContentType.objects.get_for_model(User)
    roster_type = ContentType.objects.get_for_model(RosterEntry)
    LogEntry.objects.filter(
        Q(content_type=user_type, object_id=str(user.pk))
        | Q(content_type=roster_type, object_id__in=[str(pk) for pk in roster_ids])
    ).update(object_repr=f"탈퇴 회원 #{user.pk}", change_message="[]")

    User.history.filter(id=user.pk).delete()

    user.username = f"withdrawn-{user.pk}"
    user.phone = None
    user.name = ""
    user.birth_date = None
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.set_unusable_password()  # a new session hash: every session of the user ends
    user.is_active = False
    user.password_changed_at = None
    user.password_prompt_snoozed_until = None
    user.password_reminded_at = None
    user.withdrawn_at = now
    user.skip_history_when_saving = True
    user.save()
    if actor is not None and actor.pk != user.pk:
        LogEntry.objects.create(
            user=actor,
            content_type=user_type,
            object_id=str(user.pk),
            object_repr=f"탈퇴 회원 #{user.pk}",
            action_flag=3,
            change_message="직원이 대신 탈퇴 처리",
        )
