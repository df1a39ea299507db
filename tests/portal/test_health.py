"""Liveness and readiness: reachable by probes as production configures the portal."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from portal import clock
from portal.models import ScheduledJob
from portal.sms.models import OutboxMessage, OutboxStatus
from tests.support.redis_server import redis_server  # noqa: F401


@pytest.fixture
def production_like(settings):
    """What production mode sets that a probe on 127.0.0.1 over plain HTTP runs into."""
    settings.ALLOWED_HOSTS = ["partner.example.kr"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return settings


def test_liveness_answers_a_probe_that_is_neither_allowed_host_nor_https(client, production_like):
    response = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Cache-Control"] == "no-store"
    # Behind the proxy, with the public host, it is not redirected either.
    assert client.get("/healthz", HTTP_HOST="partner.example.kr").status_code == 200


def test_every_other_address_keeps_host_validation_and_the_tls_redirect(client, production_like):
    assert client.get("/", HTTP_HOST="127.0.0.1:8000").status_code == 400
    assert client.get("/healthz/x", HTTP_HOST="127.0.0.1:8000").status_code == 400
    redirect = client.get("/", HTTP_HOST="partner.example.kr")
    assert redirect.status_code == 301
    assert redirect["Location"] == "https://partner.example.kr/"
    assert client.post("/healthz", HTTP_HOST="127.0.0.1:8000").status_code == 400


@pytest.mark.django_db
def test_readiness_reports_each_check(client, production_like):
    response = client.get("/readyz", HTTP_HOST="127.0.0.1:8000")
    body = json.loads(response.content)
    assert response.status_code == 200, body
    assert body == {
        "ready": True,
        "checks": {
            "database": "ok",
            "migrations": "ok",
            "broker": "ok",
            "jobs": "ok",
            "outbox": "ok",
        },
    }


@pytest.mark.django_db
def test_readiness_fails_when_a_job_missed_its_run(client):
    ScheduledJob.objects.update_or_create(
        name="courses-expire",
        defaults={
            "tracked_since": clock.now() - dt.timedelta(days=3),
            "last_started_at": clock.now() - dt.timedelta(days=2),
        },
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["jobs"] == "missed: courses-expire"
    ScheduledJob.objects.filter(name="courses-expire").update(last_started_at=clock.now())
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_readiness_fails_when_outbox_messages_are_stuck(client, settings):
    settings.SMS_STUCK_AFTER_SECONDS = 600
    hour_ago = clock.now() - dt.timedelta(hours=1)
    OutboxMessage.objects.create(
        to="01012345678",
        body="x",
        kind="code",
        idempotency_key="stuck-1",
        next_attempt_at=hour_ago,
    )
    OutboxMessage.objects.create(
        to="01012345678",
        body="x",
        kind="code",
        idempotency_key="stuck-2",
        status=OutboxStatus.SENDING,
        claimed_at=hour_ago,
    )
    # Due a minute ago: the sweep's to pick up, not stuck yet.
    OutboxMessage.objects.create(
        to="01012345678",
        body="x",
        kind="code",
        idempotency_key="due-now",
        next_attempt_at=clock.now() - dt.timedelta(minutes=1),
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["outbox"] == "2 stuck"


@pytest.mark.django_db
@pytest.mark.redis
def test_readiness_fails_when_the_broker_is_down(client, redis_server):  # noqa: F811
    from tests.support.celery_worker import use_broker

    with use_broker(redis_server.url):
        assert client.get("/readyz").status_code == 200
        redis_server.stop()
        try:
            response = client.get("/readyz")
        finally:
            redis_server.start()
    assert response.status_code == 503
    checks = json.loads(response.content)["checks"]
    assert checks["broker"].startswith("error: ")
    assert checks["database"] == "ok"
