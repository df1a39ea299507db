"""The one way the portal sends SMS: write an outbox row, send it after commit.

platform.md, "SMS": every message is first a row in the outbox, written in the same
transaction as the change that caused it; a Celery task sends it after commit; a
periodic sweep re-sends rows left pending. docs/sms.md explains the whole flow and why
a message reaches the gateway at most once per idempotency key.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.db.models import F

from portal import clock
from portal.bulk import rows_insert
from portal.lookups import array_literal
from portal.sms.backends import SmsRejected, SmsTemporaryFailure, get_backend
from portal.sms.models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

# Seconds to wait before attempt n+1 after attempt n failed: 10 s, 30 s, 90 s, ...
BACKOFF_BASE_SECONDS = 10
BACKOFF_FACTOR = 3
BACKOFF_MAX_SECONDS = 3600
# A worker that cannot finish its sends this long before the sweep would reclaim them
# hands the rest back instead (see ``_send_budget``).
SAFETY_MARGIN_SECONDS = 1

# Drafts written per INSERT (PostgreSQL sends each column as one array).
QUEUE_CHUNK = 1000
QUEUE_CHUNK_POSTGRESQL = 20000
# Batches published right after commit; more are handed to a worker to publish.
DISPATCH_INLINE_BATCHES = 10
KEY_MAX_LENGTH = OutboxMessage._meta.get_field("idempotency_key").max_length

LOST_WORKER_ERROR = "발송 작업이 끝나지 않음(작업자 중단): 발송 여부 확인 후 다시 보냄"


@dataclasses.dataclass(frozen=True)
class SmsDraft:
    """One message to queue with ``sms_queue_many``."""

    to: str
    body: str
    kind: str
    idempotency_key: str


@dataclasses.dataclass
class BatchResult:
    claimed: int = 0
    sent: int = 0
    already_taken: int = 0
    retrying: int = 0
    failed: int = 0
    handed_back: int = 0


@dataclasses.dataclass
class SweepResult:
    reclaimed: int = 0
    queued: int = 0
    sent_here: int = 0


# --- Queueing ---------------------------------------------------------------------------


def sms_queue(*, to: str, body: str, kind: str, idempotency_key: str) -> OutboxMessage:
    """Queue one SMS in the caller's transaction; it is sent after commit.

    platform.md, "SMS". A repeated ``idempotency_key`` creates nothing and returns the
    row already written under that key (with its original content).
    """
    draft = SmsDraft(to=to, body=body, kind=kind, idempotency_key=idempotency_key)
    sms_queue_many(drafts=[draft])
    return OutboxMessage.objects.get(idempotency_key=idempotency_key)


def _insert_new(*, chunk: list[str], by_key: dict[str, SmsDraft], now: dt.datetime) -> list[int]:
    """Insert the drafts of ``chunk`` whose key is not in the outbox; their new ids."""
    if connections[OutboxMessage.objects.db].vendor == "postgresql":
        return _insert_new_postgresql(chunk=chunk, by_key=by_key, now=now)
    known = set(
        OutboxMessage.objects.filter(idempotency_key__in=chunk)
        .order_by()
        .values_list("idempotency_key", flat=True)
    )
    rows = [
        OutboxMessage(
            to=by_key[key].to,
            body=by_key[key].body,
            kind=by_key[key].kind,
            idempotency_key=key,
            created_at=now,
            next_attempt_at=now,
        )
        for key in chunk
        if key not in known
    ]
    if not rows:
        return []
    try:
        with transaction.atomic():
            created = OutboxMessage.objects.bulk_create(rows)
        return [row.pk for row in created]
    except IntegrityError:
        # A concurrent transaction wrote one of these keys first: keep its row.
        OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
        return list(
            OutboxMessage.objects.filter(
                idempotency_key__in=[row.idempotency_key for row in rows], created_at=now
            ).values_list("id", flat=True)
        )


def _insert_new_postgresql(
    *, chunk: list[str], by_key: dict[str, SmsDraft], now: dt.datetime
) -> list[int]:
    """One ``INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING`` for the chunk.

    The four text columns go as one array literal each; a key already in the outbox
    (or written by a concurrent transaction, which the insert waits for) is skipped.
    """
    drafts = [by_key[key] for key in chunk]
    return _insert_select_postgresql(
        source="unnest(%s::text[], %s::text[], %s::text[], %s::text[])",
        params=[
            array_literal([draft.to for draft in drafts]),
            array_literal([draft.body for draft in drafts]),
            array_literal([draft.kind for draft in drafts]),
            array_literal(chunk),
        ],
        now=now,
    )


def _insert_select_postgresql(
    *, source: str, params: Sequence, now: dt.datetime, with_sql: str = "", with_params=()
) -> list[int]:
    """Insert a pending row for each row of ``source`` (columns: to, body, kind, key)
    whose key is not in the outbox; the new ids, in order."""
    connection = connections[OutboxMessage.objects.db]
    table = connection.ops.quote_name(OutboxMessage._meta.db_table)
    with connection.cursor() as cursor:
        # The table name comes from the model; values are parameters, and ``source``
        # and ``with_sql`` are statements of the calling service, never user input.
        cursor.execute(
            f"{with_sql} INSERT INTO {table} "  # noqa: S608
            '("to", body, kind, idempotency_key, status, attempts, provider_message_id,'
            " last_error, created_at, next_attempt_at) "
            "SELECT d.to_, d.body, d.kind, d.key, %s, 0, '', '', %s, %s "
            f"FROM {source} AS d (to_, body, kind, key) "
            "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
            [*with_params, OutboxStatus.PENDING.value, now, now, *params],
        )
        return sorted(row[0] for row in cursor.fetchall())


def sms_queue_select(
    *, select_sql: str, params: Sequence, with_sql: str = "", with_params=()
) -> int:
    """Queue one SMS per row of a SELECT, in one statement; return how many were new.

    PostgreSQL only. For jobs whose messages the database can write itself: the SELECT
    gives (to, body, kind, idempotency key) per row, and may read a data-modifying
    ``WITH`` (``with_sql``), so marking the rows a job has handled and queueing their
    messages is one statement with no row passing through Python. Keys already in the
    outbox are skipped, as in ``sms_queue_many``; sending starts after commit.
    """
    if connections[OutboxMessage.objects.db].vendor != "postgresql":
        raise NotImplementedError("sms_queue_select needs PostgreSQL; use sms_queue_many")
    new_ids = _insert_select_postgresql(
        source=f"({select_sql})",
        params=params,
        now=clock.now(),
        with_sql=with_sql,
        with_params=with_params,
    )
    _dispatch_on_commit(new_ids)
    return len(new_ids)


def _key_check(key: str) -> None:
    if not 0 < len(key) <= KEY_MAX_LENGTH:
        raise ValueError(f"idempotency_key must be 1–{KEY_MAX_LENGTH} characters")


def sms_queue_many(*, drafts: Iterable[SmsDraft]) -> int:
    """Queue many SMS in the caller's transaction; return how many rows were new.

    platform.md, "SMS". Keys already in the outbox (or repeated within ``drafts``) are
    skipped. Sending starts after commit, in batches of ``SMS_BATCH_SIZE``.
    """
    by_key: dict[str, SmsDraft] = {}
    for draft in drafts:
        _key_check(draft.idempotency_key)
        by_key.setdefault(draft.idempotency_key, draft)
    if not by_key:
        return 0
    now = clock.now()
    new_ids: list[int] = []
    keys = list(by_key)
    postgresql = connections[OutboxMessage.objects.db].vendor == "postgresql"
    size = QUEUE_CHUNK_POSTGRESQL if postgresql else QUEUE_CHUNK
    chunks = [keys[start : start + size] for start in range(0, len(keys), size)]
    # Several chunks are written all or nothing; a single one needs no extra savepoint.
    with transaction.atomic() if len(chunks) > 1 else contextlib.nullcontext():
        for chunk in chunks:
            new_ids.extend(_insert_new(chunk=chunk, by_key=by_key, now=now))
    _dispatch_on_commit(new_ids)
    return len(new_ids)


def sms_queue_new(*, drafts: Iterable[SmsDraft], count: int) -> int:
    """Queue ``count`` SMS whose keys no earlier message can have; return ``count``.

    For the messages about rows the caller's transaction has just created, each key
    naming its row (``enrolled:<attempt id>``): the drafts are written with one ``COPY``
    (PostgreSQL) as they are produced, with no look-up of their keys, so making the
    bodies overlaps the server's writing. A key in the outbox after all fails the
    transaction (``IntegrityError``) rather than being skipped. Sending starts after
    commit, as with ``sms_queue_many``.
    """
    now = clock.now()

    def rows():
        for draft in drafts:
            _key_check(draft.idempotency_key)
            yield (draft.to, draft.body, draft.kind, draft.idempotency_key, now, now)

    new_ids = rows_insert(
        OutboxMessage,
        columns=("to", "body", "kind", "idempotency_key", "created_at", "next_attempt_at"),
        rows=rows(),
        count=count,
        using=OutboxMessage.objects.db,
    )
    _dispatch_on_commit(new_ids)
    return len(new_ids)


def _dispatch_on_commit(ids: list[int]) -> None:
    if ids:
        transaction.on_commit(lambda: _dispatch_after_commit(ids), robust=True)


def _dispatch_after_commit(ids: list[int]) -> None:
    """Start sending: the batch tasks themselves, or one task that publishes them.

    Up to ``DISPATCH_INLINE_BATCHES`` batches are published here; more (a bulk upload
    of 100,000 drivers makes 1,000) are published by a worker, so the request that
    queued them does not wait for a thousand broker round trips. A lost task changes
    nothing: the sweep queues every row left pending.
    """
    if len(ids) <= DISPATCH_INLINE_BATCHES * max(1, settings.SMS_BATCH_SIZE):
        outbox_dispatch(ids=ids)
        return
    from portal.sms.tasks import dispatch_outbox

    try:
        # A short repr: Celery would otherwise format every id for its logs.
        dispatch_outbox.apply_async(
            kwargs={"ids": ids}, kwargsrepr=f"{{'ids': <{len(ids)} ids>}}", retry=False
        )
    except Exception as exc:  # broker down: the sweep will send these rows
        logger.warning(
            "SMS outbox: could not queue %d messages (%s); the sweep will send them",
            len(ids),
            exc,
        )


def outbox_dispatch(*, ids: Sequence[int], countdown: float | None = None) -> bool:
    """Hand the rows to the workers in batches; never raise, never wait for a broker.

    platform.md, "SMS": "a Celery task sends it after commit".

    When the broker cannot be reached the rows stay ``pending`` and the sweep sends
    them later; the request that queued them goes on.
    """
    from portal.sms.tasks import send_outbox_batch

    batch = max(1, settings.SMS_BATCH_SIZE)
    ok = True
    for start in range(0, len(ids), batch):
        chunk = list(ids[start : start + batch])
        try:
            send_outbox_batch.apply_async(kwargs={"ids": chunk}, countdown=countdown, retry=False)
        except Exception as exc:  # broker down: the sweep will send these rows
            ok = False
            logger.warning(
                "SMS outbox: could not queue %d messages (%s); the sweep will send them",
                len(ids) - start,
                exc,
            )
            break
    return ok


# --- Sending ----------------------------------------------------------------------------


def backoff_seconds(*, attempts: int) -> int:
    """Delay before the next attempt after ``attempts`` failed ones (platform.md, "SMS")."""
    delay = BACKOFF_BASE_SECONDS * BACKOFF_FACTOR ** max(attempts - 1, 0)
    return min(delay, BACKOFF_MAX_SECONDS)


def _send_budget() -> dt.timedelta:
    """How long after claiming a batch a worker may still start a send.

    The sweep takes back rows that have been ``sending`` for ``SMS_SWEEP_AFTER_SECONDS``.
    A worker starts no gateway call (a look-up plus a send, each bounded by
    ``SMS_GATEWAY_TIMEOUT``) that could still be running at that moment, so the sweep
    only ever takes back rows of a worker that died.
    """
    seconds = (
        settings.SMS_SWEEP_AFTER_SECONDS - 2 * settings.SMS_GATEWAY_TIMEOUT - SAFETY_MARGIN_SECONDS
    )
    return dt.timedelta(seconds=seconds)


def outbox_claim(*, ids: Sequence[int] | None = None, limit: int | None = None) -> list:
    """Move due ``pending`` rows to ``sending`` and commit, before any gateway call.

    platform.md, "SMS": re-sending a key must not send twice; docs/sms.md, point 2.

    Two workers never claim one row: on PostgreSQL the candidates are locked with
    ``FOR UPDATE SKIP LOCKED``; on SQLite the write transaction is taken at BEGIN
    (``transaction_mode = IMMEDIATE``), which serialises claims.
    """
    now = clock.now()
    limit = limit or settings.SMS_BATCH_SIZE
    with transaction.atomic():
        if ids is not None:
            # By primary key only, so the database never scans the whole due index;
            # the locked rows are current, so their status is checked here.
            locked = (
                OutboxMessage.objects.filter(id__in=list(ids))
                .select_for_update(skip_locked=True)
                .order_by("id")
            )
            rows = [
                row
                for row in locked
                if row.status == OutboxStatus.PENDING and row.next_attempt_at <= now
            ][:limit]
        else:
            rows = list(
                OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
                .select_for_update(skip_locked=True)
                .order_by("next_attempt_at", "id")[:limit]
            )
        if not rows:
            return []
        OutboxMessage.objects.filter(
            id__in=[row.id for row in rows], status=OutboxStatus.PENDING
        ).update(status=OutboxStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    for row in rows:
        row.status = OutboxStatus.SENDING
        row.claimed_at = now
        row.attempts += 1
    return rows


class _Outcomes:
    """Results of claimed rows, written together: every ``WRITE_EVERY`` rows or second.

    A commit per message would cost a disk flush per message. A row whose result is
    not written yet is still ``sending``: if the worker dies, the sweep takes it back
    and the next attempt asks the gateway before sending (docs/sms.md).
    """

    WRITE_EVERY = 100
    WRITE_AFTER_SECONDS = 1.0
    # Every field a result may change (a row's other values are written back unchanged).
    WRITTEN = ("status", "provider_message_id", "last_error", "next_attempt_at", "sent_at")

    def __init__(self) -> None:
        self.waiting: list[tuple[OutboxMessage, dict]] = []
        self.since = time.monotonic()

    def add(self, row: OutboxMessage, **changes) -> None:
        for field, value in changes.items():
            setattr(row, field, value)
        self.waiting.append((row, changes))
        if (
            len(self.waiting) >= self.WRITE_EVERY
            or time.monotonic() - self.since >= self.WRITE_AFTER_SECONDS
        ):
            self.write()

    def write(self) -> None:
        if not self.waiting:
            return
        # One plain statement per row, sent with executemany in one transaction: the
        # ORM's bulk_update builds a CASE per field and row, which costs more CPU than
        # the send itself.
        meta = OutboxMessage._meta
        connection = connections[OutboxMessage.objects.db]
        quote = connection.ops.quote_name
        assignments = ", ".join(
            f"{quote(meta.get_field(name).column)} = %s" for name in self.WRITTEN
        )
        # Names come from the model, values go as parameters.
        sql = (
            f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608
            f"WHERE {quote('id')} = %s AND {quote('status')} = %s "
            f"AND {quote('claimed_at')} = %s"
        )
        prep = {
            name: meta.get_field(name).get_db_prep_save for name in (*self.WRITTEN, "claimed_at")
        }
        params = [
            [
                *(prep[name](getattr(row, name), connection) for name in self.WRITTEN),
                row.id,
                OutboxStatus.SENDING.value,
                prep["claimed_at"](row.claimed_at, connection),
            ]
            for row, _changes in self.waiting
        ]
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.executemany(sql, params)
            written = cursor.rowcount
        if written != len(self.waiting):
            logger.error(
                "SMS outbox: %d rows were taken back while this worker sent them",
                len(self.waiting) - written,
            )
        self.waiting = []
        self.since = time.monotonic()


@dataclasses.dataclass(frozen=True)
class _Attempt:
    """What the gateway said about one claimed row (decided off the database)."""

    kind: str  # "sent", "already", "rejected", "temporary", "gave_up", "not_started"
    provider_id: str = ""
    error: str = ""


def _attempt(backend, row: OutboxMessage, deadline: dt.datetime) -> _Attempt:
    """Talk to the gateway about one row; never touches the database."""
    if clock.now() >= deadline:
        return _Attempt("not_started")
    try:
        if row.attempts > 1:
            # An earlier attempt may have reached the gateway (timeout, dead worker):
            # ask before sending again.
            provider_id = backend.find_sent(row)
            if provider_id is not None:
                return _Attempt("already", provider_id=provider_id)
            if row.attempts > settings.SMS_MAX_ATTEMPTS:
                return _Attempt("gave_up", error=row.last_error)
        return _Attempt("sent", provider_id=backend.send(row) or "")
    except SmsRejected as exc:
        return _Attempt("rejected", error=str(exc))
    except Exception as exc:
        if not isinstance(exc, SmsTemporaryFailure):
            logger.exception("SMS outbox: unexpected error sending row %s", row.id)
        return _Attempt("temporary", error=str(exc))


def _record(row: OutboxMessage, attempt: _Attempt, outcomes: _Outcomes, result: BatchResult):
    """Turn an attempt into the row's new state; return the back-off when it is retried."""
    now = clock.now()
    if attempt.kind in ("sent", "already"):
        outcomes.add(
            row,
            status=OutboxStatus.SENT,
            provider_message_id=attempt.provider_id,
            sent_at=now,
            last_error="",
        )
        if attempt.kind == "sent":
            result.sent += 1
        else:
            result.already_taken += 1
        return None
    if attempt.kind == "rejected":
        outcomes.add(row, status=OutboxStatus.FAILED, last_error=attempt.error[:2000])
        result.failed += 1
        return None
    if attempt.kind == "gave_up" or row.attempts >= settings.SMS_MAX_ATTEMPTS:
        tries = min(row.attempts, settings.SMS_MAX_ATTEMPTS)
        outcomes.add(
            row,
            status=OutboxStatus.FAILED,
            last_error=f"{tries}번 시도 후 포기: {attempt.error}"[:2000],
        )
        result.failed += 1
        return None
    delay = backoff_seconds(attempts=row.attempts)
    outcomes.add(
        row,
        status=OutboxStatus.PENDING,
        next_attempt_at=now + dt.timedelta(seconds=delay),
        last_error=attempt.error[:2000],
    )
    result.retrying += 1
    return delay


