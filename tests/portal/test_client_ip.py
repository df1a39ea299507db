"""The client's IP behind the proxies, and the per-IP limits that key on it."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from accounts.ratelimits import LIMITED_MESSAGE
from portal.client_ip import client_ip

PROXY = "10.0.0.2"  # nginx, as the web service sees it
TLS = "10.0.0.1"  # the TLS terminator, as nginx appends it


def _request(forwarded: str | None, remote: str = PROXY):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("198.51.100.7", remote="203.0.113.5")) == "203.0.113.5"


def test_the_client_is_counted_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request(f"203.0.113.5, {TLS}")) == "203.0.113.5"
    # What the client wrote itself stays on the left, unread.
    assert client_ip(_request(f"198.51.100.7, 203.0.113.5, {TLS}")) == "203.0.113.5"
    assert client_ip(_request(f"2001:db8::5, {TLS}")) == "2001:db8::5"


def test_fewer_entries_than_proxies_and_bad_values(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    # Came in behind the TLS terminator (a probe inside the network): its first entry.
    assert client_ip(_request("10.0.0.9")) == "10.0.0.9"
    assert client_ip(_request(None)) == PROXY
    assert client_ip(_request(f"not-an-address, {TLS}")) is None
    assert client_ip(_request(f"203.0.113.5:51234, {TLS}")) == "203.0.113.5"


def _login_failure(client, forwarded: str, number: int) -> str:
    response = client.post(
        reverse("account_login"),
        {"login": f"0109999{number:04d}", "password": "Wrong123!"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    return response.content.decode()


@pytest.mark.django_db
def test_two_clients_behind_one_proxy_have_their_own_login_limit(client, settings):
    """allauth's ``login_failed`` limit (10 a minute per IP) counts each client."""
    settings.TRUSTED_PROXY_COUNT = 2
    for number in range(10):
        assert "너무 많이" not in _login_failure(client, f"203.0.113.5, {TLS}", number)
    assert "너무 많이" in _login_failure(client, f"203.0.113.5, {TLS}", 10)
    assert "너무 많이" not in _login_failure(client, f"203.0.113.6, {TLS}", 11)


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_escape_the_login_limit(client, settings):
    settings.TRUSTED_PROXY_COUNT = 2
    for number in range(10):
        forged = f"198.51.100.{number}, 203.0.113.5, {TLS}"
        assert "너무 많이" not in _login_failure(client, forged, number)
    assert "너무 많이" in _login_failure(client, f"198.51.100.99, 203.0.113.5, {TLS}", 10)


def _code_request(client, forwarded: str, number: int) -> str:
    response = client.post(
        reverse("accounts:signup_code"),
        {"username": f"0109999{number:04d}", "name": "김기사", "birth_date": "19650312"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
        follow=True,
    )
    return response.content.decode()


@pytest.mark.django_db
def test_the_portals_own_limits_count_each_client_behind_the_proxy(client, settings):
    """The sign-up code's 10 a minute per IP (``sms_code``), a limit of the portal's."""
    settings.TRUSTED_PROXY_COUNT = 2
    for number in range(10):
        page = _code_request(client, f"198.51.100.{number}, 203.0.113.5, {TLS}", number)
        assert LIMITED_MESSAGE not in page
    assert LIMITED_MESSAGE in _code_request(client, f"198.51.100.99, 203.0.113.5, {TLS}", 10)
    assert LIMITED_MESSAGE not in _code_request(client, f"203.0.113.6, {TLS}", 11)
