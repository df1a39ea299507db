"""SMS backends, chosen by ``settings.SMS_BACKEND`` like Django's e-mail backends."""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from portal.sms.backends.base import SmsBackend, SmsRejected, SmsTemporaryFailure

__all__ = ["SmsBackend", "SmsRejected", "SmsTemporaryFailure", "get_backend"]


@cache
def _backend_class(path: str) -> type[SmsBackend]:
    return import_string(path)


def get_backend(path: str | None = None) -> SmsBackend:
    """A fresh instance of the configured backend (or of ``path``)."""
    return _backend_class(path or settings.SMS_BACKEND)()