class _Backends:
    """One backend per sending thread (an HTTP session is not shared between threads)."""

    def __init__(self) -> None:
        self.local = threading.local()
        self.opened: list = []
        self.lock = threading.Lock()

    def get(self):
        backend = getattr(self.local, "backend", None)
        if backend is None:
            backend = self.local.backend = get_backend()
            backend.open()
            with self.lock:
                self.opened.append(backend)
        return backend

    def close(self) -> None:
        for backend in self.opened:
            backend.close()


def outbox_send_batch(*, ids: Sequence[int] | None = None, limit: int | None = None) -> BatchResult:
    """Claim due rows (``ids`` or the oldest ``limit``) and send them through the backend.

    platform.md, "SMS": retries with back-off on gateway errors; after
    ``SMS_MAX_ATTEMPTS`` the row is ``failed``; status, attempts, provider id and the last
    error stay on the row. ``SMS_SEND_CONCURRENCY`` gateway calls run at once (threads:
    the calls mostly wait on the network); results are written by this thread.
    """
    result = BatchResult()
    rows = outbox_claim(ids=ids, limit=limit)
    result.claimed = len(rows)
    if not rows:
        return result
    deadline = rows[0].claimed_at + _send_budget()
    retry_delays: dict[int, int] = {}
    handed_back: list[int] = []
    outcomes = _Outcomes()
    backends = _Backends()

    def attempt(row: OutboxMessage) -> _Attempt:
        return _attempt(backends.get(), row, deadline)

    threads = max(1, min(settings.SMS_SEND_CONCURRENCY, len(rows)))
    try:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sms-send") as pool:
            # Each call runs in a copy of this context, so it reads the same clock.
            futures = [pool.submit(contextvars.copy_context().run, attempt, row) for row in rows]
            for row, future in zip(rows, futures, strict=True):
                outcome = future.result()
                if outcome.kind == "not_started":
                    handed_back.append(row.id)
                    continue
                delay = _record(row, outcome, outcomes, result)
                if delay is not None:
                    retry_delays[row.id] = delay
    finally:
        outcomes.write()
        backends.close()
    if handed_back:
        result.handed_back = OutboxMessage.objects.filter(
            id__in=handed_back, status=OutboxStatus.SENDING, claimed_at=rows[0].claimed_at
        ).update(status=OutboxStatus.PENDING, attempts=F("attempts") - 1, claimed_at=None)
        outbox_dispatch(ids=handed_back)
    if retry_delays:
        shortest = min(retry_delays.values())
        outbox_dispatch(ids=list(retry_delays), countdown=shortest)
    return result


