"""가입 문의: questions from the 파트너 가입 pages (accounts.md, "Help pages")."""

from __future__ import annotations

from typing import NamedTuple

from django.db import transaction

from accounts.models import Service, SignupInquiry, User
from portal import clock


class InquiryAnswered(NamedTuple):
    inquiry: SignupInquiry
    texted: bool  # the answer SMS was queued now (only the first answer is texted)


def inquiry_create(
    *, service: Service | None, name: str, phone: str, question: str
) -> SignupInquiry:
    """Store a sign-up question for staff to answer in admin."""
    return SignupInquiry.objects.create(
        service=service,
        name=name.strip(),
        phone=phone,
        question=question.strip(),
        created_at=clock.now(),
    )


@transaction.atomic
def inquiry_answer(*, inquiry: SignupInquiry, answer: str, staff: User) -> InquiryAnswered:
    """Record staff's answer and text the asker that it is ready."""
    from portal.sms.services import sms_queue

    row = SignupInquiry.objects.select_for_update().get(pk=inquiry.pk)
    first = not row.answered_at
    row.answer = answer.strip()
    row.answered_at = clock.now()
    row.answered_by = staff
    row._change_reason = "답변" if first else "답변 고침"
    row.save()
    if first:
        sms_queue(
            to=row.phone,
            body=f"[파트너플레이스] 가입 문의 답변: {row.answer[:70]}",
            kind="signup_inquiry",
            idempotency_key=f"inquiry:{row.pk}",
        )
    return InquiryAnswered(inquiry=row, texted=first)
