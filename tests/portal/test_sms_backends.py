"""Each SMS backend on its own: console, file, locmem, and SOLAPI against the fake gateway."""

import io
import json
from collections import Counter

import pytest

from portal.sms.backends import SmsRejected, SmsTemporaryFailure, get_backend, locmem
from portal.sms.backends.console import ConsoleBackend
from portal.sms.backends.file import FileBackend
from portal.sms.backends.solapi import (
    LOOKBACK,
    SolapiBackend,
    SolapiClient,
    authorization_header,
    outbox_reference,
)
from portal.sms.models import OutboxMessage
from tests.fakes.sms_gateway import FakeSolapiGateway, portal_settings


def _message(key: str = "signup:1", to: str = "01012345678", body: str = "인증번호 482913"):
    # Unsaved rows are enough: backends read fields, never the database.
    from portal import clock

    return OutboxMessage(to=to, body=body, kind="code", idempotency_key=key, created_at=clock.now())


@pytest.fixture
def gateway(settings):
    fake = FakeSolapiGateway().start()
    for name, value in portal_settings(fake).items():
        setattr(settings, name, value)
    yield fake
    fake.stop()


def test_get_backend_follows_the_setting(settings):
    settings.SMS_BACKEND = "portal.sms.backends.console.ConsoleBackend"
    assert isinstance(get_backend(), ConsoleBackend)
    settings.SMS_BACKEND = "portal.sms.backends.file.FileBackend"
    assert isinstance(get_backend(), FileBackend)


def test_console_prints_number_kind_and_body():
    stream = io.StringIO()
    assert ConsoleBackend(stream=stream).send(_message()) == ""
    printed = stream.getvalue()
    assert "01012345678" in printed
    assert "[code]" in printed
    assert "인증번호 482913" in printed


def test_file_writes_one_json_object_per_line(tmp_path, settings):
    settings.SMS_FILE_PATH = tmp_path / "sub" / "sms.jsonl"
    backend = FileBackend()
    backend.send(_message("a"))
    backend.send(_message("b", body="둘째 문자"))
    lines = settings.SMS_FILE_PATH.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["idempotency_key"] for r in records] == ["a", "b"]
    assert records[1]["body"] == "둘째 문자"
    assert {"to", "body", "created_at", "kind"} <= set(records[0])
    assert records[0]["kind"] == "code"
    # Korean stays readable in the file.
    assert "둘째 문자" in lines[1]


def test_file_finds_a_message_it_already_wrote(tmp_path):
    backend = FileBackend(tmp_path / "sms.jsonl")
    assert backend.find_sent(_message("x")) is None
    backend.send(_message("x"))
    assert backend.find_sent(_message("x")) == ""
    assert backend.find_sent(_message("y")) is None


