"""The payment gateway the ledger charges through (membership.md, "Charge attempts").

``gateway()`` returns the configured gateway (setting ``MEMBERSHIP_GATEWAY``, a dotted
path); the default is the in-process fake, whose declines are scriptable. Every charge
and every payment cancellation goes through this interface, in the job and in the
replay alike.
"""

from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from membership.gateway.base import CancelRequest, ChargeRequest, ChargeResult, PaymentGateway

DEFAULT_GATEWAY = "membership.gateway.fake.FakeGateway"

__all__ = ["CancelRequest", "ChargeRequest", "ChargeResult", "PaymentGateway", "gateway"]


@lru_cache(maxsize=1)
def gateway() -> PaymentGateway:
    path = getattr(settings, "MEMBERSHIP_GATEWAY", DEFAULT_GATEWAY)
    return import_string(path)()


@receiver(setting_changed)
def _reload(*, setting: str, **kwargs) -> None:
    if setting == "MEMBERSHIP_GATEWAY":
        gateway.cache_clear()
