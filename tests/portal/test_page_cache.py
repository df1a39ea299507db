"""The CSRF token of kept pages (portal.page_cache.csrf_token) is Django's token."""

import collections

import pytest
from django.conf import settings
from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    _get_new_csrf_string,
    _unmask_cipher_token,
)
from django.test import RequestFactory, override_settings
from django.utils.http import parse_http_date

from portal.page_cache import csrf_token


def _request(secret: str | None):
    request = RequestFactory().get("/")
    if secret is not None:
        request.META["CSRF_COOKIE"] = secret
    return request


def test_the_token_unmasks_to_the_browsers_secret_whose_cookie_outlasts_the_session():
    secret = _get_new_csrf_string()
    request = _request(secret)
    token = csrf_token(request)
    assert len(token) == 2 * CSRF_SECRET_LENGTH
    assert set(token) <= set(CSRF_ALLOWED_CHARS)
    assert _unmask_cipher_token(token) == secret
    # A year's cookie against two weeks' sessions: not sent again.
    assert settings.CSRF_COOKIE_AGE >= settings.SESSION_COOKIE_AGE
    assert "CSRF_COOKIE_NEEDS_UPDATE" not in request.META


@pytest.mark.parametrize("age", [None, 3600])
def test_a_cookie_that_may_expire_before_the_session_is_renewed_as_django_does(age):
    with override_settings(CSRF_COOKIE_AGE=age):
        request = _request(_get_new_csrf_string())
        csrf_token(request)
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True


def test_every_token_has_a_new_mask_drawn_from_the_whole_alphabet():
    secret = _get_new_csrf_string()
    tokens = [csrf_token(_request(secret)) for _ in range(400)]
    assert len(set(tokens)) == len(tokens)
    assert all(_unmask_cipher_token(token) == secret for token in tokens)
    counts = collections.Counter(char for token in tokens for char in token[:CSRF_SECRET_LENGTH])
    assert set(counts) == set(CSRF_ALLOWED_CHARS)  # 12,800 draws: each about 206 times


def test_bytes_that_would_favour_some_characters_are_dropped(monkeypatch):
    # 256 = 4 × 62 + 8: the bytes 248-255 taken modulo 62 would make the first eight
    # characters more likely than the others, so they are drawn again.
    draws = iter([bytes(range(248, 256)) + bytes(range(40)), bytes(range(40, 88))])
    monkeypatch.setattr("portal.page_cache.secrets.token_bytes", lambda n: next(draws))
    secret = "a" * CSRF_SECRET_LENGTH
    token = csrf_token(_request(secret))
    assert token[:CSRF_SECRET_LENGTH] == CSRF_ALLOWED_CHARS[:CSRF_SECRET_LENGTH]
    assert _unmask_cipher_token(token) == secret


def test_without_a_secret_django_makes_one():
    request = _request(None)
    token = csrf_token(request)
    assert _unmask_cipher_token(token) == request.META["CSRF_COOKIE"]
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True


def _never_cached(response):
    from django.views.decorators.cache import never_cache as django_never_cache

    from portal.page_cache import never_cache

    request = RequestFactory().get("/")
    ours = never_cache(lambda request: response())(request)
    theirs = django_never_cache(lambda request: response())(request)
    return ours, theirs


def test_never_cache_writes_what_djangos_writes():
    from django.http import HttpResponse

    ours, theirs = _never_cached(lambda: HttpResponse("page"))
    assert ours["Cache-Control"] == theirs["Cache-Control"]
    assert abs(parse_http_date(ours["Expires"]) - parse_http_date(theirs["Expires"])) <= 1
    assert set(ours.headers) == set(theirs.headers)


def test_never_cache_merges_a_responses_own_headers_as_django_does():
    from django.http import HttpResponse

    def response():
        page = HttpResponse("page")
        page["Cache-Control"] = "max-age=60, public"
        return page

    ours, theirs = _never_cached(response)
    assert ours["Cache-Control"] == theirs["Cache-Control"]
    assert abs(parse_http_date(ours["Expires"]) - parse_http_date(theirs["Expires"])) <= 1
