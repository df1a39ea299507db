"""Sending from the outbox: retries with back-off, giving up, the claim, the sweep.

The gateway is the fake SOLAPI server; tasks run in-process (``eager_tasks``) except
where a test points the Celery app at a broker that is down.
"""

import datetime as dt
import threading
import time
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from portal import clock
from portal.sms.backends import locmem
from portal.sms.backends.solapi import SolapiBackend
from portal.sms.models import OutboxMessage, OutboxStatus
from portal.sms.services import (
    LOST_WORKER_ERROR,
    SmsDraft,
    backoff_seconds,
    outbox_claim,
    outbox_dispatch,
    outbox_send_batch,
    outbox_sweep,
    sms_queue,
    sms_queue_many,
)
from tests.fakes.sms_gateway import FakeSolapiGateway, portal_settings
from tests.support.celery_worker import eager_tasks, use_broker

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.SEOUL)
# Nothing listens on port 1: publishing there fails at once, like a broker that is down.
DEAD_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture(autouse=True)
def _tasks_in_process():
    with eager_tasks():
        yield


@pytest.fixture
def gateway(settings):
    fake = FakeSolapiGateway().start()
    for name, value in portal_settings(fake).items():
        setattr(settings, name, value)
    yield fake
    fake.stop()


def _queue(key: str = "code:1", to: str = "01012345678") -> OutboxMessage:
    """A row as a caller leaves it: written, its commit callback not yet run."""
    return sms_queue(to=to, body="인증번호 120394", kind="code", idempotency_key=key)


def _row(message: OutboxMessage) -> OutboxMessage:
    return OutboxMessage.objects.get(pk=message.pk)


def test_backoff_grows_and_is_capped():
    assert [backoff_seconds(attempts=n) for n in range(1, 8)] == [
        10,
        30,
        90,
        270,
        810,
        2430,
        3600,
    ]


@pytest.mark.django_db
def test_gateway_error_is_retried_after_the_backoff(gateway, django_capture_on_commit_callbacks):
    gateway.fail_next(1, status=503)
    with clock.travel(T0), django_capture_on_commit_callbacks(execute=True):
        message = _queue()
    row = _row(message)
    assert row.status == OutboxStatus.PENDING
    assert row.attempts == 1
    assert "503" in row.last_error
    assert row.next_attempt_at == T0 + dt.timedelta(seconds=10)
    assert gateway.messages == []

    with clock.travel(T0 + dt.timedelta(seconds=5)):
        assert outbox_send_batch().claimed == 0  # not due yet
    with clock.travel(T0 + dt.timedelta(seconds=11)):
        result = outbox_send_batch()
    assert (result.claimed, result.sent) == (1, 1)
    row = _row(message)
    assert row.status == OutboxStatus.SENT
    assert row.attempts == 2
    assert row.provider_message_id == gateway.messages[0]["messageId"]
    assert row.last_error == ""
    assert row.sent_at == T0 + dt.timedelta(seconds=11)
    # The second attempt asked the gateway first (list), then sent: one message in all.
    assert gateway.references() == ["code:1"]
    assert gateway.requests == 3


@pytest.mark.django_db
def test_gives_up_after_max_attempts(gateway, settings, django_capture_on_commit_callbacks):
    settings.SMS_MAX_ATTEMPTS = 3
    gateway.fail_next(100, status=502)
    with clock.travel(T0), django_capture_on_commit_callbacks(execute=True):
        message = _queue()
    moment = T0
    for _ in range(5):
        moment += dt.timedelta(hours=2)
        with clock.travel(moment):
            outbox_send_batch()
    row = _row(message)
    assert row.status == OutboxStatus.FAILED
    assert row.attempts == 3
    assert row.last_error.startswith("3번 시도 후 포기")
    assert "502" in row.last_error
    assert gateway.messages == []


@pytest.mark.django_db
def test_refused_message_fails_at_once(gateway, settings, django_capture_on_commit_callbacks):
    settings.SMS_SENDER = ""  # the gateway answers 400: retrying cannot help
    with django_capture_on_commit_callbacks(execute=True):
        message = _queue()
    row = _row(message)
    assert row.status == OutboxStatus.FAILED
    assert row.attempts == 1
    assert "400" in row.last_error


