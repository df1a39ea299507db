"""Queueing: rows in the caller's transaction, one row per key, sending after commit."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from portal.sms.backends import locmem
from portal.sms.models import OutboxMessage, OutboxStatus
from portal.sms.services import (
    SmsDraft,
    sms_queue,
    sms_queue_many,
    sms_queue_new,
    sms_queue_select,
)
from tests.support.celery_worker import eager_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tasks_in_process():
    with eager_tasks():
        yield


def test_queue_writes_a_pending_row_and_sends_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = sms_queue(
            to="01012345678", body="인증번호 123456", kind="code", idempotency_key="k1"
        )
        assert message.status == OutboxStatus.PENDING
        assert locmem.outbox == []
    assert len(callbacks) == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 1
    assert message.sent_at is not None
    assert [(sms.to, sms.body, sms.kind) for sms in locmem.outbox] == [
        ("01012345678", "인증번호 123456", "code")
    ]


def test_repeated_key_creates_nothing_new(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = sms_queue(to="01012345678", body="첫 문자", kind="code", idempotency_key="same")
        again = sms_queue(to="01099999999", body="둘째 문자", kind="code", idempotency_key="same")
    assert first.pk == again.pk
    assert again.body == "첫 문자"
    assert OutboxMessage.objects.count() == 1
    assert len(locmem.outbox) == 1


def test_queue_many_counts_only_new_rows(django_capture_on_commit_callbacks):
    sms_queue(to="01011112222", body="먼저", kind="notice", idempotency_key="n-0")
    drafts = [
        SmsDraft(to=f"0101111{i:04d}", body=f"알림 {i}", kind="notice", idempotency_key=f"n-{i}")
        for i in range(5)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        created = sms_queue_many(drafts=[*drafts, drafts[1]])
    assert created == 4
    assert OutboxMessage.objects.count() == 5
    # n-0's own commit callback was not captured: only the four new rows were sent here.
    assert sorted(sms.idempotency_key for sms in locmem.outbox) == [f"n-{i}" for i in range(1, 5)]


def test_row_rolls_back_with_the_callers_transaction(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        sms_queue(to="01012345678", body="보내지 말 것", kind="code", idempotency_key="rb")
        raise RuntimeError("the change that caused the SMS failed")
    assert callbacks == []
    assert not OutboxMessage.objects.filter(idempotency_key="rb").exists()
    assert locmem.outbox == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_key_written_by_a_concurrent_transaction_is_not_queued_twice():
    """Two requests queue the same key at once: one row, the second caller gets 0."""
    first_inserted = threading.Event()
    finish_first = threading.Event()

    def first_request():
        with transaction.atomic():
            sms_queue(to="01012345678", body="먼저", kind="code", idempotency_key="race")
            first_inserted.set()
            finish_first.wait(10)
        connection.close()

    thread = threading.Thread(target=first_request)
    thread.start()
    assert first_inserted.wait(10)
    # The second insert waits for the first transaction, which commits a moment later.
    threading.Timer(0.5, finish_first.set).start()
    with transaction.atomic():
        created = sms_queue_many(
            drafts=[
                SmsDraft(to="01099998888", body="나중", kind="code", idempotency_key="race"),
                SmsDraft(to="01099998888", body="다른 키", kind="code", idempotency_key="other"),
            ]
        )
    thread.join()
    assert created == 1
    rows = dict(OutboxMessage.objects.values_list("idempotency_key", "body"))
    assert rows == {"race": "먼저", "other": "다른 키"}


@pytest.mark.postgres
def test_queue_select_writes_one_row_per_new_key_and_sends_after_commit(
    django_capture_on_commit_callbacks,
):
    sms_queue(to="01011112222", body="먼저", kind="notice", idempotency_key="s-1")
    rows = "SELECT '0101111' || lpad(n::text, 4, '0'), %s || n, %s, 's-' || n"
    with django_capture_on_commit_callbacks(execute=True):
        created = sms_queue_select(
            with_sql="WITH numbers AS (SELECT generate_series(1, %s) AS n)",
            with_params=[4],
            select_sql=f"{rows} FROM numbers UNION ALL {rows} FROM numbers WHERE n = 2",
            params=["알림 ", "notice", "알림 ", "notice"],
        )
    assert created == 3  # s-1 was queued before, s-2 appears twice
    queued = OutboxMessage.objects.filter(idempotency_key__startswith="s-").order_by("id")
    assert [(m.to, m.body, m.idempotency_key) for m in queued] == [
        ("01011112222", "먼저", "s-1"),
        ("01011110002", "알림 2", "s-2"),
        ("01011110003", "알림 3", "s-3"),
        ("01011110004", "알림 4", "s-4"),
    ]
    # s-1's own commit callback was not captured: only the three new rows were sent.
    assert [m.status for m in queued] == [OutboxStatus.PENDING] + [OutboxStatus.SENT] * 3
    assert sorted(sms.idempotency_key for sms in locmem.outbox) == ["s-2", "s-3", "s-4"]


def test_queue_select_runs_on_postgresql_and_is_refused_elsewhere():
    one_row = "SELECT '01012345678', '알림', 'notice', 'only'"
    if connection.vendor == "postgresql":
        assert sms_queue_select(select_sql=one_row, params=[]) == 1
        assert OutboxMessage.objects.get().idempotency_key == "only"
    else:
        with pytest.raises(NotImplementedError):
            sms_queue_select(select_sql=one_row, params=[])
        assert not OutboxMessage.objects.exists()


def test_queueing_one_message_costs_a_fixed_handful_of_queries(django_assert_num_queries):
    if connection.vendor == "postgresql":
        # The caller's savepoint and release (this test runs inside a transaction)
        # around: 1 insert unless the key is queued, 2 the row returned
        new, again = 2 + 2, 2 + 2
    else:
        # ... around: 1 keys already queued, 2 savepoint, 3 insert, 4 release, 5 the row
        # returned; the same key again: 1 keys already queued (found), 2 the row returned
        new, again = 2 + 5, 2 + 2
    with django_assert_num_queries(new), transaction.atomic():
        sms_queue(to="01012345678", body="인증번호 1", kind="code", idempotency_key="q1")
    with django_assert_num_queries(again), transaction.atomic():
        sms_queue(to="01012345678", body="인증번호 1", kind="code", idempotency_key="q1")


def test_queue_many_in_several_chunks_skips_known_keys_and_keeps_the_text(
    django_capture_on_commit_callbacks, monkeypatch
):
    from portal.sms import services

    monkeypatch.setattr(services, "QUEUE_CHUNK", 7)
    monkeypatch.setattr(services, "QUEUE_CHUNK_POSTGRESQL", 7)
    sms_queue(to="01011110003", body="먼저", kind="notice", idempotency_key="c-3")
    odd = '따옴표 " 역슬래시 \\ 쉼표, 중괄호 {} 줄바꿈\n끝 NULL'
    drafts = [
        SmsDraft(to=f"0101111{i:04d}", body=f"{odd} {i}", kind="notice", idempotency_key=f"c-{i}")
        for i in range(20)
    ]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = sms_queue_many(drafts=drafts)
    assert created == 19
    assert len(callbacks) == 1
    rows = dict(OutboxMessage.objects.values_list("idempotency_key", "body"))
    assert len(rows) == 20
    assert rows["c-3"] == "먼저"
    assert rows["c-12"] == f"{odd} 12"
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING, attempts=0).count() == 20


@pytest.mark.parametrize("key", ["", "k" * 201])
def test_a_key_the_outbox_cannot_hold_is_a_programming_error(key):
    with pytest.raises(ValueError, match="idempotency_key"):
        sms_queue(to="01012345678", body="x", kind="code", idempotency_key=key)
    assert not OutboxMessage.objects.exists()


def test_a_large_queueing_hands_the_publishing_to_a_worker(
    django_capture_on_commit_callbacks, settings, monkeypatch
):
    from portal.sms import services, tasks

    settings.SMS_BATCH_SIZE = 2
    handed = []
    real = tasks.dispatch_outbox.apply_async
    monkeypatch.setattr(
        tasks.dispatch_outbox,
        "apply_async",
        lambda **kwargs: handed.append(kwargs["kwargs"]["ids"]) or real(**kwargs),
    )
    size = services.DISPATCH_INLINE_BATCHES * 2
    few = [SmsDraft("01012340000", "알림", "notice", f"few-{i}") for i in range(size)]
    with django_capture_on_commit_callbacks(execute=True):
        sms_queue_many(drafts=few)
    assert handed == []
    many = [SmsDraft("01012340000", "알림", "notice", f"many-{i}") for i in range(size + 1)]
    with django_capture_on_commit_callbacks(execute=True):
        sms_queue_many(drafts=many)
    assert len(handed) == 1 and len(handed[0]) == size + 1
    # The worker published the batches, which were sent (tasks run in this process here).
    assert len(locmem.outbox) == 2 * size + 1
    assert not OutboxMessage.objects.exclude(status=OutboxStatus.SENT).exists()


def test_queue_new_writes_every_draft_as_it_comes_and_sends_after_commit(
    django_capture_on_commit_callbacks,
):
    made = []

    def drafts():
        for i in range(3):
            made.append(i)
            yield SmsDraft(f"0102222000{i}", f"새 수강 {i}", "notice", f"new-{i}")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert sms_queue_new(drafts=drafts(), count=3) == 3
        assert locmem.outbox == []
    assert made == [0, 1, 2] and len(callbacks) == 1
    rows = OutboxMessage.objects.order_by("id").values_list("idempotency_key", "to", "body")
    assert list(rows) == [(f"new-{i}", f"0102222000{i}", f"새 수강 {i}") for i in range(3)]
    assert sorted(sms.idempotency_key for sms in locmem.outbox) == ["new-0", "new-1", "new-2"]
    assert not OutboxMessage.objects.exclude(status=OutboxStatus.SENT).exists()


def test_queue_new_fails_the_transaction_on_a_key_already_queued():
    """New keys are the caller's promise: a broken one writes nothing, skips nothing."""
    sms_queue(to="01012345678", body="먼저", kind="notice", idempotency_key="new-1")
    drafts = [SmsDraft("01022220000", "다음", "notice", f"new-{i}") for i in range(3)]
    with pytest.raises(IntegrityError), transaction.atomic():
        sms_queue_new(drafts=drafts, count=3)
    assert list(OutboxMessage.objects.values_list("idempotency_key", "body")) == [("new-1", "먼저")]


@pytest.mark.parametrize("count", [2, 4])
def test_queue_new_refuses_a_count_that_is_not_the_drafts(count):
    drafts = (SmsDraft("01022220000", "알림", "notice", f"c-{i}") for i in range(3))
    with pytest.raises(ValueError), transaction.atomic():
        sms_queue_new(drafts=drafts, count=count)
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize("key", ["", "k" * 201])
def test_queue_new_refuses_a_key_the_outbox_cannot_hold(key):
    with pytest.raises(ValueError, match="idempotency_key"), transaction.atomic():
        sms_queue_new(drafts=[SmsDraft("01012345678", "x", "code", key)], count=1)
    assert not OutboxMessage.objects.exists()
