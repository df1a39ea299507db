"""Rate limits for the portal's own code and password endpoints.

They use allauth's limiter and its ACCOUNT_RATE_LIMITS setting (per IP and per phone,
counted in the cache: Redis in production), so every limit sits in one place.
"""

from __future__ import annotations

from allauth.core import ratelimit
from django.http import HttpRequest

LIMITED_MESSAGE = "요청이 너무 많아요. 잠시 뒤(1분 이상) 다시 시도해 주세요."


def rate_allow(request: HttpRequest, *, action: str, key: str | None = None) -> bool:
    """Count one hit of ``action``; False once a limit is reached."""
    return bool(ratelimit.consume(request, action=action, key=key))