@pytest.mark.django_db
def test_claim_takes_each_due_row_once():
    with clock.travel(T0):
        for i in range(5):
            _queue(f"k{i}")
        later = _queue("later")
        OutboxMessage.objects.filter(pk=later.pk).update(
            next_attempt_at=T0 + dt.timedelta(minutes=5)
        )
        first = outbox_claim(limit=3)
        second = outbox_claim()
        third = outbox_claim()
    assert len(first) == 3
    assert len(second) == 2
    assert third == []
    assert {r.idempotency_key for r in first} | {r.idempotency_key for r in second} == {
        f"k{i}" for i in range(5)
    }
    rows = OutboxMessage.objects.exclude(pk=later.pk)
    assert set(rows.values_list("status", flat=True)) == {OutboxStatus.SENDING}
    assert set(rows.values_list("attempts", flat=True)) == {1}
    assert set(rows.values_list("claimed_at", flat=True)) == {T0}
    assert _row(later).status == OutboxStatus.PENDING


@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_never_send_one_row_twice():
    sms_queue_many(
        drafts=[
            SmsDraft(to="01055550000", body=f"공지 {i}", kind="notice", idempotency_key=f"n{i}")
            for i in range(120)
        ]
    )
    errors: list[BaseException] = []

    def sender():
        try:
            while outbox_send_batch(limit=7).claimed:
                pass
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    counts = Counter(sms.idempotency_key for sms in locmem.outbox)
    assert len(counts) == 120
    assert set(counts.values()) == {1}
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 120


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_claim_skips_rows_locked_by_another_worker():
    # Rows written directly: through sms_queue they would be sent at once (autocommit).
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            to="01012345678", body="b", kind="code", idempotency_key=f"k{i}",
            created_at=T0, next_attempt_at=T0,
        )
        for i in range(4)
    )  # fmt: skip
    ids = list(OutboxMessage.objects.order_by("id").values_list("id", flat=True))
    locked = threading.Event()
    release = threading.Event()

    def other_worker():
        with transaction.atomic():
            list(OutboxMessage.objects.select_for_update().filter(id__in=ids[:2]))
            locked.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert locked.wait(10)
    try:
        started = time.monotonic()
        with clock.travel(T0):
            claimed = outbox_claim()
        assert time.monotonic() - started < 2  # skipped, not waited for
    finally:
        release.set()
        thread.join()
    assert sorted(row.id for row in claimed) == ids[2:]


@pytest.mark.django_db
def test_sweep_resends_after_a_dead_worker_without_sending_twice(gateway, settings):
    settings.SMS_SWEEP_AFTER_SECONDS = 60
    with clock.travel(T0):
        delivered = _queue("a")
        undelivered = _queue("b")
        # A worker claims both, the gateway takes "a", then the worker dies.
        claimed = outbox_claim()
        with SolapiBackend() as backend:
            provider_id = backend.send(next(r for r in claimed if r.pk == delivered.pk))
    with clock.travel(T0 + dt.timedelta(seconds=30)):
        assert outbox_sweep().reclaimed == 0  # maybe still working: leave it
    assert _row(delivered).status == OutboxStatus.SENDING

    with clock.travel(T0 + dt.timedelta(seconds=61)):
        result = outbox_sweep()
    assert result.reclaimed == 2
    assert result.queued == 2
    a, b = _row(delivered), _row(undelivered)
    assert (a.status, a.provider_message_id, a.attempts) == (OutboxStatus.SENT, provider_id, 2)
    assert (b.status, b.attempts) == (OutboxStatus.SENT, 2)
    assert Counter(gateway.references()) == {"a": 1, "b": 1}


@pytest.mark.django_db
def test_sweep_sends_rows_whose_task_was_lost(settings):
    settings.SMS_SWEEP_AFTER_SECONDS = 60
    with clock.travel(T0):
        message = _queue()  # its commit callback never ran: the task is "lost"
    with clock.travel(T0 + dt.timedelta(seconds=30)):
        assert outbox_sweep().queued == 0
    with clock.travel(T0 + dt.timedelta(seconds=61)):
        assert outbox_sweep().queued == 1
    assert _row(message).status == OutboxStatus.SENT
    assert [sms.idempotency_key for sms in locmem.outbox] == ["code:1"]


@pytest.mark.django_db
def test_sweep_sends_from_here_when_the_broker_is_down(settings):
    settings.SMS_SWEEP_AFTER_SECONDS = 60
    with clock.travel(T0):
        message = _queue()
    with use_broker(DEAD_BROKER), clock.travel(T0 + dt.timedelta(minutes=2)):
        result = outbox_sweep()
    assert (result.queued, result.sent_here) == (0, 1)
    assert _row(message).status == OutboxStatus.SENT


