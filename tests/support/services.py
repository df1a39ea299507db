"""Which real services this test run can reach, and the rule for when one is missing.

A test that needs PostgreSQL, Redis, a Celery worker or Chromium calls ``require``.
Locally a missing service skips the test with a one-line reason; under ``CI=true``
the same test fails, so CI can never pass by skipping.
"""

import os
import shutil
import socket
from functools import cache
from urllib.parse import urlparse

import pytest
from django.conf import settings

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/15"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require(available: bool, reason: str) -> None:
    if available:
        return
    if in_ci():
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def database_is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_redis_url() -> str:
    """The Redis the tests use: REDIS_URL's server, database 15, flushed by the tests."""
    base = os.environ.get("REDIS_URL") or DEFAULT_TEST_REDIS_URL
    parsed = urlparse(base)
    return f"redis://{parsed.hostname or '127.0.0.1'}:{parsed.port or 6379}/15"


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@cache
def redis_reachable() -> bool:
    parsed = urlparse(test_redis_url())
    if not port_open(parsed.hostname, parsed.port):
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(test_redis_url(), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def redis_server_binary() -> str | None:
    return shutil.which("redis-server")


def chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if os.path.exists(configured) else None
    for candidate in CHROMIUM_CANDIDATES:
        if os.path.exists(candidate):
            return candidate
    return None