def test_file_reports_an_unwritable_path_as_temporary(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(SmsTemporaryFailure):
        FileBackend(blocker / "sms.jsonl").send(_message())


def test_locmem_keeps_messages_in_order():
    backend = locmem.LocmemBackend()
    first = backend.send(_message("one"))
    backend.send(_message("two"))
    assert [sms.idempotency_key for sms in locmem.outbox] == ["one", "two"]
    assert backend.find_sent(_message("one")) == first
    assert backend.find_sent(_message("three")) is None


# --- SOLAPI -------------------------------------------------------------------------------


def test_solapi_sends_with_a_valid_signature_and_the_outbox_key(gateway):
    with SolapiBackend() as backend:
        provider_id = backend.send(_message("signup:7"))
    assert provider_id.startswith("M4V")
    assert gateway.auth_failures == []
    [record] = gateway.messages
    assert record["messageId"] == provider_id
    assert record["to"] == "01012345678"
    assert record["from"] == "15330301"
    assert record["text"] == "인증번호 482913"
    assert record["customFields"] == {"outboxKey": "signup:7"}


def test_solapi_signs_every_request_afresh(gateway):
    with SolapiBackend() as backend:
        for i in range(20):
            backend.send(_message(f"k{i}"))
    # The fake refuses a reused signature (DuplicatedSignature), as SOLAPI does.
    assert gateway.auth_failures == []
    assert len(gateway.messages) == 20


def test_solapi_wrong_secret_is_refused_by_the_gateway(gateway, settings):
    settings.SMS_GATEWAY_API_SECRET = "not-the-secret"
    with pytest.raises(SmsTemporaryFailure, match="SignatureDoesNotMatch"), SolapiBackend() as b:
        b.send(_message())
    assert gateway.auth_failures == ["SignatureDoesNotMatch"]
    assert gateway.messages == []


def test_fake_gateway_checks_the_documented_header_shape(gateway):
    client = SolapiClient(
        base_url=gateway.url, api_key="WRONGKEY", api_secret=gateway.api_secret,
        sender="15330301", timeout=2,
    )  # fmt: skip
    with pytest.raises(SmsTemporaryFailure, match="InvalidAPIKey"):
        client.send(to="01012345678", text="x", reference="r")
    header = authorization_header("KEY", "SECRET")
    assert header.startswith("HMAC-SHA256 apiKey=KEY, date=")
    assert ", salt=" in header
    assert ", signature=" in header


def test_solapi_server_error_is_temporary(gateway):
    gateway.fail_next(1, status=503)
    with pytest.raises(SmsTemporaryFailure, match="503"), SolapiBackend() as backend:
        backend.send(_message())
    assert gateway.messages == []


def test_solapi_bad_request_is_rejected_for_good(gateway, settings):
    settings.SMS_SENDER = ""
    with pytest.raises(SmsRejected, match="400"), SolapiBackend() as backend:
        backend.send(_message())


def test_solapi_timeout_is_temporary(gateway, settings):
    settings.SMS_GATEWAY_TIMEOUT = 0.3
    gateway.stall_next(1, 1.0)
    with pytest.raises(SmsTemporaryFailure, match="Timeout"), SolapiBackend() as backend:
        backend.send(_message())


def test_solapi_unreachable_gateway_is_temporary(settings):
    fake = FakeSolapiGateway().start()
    for name, value in portal_settings(fake).items():
        setattr(settings, name, value)
    fake.stop()
    with pytest.raises(SmsTemporaryFailure), SolapiBackend() as backend:
        backend.send(_message())


def test_solapi_finds_a_message_taken_under_the_same_key(gateway):
    message = _message("reminder:42")
    with SolapiBackend() as backend:
        assert backend.find_sent(message) is None
        provider_id = backend.send(message)
        backend.send(_message("reminder:43"))
        backend.send(_message("reminder:42", to="01099998888"))
        assert backend.find_sent(message) == provider_id
    assert Counter(gateway.references()) == {"reminder:42": 2, "reminder:43": 1}


def test_solapi_looks_back_from_before_the_row_was_written(gateway):
    message = _message("late")
    with SolapiBackend() as backend:
        backend.send(message)
        # A row written after the gateway's clock said the message arrived (skew up to
        # the gateway's own 15-minute tolerance) still finds it.
        message.created_at = message.created_at + LOOKBACK - LOOKBACK / 10
        assert backend.find_sent(message) is not None
        message.created_at = message.created_at + LOOKBACK * 2
        assert backend.find_sent(message) is None


def test_solapi_long_keys_travel_as_a_hash(gateway):
    key = "notice:" + "x" * 150
    with SolapiBackend() as backend:
        backend.send(_message(key))
        assert backend.find_sent(_message(key)) is not None
    reference = gateway.references()[0]
    assert reference == outbox_reference(key)
    assert len(reference) <= 100


def test_solapi_a_full_page_without_the_key_is_not_taken_as_absent(gateway):
    with SolapiBackend() as backend:
        for i in range(100):
            backend.send(_message(f"flood:{i}"))
        with pytest.raises(SmsTemporaryFailure, match="cannot rule out"):
            backend.find_sent(_message("flood:new"))


@pytest.mark.django_db
def test_embedded_default_writes_the_committed_message_to_the_file(
    tmp_path, settings, django_capture_on_commit_callbacks
):
    from portal.sms.services import sms_queue
    from tests.support.celery_worker import eager_tasks

    settings.SMS_BACKEND = "portal.sms.backends.file.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"
    with eager_tasks(), django_capture_on_commit_callbacks(execute=True):
        sms_queue(
            to="01012345678", body="[파트너플레이스] 로그인 링크", kind="link", idempotency_key="l1"
        )
    [line] = settings.SMS_FILE_PATH.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert (record["to"], record["kind"], record["body"]) == (
        "01012345678",
        "link",
        "[파트너플레이스] 로그인 링크",
    )
    assert record["created_at"].endswith("+09:00")
    assert OutboxMessage.objects.get(idempotency_key="l1").status == "sent"
