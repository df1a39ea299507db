"""Refusals: a rule said no (membership.md, "Replay command", rejection codes)."""

ACCOUNT_WITHDRAWN = "account_withdrawn"
SIGNUPS_CLOSED = "signups_closed"
NOT_GENERAL_DRIVER = "not_general_driver"
ALREADY_SUBSCRIBED = "already_subscribed"
RATING_BELOW_JOIN_THRESHOLD = "rating_below_join_threshold"
NOT_SUBSCRIBED = "not_subscribed"
ALREADY_CANCELLING = "already_cancelling"
METHOD_CHANGE_NOT_ALLOWED = "method_change_not_allowed"
WITHDRAWAL_WINDOW_PASSED = "withdrawal_window_passed"
USED_WITHIN_WINDOW = "used_within_window"
REFUNDS_CLOSED = "refunds_closed"
NOTHING_TO_REFUND = "nothing_to_refund"
REFUND_EXCEEDS_CHARGE = "refund_exceeds_charge"
MEMBERSHIP_ACTIVE = "membership_active"

MESSAGES = {
    ACCOUNT_WITHDRAWN: "탈퇴한 계정입니다.",
    SIGNUPS_CLOSED: "신규 가입이 2024년 12월 1일부터 중단되었습니다.",
    NOT_GENERAL_DRIVER: "일반 기사만 가입할 수 있습니다.",
    ALREADY_SUBSCRIBED: "이미 이용 중인 멤버십이 있습니다.",
    RATING_BELOW_JOIN_THRESHOLD: "가입 기준 평점(4.0)에 못 미칩니다.",
    NOT_SUBSCRIBED: "이용 중인 멤버십이 없습니다.",
    ALREADY_CANCELLING: "이미 해지 예약된 멤버십입니다.",
    METHOD_CHANGE_NOT_ALLOWED: "결제 실패 후 미결제 기간에만 결제수단을 바꿀 수 있습니다.",
    WITHDRAWAL_WINDOW_PASSED: "가입 후 7일이 지나 청약 철회를 할 수 없습니다.",
    USED_WITHIN_WINDOW: "가입 후 출근하기 이용 기록이 있어 청약 철회를 할 수 없습니다.",
    REFUNDS_CLOSED: "2025년 1월 31일부터 환불이 중단되었습니다(예외 사유와 CS 티켓 필요).",
    NOTHING_TO_REFUND: "환불할 결제가 없습니다.",
    REFUND_EXCEEDS_CHARGE: "환불 금액이 남은 결제 금액보다 큽니다.",
    MEMBERSHIP_ACTIVE: "멤버십이 종료된 뒤에 탈퇴할 수 있습니다.",
}


class MembershipRefused(Exception):
    """A rule refused the operation; ``code`` is one of the spec's reason codes."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    @property
    def message(self) -> str:
        return MESSAGES.get(self.code, self.code)
