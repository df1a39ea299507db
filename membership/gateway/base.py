"""The payment-gateway interface: charges (with idempotency keys) and cancellations."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol


class ChargeRequest(NamedTuple):
    key: str  # the attempt's idempotency key: the gateway never charges one key twice
    user_id: int
    method: str
    amount: int


class ChargeResult(NamedTuple):
    approved: bool
    ref: str = ""


@dataclass(frozen=True)
class CancelRequest:
    key: str
    charge_ref: str
    amount: int


class PaymentGateway(Protocol):
    def charge_many(self, requests: Sequence[ChargeRequest]) -> list[ChargeResult]:
        """Charge each request; one result per request, in order."""

    def cancel(self, request: CancelRequest) -> None:
        """Cancel (part of) an approved payment back to the payment method."""