def outbox_send(*, ids: Sequence[int]) -> BatchResult:
    """Send every due row among ``ids``, ``SMS_BATCH_SIZE`` rows a claim (platform.md, "SMS")."""
    total = BatchResult()
    size = max(1, settings.SMS_BATCH_SIZE)
    for start in range(0, len(ids), size):
        chunk = list(ids[start : start + size])
        while True:
            batch = outbox_send_batch(ids=chunk)
            if not batch.claimed:
                break
            for field in dataclasses.fields(BatchResult):
                value = getattr(total, field.name) + getattr(batch, field.name)
                setattr(total, field.name, value)
    return total


# --- Sweep ------------------------------------------------------------------------------


def outbox_sweep(*, send_here_if_broker_down: bool = True) -> SweepResult:
    """Send what was left behind: rows of dead workers and rows whose task was lost.

    platform.md, "SMS": "a periodic sweep re-sends rows left pending (lost task, broker
    down)". Rows ``sending`` for longer than ``SMS_SWEEP_AFTER_SECONDS`` go back to
    ``pending`` (their next attempt first asks the gateway whether the message arrived);
    rows due for longer than that are queued again. When the broker is down the sweep
    sends them itself.
    """
    result = SweepResult()
    now = clock.now()
    stale = now - dt.timedelta(seconds=settings.SMS_SWEEP_AFTER_SECONDS)
    reclaimed_ids = list(
        OutboxMessage.objects.filter(status=OutboxStatus.SENDING, claimed_at__lt=stale).values_list(
            "id", flat=True
        )
    )
    if reclaimed_ids:
        result.reclaimed = OutboxMessage.objects.filter(
            id__in=reclaimed_ids, status=OutboxStatus.SENDING, claimed_at__lt=stale
        ).update(
            status=OutboxStatus.PENDING,
            claimed_at=None,
            next_attempt_at=now,
            last_error=LOST_WORKER_ERROR,
        )
    due = list(
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=stale)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)
    )
    ids = sorted(set(due) | set(reclaimed_ids))
    if not ids:
        return result
    if outbox_dispatch(ids=ids):
        result.queued = len(ids)
    elif send_here_if_broker_down:
        sent = outbox_send(ids=ids)
        result.sent_here = sent.sent + sent.already_taken
    return result


def outbox_retry_failed(*, ids: Sequence[int]) -> int:
    """Give failed messages a fresh set of attempts (staff action; platform.md, "SMS")."""
    now = clock.now()
    with transaction.atomic():
        retried = list(
            OutboxMessage.objects.filter(id__in=list(ids), status=OutboxStatus.FAILED).values_list(
                "id", flat=True
            )
        )
        # attempts restart at 1, not 0: the next attempt still checks the gateway first.
        OutboxMessage.objects.filter(id__in=retried).update(
            status=OutboxStatus.PENDING, attempts=1, next_attempt_at=now, claimed_at=None
        )
        if retried:
            transaction.on_commit(lambda: outbox_dispatch(ids=retried), robust=True)
    return len(retried)
