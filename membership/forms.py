"""Staff forms for the admin operations (membership.md, "The ledger": each asks for a
CS ticket number)."""

from django import forms

from membership.models import RefundTo

REASON_CHOICES = [
    ("", "일반 (환불 중단 전)"),
    ("missed_cancellation", "해지 누락 (환불 중단 후 예외)"),
    ("death", "이용자 사망 (환불 중단 후 예외)"),
]


class StaffOperationForm(forms.Form):
    ticket = forms.CharField(
        label="CS 티켓 번호",
        max_length=40,
        help_text="아지트 CS 티켓 번호를 적으세요. 처리 기록에 남습니다.",
    )
    reason = forms.CharField(label="사유", max_length=200, required=False)

    def clean_ticket(self) -> str:
        ticket = self.cleaned_data["ticket"].strip()
        if not ticket:
            raise forms.ValidationError("CS 티켓 번호를 적어 주세요.")
        return ticket


class TerminationForm(StaffOperationForm):
    reason = forms.ChoiceField(
        label="사유",
        choices=[("", "파트너 요청·계정 정지 등"), *REASON_CHOICES[1:]],
        required=False,
        help_text="환불 중단(2025-01-31) 뒤에는 예외 사유가 있어야 포인트 환불이 됩니다.",
    )


class RefundForm(StaffOperationForm):
    amount = forms.IntegerField(label="환불 금액(원)", min_value=1)
    to = forms.ChoiceField(label="환불 방법", choices=RefundTo.choices)
    reason = forms.ChoiceField(
        label="사유",
        choices=REASON_CHOICES,
        required=False,
        help_text="환불 중단(2025-01-31) 뒤에는 예외 사유와 티켓이 있어야 합니다.",
    )
