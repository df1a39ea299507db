"""docker-compose.yml describes the production shape and wires what the settings need."""

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_names_the_production_services():
    assert set(COMPOSE["services"]) == {
        "migrate",
        "web",
        "worker",
        "beat",
        "proxy",
        "postgres",
        "redis",
    }
    assert "gunicorn" in COMPOSE["services"]["web"]["command"]
    assert "celery -A portal worker" in COMPOSE["services"]["worker"]["command"]
    assert "celery -A portal beat" in COMPOSE["services"]["beat"]["command"]
    for service in ("web", "worker", "beat"):
        assert COMPOSE["services"][service]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }


def test_the_image_builds_with_the_build_script_ci_runs():
    dockerfile = (ROOT / "Dockerfile").read_text().splitlines()
    after_copy = dockerfile[dockerfile.index("COPY . .") :]
    assert [line for line in after_copy if line.startswith("RUN ")] == ["RUN deploy/build"]
    assert "production-shape" in (ROOT / ".ci" / "run").read_text()


def test_the_proxy_and_the_portal_agree_on_the_media_location():
    proxy = COMPOSE["services"]["proxy"]
    portal = COMPOSE["services"]["web"]["environment"]
    assert proxy["environment"]["MEDIA_ACCEL_REDIRECT"] == portal["MEDIA_ACCEL_REDIRECT"]
    assert "media:/app/var/media:ro" in proxy["volumes"]
    assert "media:/app/var/media" in COMPOSE["services"]["web"]["volumes"]
    template = (ROOT / "deploy" / "nginx" / "portal.conf.template").read_text()
    for name in proxy["environment"]:
        assert "${" + name + "}" in template, name


def _portal_env(service: str) -> dict[str, str]:
    env = COMPOSE["services"][service]["environment"]
    filled = {}
    for key, value in env.items():
        # ${NAME:?message} and ${NAME:-default}: fill what an operator would provide.
        value = re.sub(r"\$\{POSTGRES_PASSWORD:\?[^}]*\}", "pw", str(value))
        value = re.sub(r"\$\{SECRET_KEY:\?[^}]*\}", "k" * 60 + "-compose-test-secret", value)
        value = re.sub(r"\$\{ALLOWED_HOSTS:\?[^}]*\}", "partner.example.kr", value)
        value = re.sub(r"\$\{SITE_URL:\?[^}]*\}", "https://partner.example.kr", value)
        value = re.sub(r"\$\{SMS_GATEWAY_API_(KEY|SECRET):-\}", "gateway-credential", value)
        value = re.sub(r"\$\{KAKAO_CLIENT_(ID|SECRET):\?[^}]*\}", "kakao-app-credential", value)
        value = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)
        filled[key] = value
    return filled


def test_every_app_service_gets_the_same_environment():
    web = COMPOSE["services"]["web"]["environment"]
    for service in ("worker", "beat"):
        assert COMPOSE["services"][service]["environment"] == web


def test_the_compose_environment_satisfies_production_settings():
    env = _portal_env("web")
    for name in (
        "PORTAL_MODE",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "SITE_URL",
        "DATABASE_URL",
        "REDIS_URL",
        "SMS_BACKEND",
    ):
        assert name in env, name
    assert env["DATABASE_URL"].startswith("postgres://portal:pw@postgres:5432/")
    assert env["REDIS_URL"].startswith("redis://redis:6379/")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
