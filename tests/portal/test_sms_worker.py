"""The outbox with real Redis and real Celery workers (issue 2, "Acceptance").

Each test runs a private redis-server (so it can be stopped), the fake SOLAPI gateway
on 127.0.0.1, and ``celery -A portal worker`` subprocesses on the test database.
"""

import time
from collections import Counter

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.urls import path

from portal.sms.models import OutboxMessage, OutboxStatus
from portal.sms.services import SmsDraft, outbox_sweep, sms_queue, sms_queue_many
from tests.fakes.sms_gateway import FakeSolapiGateway, portal_settings, worker_env
from tests.support.celery_worker import celery_worker, celery_workers, use_broker  # noqa: F401
from tests.support.redis_server import redis_server  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]

# Worker side: a look-up and a send take at most 2 s each; the sweep takes back rows
# "sending" for 6 s, so a live worker never starts a send later than 1 s after its claim.
GATEWAY_TIMEOUT = 2
SWEEP_AFTER = 6


def _send_code_view(request):
    """A request whose change sends an SMS (stands in for sign-up, password reset ...)."""
    with transaction.atomic():
        sms_queue(
            to="01012345678",
            body="[파트너플레이스] 인증번호 551234",
            kind="code",
            idempotency_key="code:redis-down",
        )
    return HttpResponse("인증번호를 보냈습니다.")


urlpatterns = [path("send-code/", _send_code_view)]


def wait_for(predicate, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def gateway(settings):
    fake = FakeSolapiGateway().start()
    for name, value in portal_settings(fake, timeout=GATEWAY_TIMEOUT).items():
        setattr(settings, name, value)
    settings.SMS_SWEEP_AFTER_SECONDS = SWEEP_AFTER
    yield fake
    fake.stop()


def _env(gateway, **extra):
    return worker_env(
        gateway, timeout=GATEWAY_TIMEOUT, SMS_SWEEP_AFTER_SECONDS=SWEEP_AFTER, **extra
    )


def _status_counts() -> Counter:
    return Counter(OutboxMessage.objects.values_list("status", flat=True))


def test_row_rolls_back_with_its_transaction(gateway, redis_server, celery_workers):  # noqa: F811
    with use_broker(redis_server.url):
        celery_workers.start(broker_url=redis_server.url, env=_env(gateway))
        with pytest.raises(RuntimeError), transaction.atomic():
            sms_queue(to="01011110000", body="취소될 문자", kind="code", idempotency_key="gone")
            raise RuntimeError("the change failed after queueing its SMS")
        with transaction.atomic():
            sms_queue(to="01022220000", body="남는 문자", kind="code", idempotency_key="kept")
        wait_for(lambda: gateway.messages, timeout=20, what="the committed message")
        time.sleep(1)  # room for a wrongly sent second message to arrive
    assert gateway.references() == ["kept"]
    assert list(OutboxMessage.objects.values_list("idempotency_key", "status")) == [
        ("kept", OutboxStatus.SENT)
    ]


@pytest.mark.urls(__name__)
def test_request_succeeds_with_redis_down_and_the_sweep_delivers_later(
    client,
    gateway,
    redis_server,  # noqa: F811
    celery_workers,  # noqa: F811
):
    with use_broker(redis_server.url):
        celery_workers.start(broker_url=redis_server.url, env=_env(gateway))
        redis_server.stop()

        started = time.monotonic()
        response = client.get("/send-code/")
        took = time.monotonic() - started
        assert response.status_code == 200
        assert response.content.decode() == "인증번호를 보냈습니다."
        assert took < 3, f"the request waited {took:.1f}s for the broker"
        row = OutboxMessage.objects.get(idempotency_key="code:redis-down")
        assert row.status == OutboxStatus.PENDING
        assert row.attempts == 0

        # While Redis is down the sweep (beat or sms_sweep) cannot queue anything either.
        time.sleep(1)
        assert gateway.messages == []

        redis_server.start()

        def swept_and_sent():
            outbox_sweep(send_here_if_broker_down=False)
            return OutboxMessage.objects.filter(status=OutboxStatus.SENT).exists()

        wait_for(swept_and_sent, timeout=SWEEP_AFTER + 30, interval=1, what="delivery")
    assert gateway.references() == ["code:redis-down"]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 1)
    assert row.provider_message_id == gateway.messages[0]["messageId"]


def test_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    gateway,
    redis_server,  # noqa: F811
    celery_workers,  # noqa: F811
):
    total = 200
    gateway.delay = 0.05  # 200 messages take ~5 s over the worker's two processes
    with use_broker(redis_server.url):
        first = celery_workers.start(
            broker_url=redis_server.url, env=_env(gateway, SMS_BATCH_SIZE=20)
        )
        with transaction.atomic():
            sms_queue_many(
                drafts=[
                    SmsDraft(
                        to=f"010{i:08d}",
                        body=f"[파트너플레이스] 교육 안내 {i}",
                        kind="notice",
                        idempotency_key=f"notice:{i}",
                    )
                    for i in range(total)
                ]
            )
        wait_for(lambda: len(gateway.messages) >= 40, timeout=30, interval=0.01, what="40 sent")
        # The hard case: the gateway takes the next messages but the worker dies before
        # it hears back, so their rows are still "sending" with the message delivered.
        gateway.stall_next(2, 10.0, accept=True)
        wait_for(lambda: gateway.stalled_accepts >= 2, timeout=3, interval=0.01, what="stall")
        first.kill()
        assert not first.alive

        delivered_before = len(gateway.messages)
        assert delivered_before < total
        unfinished = _status_counts()
        assert unfinished[OutboxStatus.SENDING] >= gateway.stalled_accepts

        celery_workers.start(broker_url=redis_server.url, env=_env(gateway, SMS_BATCH_SIZE=20))

        def all_sent():
            outbox_sweep(send_here_if_broker_down=False)
            return _status_counts()[OutboxStatus.SENT] == total

        wait_for(all_sent, timeout=SWEEP_AFTER + 60, interval=1, what="all messages sent")

    counts = Counter(gateway.references())
    assert len(counts) == total
    duplicates = {key: n for key, n in counts.items() if n > 1}
    assert duplicates == {}
    assert _status_counts() == {OutboxStatus.SENT: total}
    # Rows whose message the gateway took while the worker died were not sent again:
    # the second attempt found them by their outbox key.
    provider_ids = set(OutboxMessage.objects.values_list("provider_message_id", flat=True))
    assert provider_ids == {m["messageId"] for m in gateway.messages}


def test_the_plain_worker_fixture_writes_sms_to_its_file(celery_worker):  # noqa: F811
    with transaction.atomic():
        sms_queue(
            to="01033330000", body="파일로 가는 문자", kind="notice", idempotency_key="file:1"
        )

    def written():
        return celery_worker.sms_file.exists() and celery_worker.sms_file.read_text("utf-8")

    lines = wait_for(written, timeout=20, what="the worker's SMS file").splitlines()
    assert len(lines) == 1
    assert '"idempotency_key": "file:1"' in lines[0]
    assert "파일로 가는 문자" in lines[0]
    # The row is marked sent once the worker writes its batch's results.
    wait_for(
        lambda: OutboxMessage.objects.filter(status=OutboxStatus.SENT).exists(),
        timeout=10,
        what="the row marked sent",
    )
