"""The pro-membership policy, read from settings (``MEMBERSHIP_POLICY``).

The defaults are the seed values (membership.md, "Policy"); a deployment may override
any of them in settings. Every rule reads the policy through :func:`policy`.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from portal.clock import SEOUL

DEFAULTS: dict[str, object] = {
    "PRICE": 39_000,
    "JOIN_MIN_RATING": "4.0",
    "RENEW_MIN_RATING": "3.8",
    "RETRY_DAYS": 3,
    "SIGNUPS_CLOSE_AT": "2024-12-01T00:00:00",
    "RENEWALS_STOP_AT": "2025-01-01T00:00:00",
    "REFUNDS_STOP_AT": "2025-01-31T00:00:00",
    "REFUND_EXCEPTION_REASONS": ["missed_cancellation", "death"],
    "TERMINATION_FEE_PERCENT": 5,
    "WITHDRAWAL_WINDOW_DAYS": 7,
    "DORMANCY_DAYS": 365,
    "DORMANCY_NOTICE_DAYS": 30,
    "METHODS": ["kakaopay_card", "kakaopay_money", "phone"],
}


@dataclass(frozen=True)
class Policy:
    price: int
    join_min_rating: Decimal
    renew_min_rating: Decimal
    retry_days: int
    signups_close_at: dt.datetime
    renewals_stop_at: dt.datetime
    refunds_stop_at: dt.datetime
    refund_exception_reasons: tuple[str, ...]
    termination_fee_percent: int
    withdrawal_window: dt.timedelta
    dormancy: dt.timedelta
    dormancy_notice: dt.timedelta
    methods: tuple[str, ...]

    @property
    def renewals_stop_day(self) -> dt.date:
        """The first day whose 04:00 job makes no charge attempt."""
        return self.renewals_stop_at.date()


def _instant(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=SEOUL)
    return parsed.astimezone(SEOUL)


@lru_cache(maxsize=1)
def policy() -> Policy:
    """The policy in force: settings.MEMBERSHIP_POLICY over the seed defaults."""
    raw = {**DEFAULTS, **getattr(settings, "MEMBERSHIP_POLICY", {})}
    return Policy(
        price=int(raw["PRICE"]),
        join_min_rating=Decimal(str(raw["JOIN_MIN_RATING"])),
        renew_min_rating=Decimal(str(raw["RENEW_MIN_RATING"])),
        retry_days=int(raw["RETRY_DAYS"]),
        signups_close_at=_instant(str(raw["SIGNUPS_CLOSE_AT"])),
        renewals_stop_at=_instant(str(raw["RENEWALS_STOP_AT"])),
        refunds_stop_at=_instant(str(raw["REFUNDS_STOP_AT"])),
        refund_exception_reasons=tuple(raw["REFUND_EXCEPTION_REASONS"]),
        termination_fee_percent=int(raw["TERMINATION_FEE_PERCENT"]),
        withdrawal_window=dt.timedelta(days=int(raw["WITHDRAWAL_WINDOW_DAYS"])),
        dormancy=dt.timedelta(days=int(raw["DORMANCY_DAYS"])),
        dormancy_notice=dt.timedelta(days=int(raw["DORMANCY_NOTICE_DAYS"])),
        methods=tuple(raw["METHODS"]),
    )


@receiver(setting_changed)
def _reload(*, setting: str, **kwargs) -> None:
    if setting == "MEMBERSHIP_POLICY":
        policy.cache_clear()
