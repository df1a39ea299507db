"""JSON log lines carrying the request id, from the proxy's header or made here."""

from __future__ import annotations

import json
import logging

from portal.logs import JsonFormatter, RequestIdFilter, request_id_var


def _line(record: logging.LogRecord) -> dict:
    RequestIdFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_a_line_is_one_json_object_with_the_request_id():
    token = request_id_var.set("0123456789abcdef")
    try:
        record = logging.makeLogRecord(
            {"name": "portal.x", "levelname": "WARNING", "msg": "문자 %s건", "args": (3,)}
        )
        line = _line(record)
    finally:
        request_id_var.reset(token)
    assert line["message"] == "문자 3건"
    assert line["level"] == "WARNING"
    assert line["logger"] == "portal.x"
    assert line["request_id"] == "0123456789abcdef"
    assert line["time"].endswith("+00:00")


def test_an_exception_goes_into_the_line():
    try:
        raise ValueError("bad row")
    except ValueError:
        import sys

        record = logging.makeLogRecord(
            {"name": "django.request", "msg": "boom", "exc_info": sys.exc_info()}
        )
    line = _line(record)
    assert "ValueError: bad row" in line["exception"]


def test_the_proxys_request_id_is_used_and_returned(client, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="d29a2b201be40f118e69294b989db9c2")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "d29a2b201be40f118e69294b989db9c2"
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.request_id == "d29a2b201be40f118e69294b989db9c2"


def test_without_a_usable_id_the_portal_makes_one(client):
    first = client.get("/no-such-page/", HTTP_X_REQUEST_ID="bad id\\n")["X-Request-ID"]
    second = client.get("/no-such-page/")["X-Request-ID"]
    assert len(first) == len(second) == 32
    assert first != second