@pytest.mark.django_db
def test_sms_sweep_command_reports_what_it_did(settings, capsys):
    settings.SMS_SWEEP_AFTER_SECONDS = 60
    with clock.travel(T0):
        _queue()
        call_command("sms_sweep")
        assert "queued: 0" in capsys.readouterr().out
    with clock.travel(T0 + dt.timedelta(minutes=5)):
        call_command("sms_sweep")
    assert "queued: 1" in capsys.readouterr().out
    assert len(locmem.outbox) == 1


@pytest.mark.django_db
def test_dispatch_with_the_broker_down_neither_raises_nor_waits():
    with clock.travel(T0):
        message = _queue()
    started = time.monotonic()
    with use_broker(DEAD_BROKER):
        assert outbox_dispatch(ids=[message.pk]) is False
    assert time.monotonic() - started < 3
    assert _row(message).status == OutboxStatus.PENDING


@pytest.mark.django_db
def test_worker_hands_back_what_it_cannot_send_before_the_sweep(gateway, settings):
    # Budget: 3.5 s before the sweep may take rows back, minus a look-up and a send of at
    # most 1 s each, minus 1 s margin = 0.5 s; the gateway needs 0.2 s a message and two
    # calls run at once.
    settings.SMS_SWEEP_AFTER_SECONDS = 3.5
    settings.SMS_GATEWAY_TIMEOUT = 1
    settings.SMS_SEND_CONCURRENCY = 2
    gateway.delay = 0.2
    for i in range(12):
        _queue(f"slow{i}")
    with use_broker(DEAD_BROKER):  # the hand-back's re-queue fails: rows wait for the sweep
        result = outbox_send_batch()
    assert result.claimed == 12
    assert 2 <= result.sent < 12
    assert result.handed_back == 12 - result.sent
    assert len(gateway.messages) == result.sent
    waiting = OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
    assert waiting.count() == result.handed_back
    assert set(waiting.values_list("attempts", flat=True)) == {0}
    assert set(waiting.values_list("claimed_at", flat=True)) == {None}


@pytest.mark.django_db
def test_a_batch_keeps_several_gateway_calls_in_flight(gateway, settings):
    settings.SMS_SEND_CONCURRENCY = 4
    gateway.delay = 0.2
    for i in range(8):
        _queue(f"parallel{i}")
    started = time.monotonic()
    result = outbox_send_batch()
    took = time.monotonic() - started
    assert result.sent == 8
    assert took < 1.2, f"8 calls of 0.2 s took {took:.2f} s: not concurrent"
    assert sorted(gateway.references()) == sorted(f"parallel{i}" for i in range(8))


@pytest.mark.django_db
def test_lost_worker_note_is_kept_until_the_row_is_sent(settings):
    settings.SMS_SWEEP_AFTER_SECONDS = 60
    with clock.travel(T0):
        message = _queue()
        outbox_claim()
    with use_broker(DEAD_BROKER), clock.travel(T0 + dt.timedelta(minutes=2)):
        outbox_sweep(send_here_if_broker_down=False)
    row = _row(message)
    assert (row.status, row.last_error) == (OutboxStatus.PENDING, LOST_WORKER_ERROR)


@pytest.mark.django_db
def test_a_result_is_not_written_over_a_row_the_sweep_took_back(settings, caplog):
    from portal.sms.services import _Outcomes

    settings.SMS_SWEEP_AFTER_SECONDS = 60
    with clock.travel(T0):
        message = _queue()
        [row] = outbox_claim()
    with use_broker(DEAD_BROKER), clock.travel(T0 + dt.timedelta(minutes=2)):
        outbox_sweep(send_here_if_broker_down=False)
    outcomes = _Outcomes()
    outcomes.add(row, status=OutboxStatus.SENT, provider_message_id="late", sent_at=T0)
    outcomes.write()
    fresh = _row(message)
    assert (fresh.status, fresh.provider_message_id) == (OutboxStatus.PENDING, "")
    assert "taken back" in caplog.text


def test_system_check_refuses_a_sweep_faster_than_a_send(settings):
    from portal.sms.checks import sms_settings_check

    assert sms_settings_check(None) == []
    settings.SMS_SWEEP_AFTER_SECONDS = 20
    settings.SMS_GATEWAY_TIMEOUT = 10
    assert [error.id for error in sms_settings_check(None)] == ["sms.E001"]
