"""portal.bulk: the set-based writer's contract and the collector pause of bulk steps."""

import gc

import pytest
from django.db import IntegrityError, connection, transaction

from portal import clock
from portal.bulk import collector_paused, rows_insert, sent_ahead
from portal.sms.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_collector_paused_restores_the_collector_after_the_outermost_step():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collector_paused_restores_it_after_an_error_and_keeps_it_off_if_it_was():
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("the step failed")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def _rows(count: int):
    for i in range(count):
        yield ("01012340000", f"알림 {i}", "notice", f"bulk-{i}")


def test_rows_insert_takes_a_generator_with_its_count_and_gives_ids_in_order():
    ids = rows_insert(
        OutboxMessage, columns=("to", "body", "kind", "idempotency_key"), rows=_rows(3), count=3
    )
    assert list(OutboxMessage.objects.filter(pk__in=ids).order_by("pk").values_list("body")) == [
        ("알림 0",),
        ("알림 1",),
        ("알림 2",),
    ]
    assert ids == sorted(ids)


@pytest.mark.parametrize("count", [2, 4])
def test_rows_insert_writes_nothing_when_the_count_is_wrong(count):
    with pytest.raises(ValueError), transaction.atomic():
        rows_insert(
            OutboxMessage,
            columns=("to", "body", "kind", "idempotency_key"),
            rows=_rows(3),
            count=count,
        )
    assert not OutboxMessage.objects.exists()


def test_id_chunks_select_exactly_the_ids_given():
    from portal.bulk import id_chunks

    ids = rows_insert(
        OutboxMessage, columns=("to", "body", "kind", "idempotency_key"), rows=list(_rows(6))
    )

    def selected(some: list[int]) -> list[int]:
        found = []
        with connection.cursor() as cursor:
            for condition, params in id_chunks(some):
                cursor.execute(f"SELECT id FROM sms_outboxmessage WHERE {condition}", params)  # noqa: S608
                found += [row[0] for row in cursor.fetchall()]
        return sorted(found)

    assert id_chunks(ids)[0][0] == "id BETWEEN %s AND %s"  # a filled range: one range scan
    assert selected(ids) == ids
    assert selected(ids[1:4]) == ids[1:4]
    gaps = [ids[0], ids[2], ids[5]]
    assert selected(gaps) == gaps and "BETWEEN" not in id_chunks(gaps)[0][0]
    assert selected([ids[1], ids[1], ids[2]]) == [ids[1], ids[2]]
    assert id_chunks([]) == []


def _outbox_insert_sql(key: str) -> tuple[str, list]:
    return (
        'INSERT INTO sms_outboxmessage ("to", body, kind, idempotency_key, status, attempts,'
        " provider_message_id, last_error, created_at, next_attempt_at)"
        " VALUES ('01012345678', '알림', 'test', %s, 'pending', 0, '', '', %s, %s)",
        [key, clock.now(), clock.now()],
    )


def test_sent_ahead_statements_are_written_when_the_block_ends():
    with transaction.atomic():
        with sent_ahead(), connection.cursor() as cursor:
            cursor.execute(*_outbox_insert_sql("ahead:1"))
        assert OutboxMessage.objects.filter(idempotency_key="ahead:1").count() == 1


def test_sent_ahead_error_surfaces_at_the_block_end_as_djangos_and_nothing_stays():
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(*_outbox_insert_sql("ahead:2"))
        with sent_ahead(), connection.cursor() as cursor:
            cursor.execute(*_outbox_insert_sql("ahead:2"))  # the same key again
    assert not OutboxMessage.objects.filter(idempotency_key="ahead:2").exists()


def test_history_copied_by_a_bulk_write_sorts_by_date_before_later_changes():
    from courses.models import Enrollment
    from tests.courses import factories

    enrollment = factories.enroll(factories.partner(name="앨리스"), factories.course())
    enrollment.status = "in_progress"
    enrollment.save()
    history = Enrollment.history.filter(id=enrollment.pk)
    assert [row.history_type for row in history.order_by("history_date")] == ["+", "~"]
    assert history.latest().status == "in_progress"
