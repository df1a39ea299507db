"""The staff list of SMS: filters, search by phone, read-only rows, retrying failed ones."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from portal import clock
from portal.sms.models import OutboxMessage, OutboxStatus
from tests.support.celery_worker import eager_tasks
from tests.support.sessions import session_queries

LIST_URL = reverse("admin:sms_outboxmessage_changelist")
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.SEOUL)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser(username="ops", password="x-Secret-123")
    client.force_login(user)
    return client


def _rows(count: int, **fields) -> list[OutboxMessage]:
    base = {
        "to": "01012345678",
        "body": "본문",
        "kind": "notice",
        "created_at": T0,
        "next_attempt_at": T0,
    } | fields
    prefix = fields.get("kind", "notice") + fields.get("status", "pending") + fields.get("to", "")
    return OutboxMessage.objects.bulk_create(
        [OutboxMessage(idempotency_key=f"{prefix}-{i}", **base) for i in range(count)]
    )


def _shown(response) -> list[str]:
    return [row.idempotency_key for row in response.context["cl"].result_list]


def test_list_page_query_count_does_not_grow_with_rows(staff_client, django_assert_num_queries):
    _rows(40)
    _rows(5, status=OutboxStatus.SENT, sent_at=T0, kind="code")
    # 1 session (none when cached), 2 user, 3 count (show_full_result_count is off: one
    # count), 4 the page of rows, 5 the distinct kinds for the "kind" filter
    with django_assert_num_queries(session_queries() + 4):
        response = staff_client.get(LIST_URL)
    assert response.status_code == 200
    assert len(_shown(response)) == 45
    _rows(30, kind="reminder")
    with django_assert_num_queries(session_queries() + 4):
        response = staff_client.get(LIST_URL)
    assert len(_shown(response)) == 50  # first page


def test_filters_by_status_kind_and_date(staff_client):
    _rows(2, status=OutboxStatus.FAILED, kind="code", last_error="HTTP 400")
    _rows(3, kind="notice")
    _rows(1, kind="notice", created_at=T0 - dt.timedelta(days=40), to="01099990000")
    failed = staff_client.get(LIST_URL, {"status__exact": "failed"})
    assert sorted(_shown(failed)) == ["codefailed-0", "codefailed-1"]
    notices = staff_client.get(LIST_URL, {"kind__exact": "notice"})
    assert len(_shown(notices)) == 4
    with clock.travel(T0):
        recent = staff_client.get(
            LIST_URL,
            {
                "created_at__gte": "2026-03-01 00:00:00+09:00",
                "created_at__lt": "2026-03-03 00:00:00+09:00",
            },
        )
    assert len(_shown(recent)) == 5


def test_search_by_phone_with_or_without_dashes(staff_client):
    _rows(2, to="01011112222")
    _rows(1, to="01033334444")
    assert len(_shown(staff_client.get(LIST_URL, {"q": "010-1111-2222"}))) == 2
    assert len(_shown(staff_client.get(LIST_URL, {"q": "01033334444"}))) == 1
    assert len(_shown(staff_client.get(LIST_URL, {"q": "4444"}))) == 1


def test_rows_are_read_only(staff_client):
    [row] = _rows(1)
    page = staff_client.get(reverse("admin:sms_outboxmessage_change", args=[row.pk]))
    assert page.status_code == 200
    assert b'name="body"' not in page.content
    assert staff_client.get(reverse("admin:sms_outboxmessage_add")).status_code == 403
    response = staff_client.post(
        reverse("admin:sms_outboxmessage_change", args=[row.pk]), {"body": "바꿈"}
    )
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.body == "본문"


def test_retry_action_sends_failed_messages_again(staff_client, django_capture_on_commit_callbacks):
    failed = _rows(2, status=OutboxStatus.FAILED, attempts=6, last_error="HTTP 503")
    sent = _rows(1, status=OutboxStatus.SENT, sent_at=T0, kind="code")
    with eager_tasks(), django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            LIST_URL,
            {
                "action": "retry_failed",
                "_selected_action": [str(r.pk) for r in failed + sent],
            },
            follow=True,
        )
    assert "실패한 문자 2건을 다시 보냅니다." in response.content.decode()
    statuses = dict(OutboxMessage.objects.values_list("idempotency_key", "status"))
    assert statuses == {
        "notice" + "failed-0": OutboxStatus.SENT,
        "notice" + "failed-1": OutboxStatus.SENT,
        "codesent-0": OutboxStatus.SENT,
    }
    assert OutboxMessage.objects.get(idempotency_key="noticefailed-0").attempts == 2
