"""Service access requests: 정회원 badges for services a partner is not yet in.

accounts.md, "Member info" (service list) and seed 000 Q7.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.models import AccessRequest, AccessRequestStatus, RosterEntry, Service, User
from portal import clock


class AccessRequestRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    MESSAGES = {
        "already_member": "이미 정회원인 서비스입니다.",
        "pending": "이 서비스는 이미 신청해서 검토 중이에요. 결과는 문자로 알려 드려요.",
        "decided": "이미 처리된 신청입니다.",
        "reason_required": "반려 사유를 적어 주세요. 파트너에게 문자로 갑니다.",
    }

    @property
    def message(self) -> str:
        return self.MESSAGES[self.reason]


def access_request_create(*, user: User, service: Service, reason: str) -> AccessRequest:
    """The partner asks for ``service`` with a reason; staff review it in admin."""
    if RosterEntry.objects.filter(user=user, services=service).exists():
        raise AccessRequestRefused("already_member")
    try:
        with transaction.atomic():
            return AccessRequest.objects.create(
                user=user, service=service, reason=reason.strip(), created_at=clock.now()
            )
    except IntegrityError:
        raise AccessRequestRefused("pending") from None


@transaction.atomic
def access_request_decide(
    *,
    access_request: AccessRequest,
    approve: bool,
    staff: User,
    note: str = "",
    rejection_reason: str = "",
) -> AccessRequest:
    """Approve (the badge appears) or reject; the partner gets an SMS either way.

    accounts.md, "Member info": approve or reject, with an SMS either way. A rejection
    carries its reason (docs/accounts.md, "Access requests"): kept on the request as
    ``rejection_reason``, where the partner's service list reads it, and sent in the
    SMS. ``note`` is staff's own memo and is never shown to the partner.
    """
    from portal.sms.services import sms_queue

    reason = rejection_reason.strip()
    if not approve and not reason:
        raise AccessRequestRefused("reason_required")
    row = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if row.status != AccessRequestStatus.PENDING:
        raise AccessRequestRefused("decided")
    row.status = AccessRequestStatus.APPROVED if approve else AccessRequestStatus.REJECTED
    row.decided_at = clock.now()
    row.decided_by = staff
    row.staff_note = note
    row.rejection_reason = "" if approve else reason
    row._change_reason = "승인" if approve else f"반려: {reason}"
    row.save()
    user = row.user
    if approve:
        entry = RosterEntry.objects.filter(user=user).first()
        if entry is None and user.phone and user.birth_date:
            entry = RosterEntry.objects.create(
                phone=user.phone, name=user.name, birth_date=user.birth_date, user=user
            )
        if entry is not None:
            entry.services.add(row.service)
        body = (
            f"[파트너플레이스] {row.service.name} 권한 신청이 승인되었어요. "
            "회원정보에서 정회원 배지를 확인하세요."
        )
    else:
        body = f"[파트너플레이스] {row.service.name} 권한 신청이 승인되지 않았어요. 사유: {reason}"
    if user.phone:
        sms_queue(
            to=user.phone, body=body, kind="access_request", idempotency_key=f"access:{row.pk}"
        )
    return row
