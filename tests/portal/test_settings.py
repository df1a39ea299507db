"""Settings come from the environment; production mode refuses to start half-configured."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "PORTAL_MODE": "production",
    "SECRET_KEY": "x" * 64 + "-production-test-key-with-enough-entropy-0123456789",
    "ALLOWED_HOSTS": "partner.example.kr",
    "SITE_URL": "https://partner.example.kr",
    "DATABASE_URL": "postgres://portal:secret@db.internal:5432/portal",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "SMS_BACKEND": "portal.sms.backends.solapi.SolapiBackend",
    "SMS_GATEWAY_API_KEY": "key",
    "SMS_GATEWAY_API_SECRET": "secret",
    "KAKAO_CLIENT_ID": "kakao-rest-api-key",
    "KAKAO_CLIENT_SECRET": "kakao-client-secret",
}


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    ignored = {*PRODUCTION_ENV, "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in ignored}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_under_production_settings():
    result = run_manage(PRODUCTION_ENV, "check", "--deploy", "--fail-level", "DEBUG")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize(
    "missing",
    [
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "SITE_URL",
        "REDIS_URL",
        "SMS_GATEWAY_API_SECRET",
        "KAKAO_CLIENT_ID",
        "KAKAO_CLIENT_SECRET",
    ],
)
def test_production_refuses_to_start_without(missing):
    env = dict(PRODUCTION_ENV)
    del env[missing]
    result = run_manage(env, "check")
    assert result.returncode != 0
    assert f"{missing} must be set in production mode" in result.stderr


def test_production_refuses_debug():
    result = run_manage({**PRODUCTION_ENV, "DEBUG": "true"}, "check")
    assert result.returncode != 0
    assert "DEBUG must be off in production mode" in result.stderr


def test_a_malformed_boolean_is_an_error_not_a_guess():
    result = run_manage({"DEBUG": "maybe"}, "check")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_development_defaults_need_no_environment(settings):
    assert settings.TIME_ZONE == "Asia/Seoul"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "ko-kr"
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("COURSES_COMPLETION_THRESHOLD", "ninety", "must be a number"),
        ("COURSES_REMINDER_DAYS", "3,one", "must be whole numbers separated by commas"),
        ("SMS_BATCH_SIZE", "lots", "must be a whole number"),
    ],
)
def test_a_malformed_number_names_its_variable(name, value, message):
    result = run_manage({name: value}, "check")
    assert result.returncode != 0
    assert f"{name} {message}" in result.stderr
