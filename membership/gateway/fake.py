"""An in-process gateway with scriptable declines, for development, tests, the replay
and the benchmark. It honours idempotency keys like a real gateway: a key charged once
returns its first result again and never charges twice.
"""

from collections import defaultdict
from collections.abc import Sequence

from membership.gateway.base import CancelRequest, ChargeRequest, ChargeResult


class FakeGateway:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.pending_declines: dict[int, int] = defaultdict(int)
        self.results: dict[str, ChargeResult] = {}
        self.charged: list[ChargeRequest] = []
        self.cancelled: list[CancelRequest] = []

    def decline_next(self, *, user_id: int, count: int) -> None:
        """Decline this user's next ``count`` charges (adds to what is still pending)."""
        self.pending_declines[user_id] += count

    def charge_many(self, requests: Sequence[ChargeRequest]) -> list[ChargeResult]:
        out = []
        for request in requests:
            known = self.results.get(request.key)
            if known is None:
                if self.pending_declines.get(request.user_id, 0) > 0:
                    self.pending_declines[request.user_id] -= 1
                    known = ChargeResult(approved=False)
                else:
                    known = ChargeResult(approved=True, ref=f"fake-{len(self.charged) + 1}")
                    self.charged.append(request)
                self.results[request.key] = known
            out.append(known)
        return out

    def cancel(self, request: CancelRequest) -> None:
        self.cancelled.append(request)
