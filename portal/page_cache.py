"""Pages rendered once per state of the data they show, kept by each worker process.

A partner page that shows only (a) values read for the request and (b) the day can be
rendered once for those values and served again while they stay equal. The key is the
data itself, compared by equality: whatever writes it (a progress report, staff in the
admin, an upload, the night job, raw SQL), a changed value is a different key, so no
write has to remember to invalidate anything, and nothing stale is ever served. The
Korean date, the active language and time zone and the script prefix are part of
every key, so ``D-n`` countdowns and expiry labels change at midnight (Asia/Seoul), and
so is the guide centre's open-now state that every page's footer shows.

What differs between two requests with equal data is rendered per request: the CSRF
token (per browser, masked anew for every response as Django does; see
:func:`csrf_token`) is put into the stored text, and a request with messages to show
is rendered in full. Pages are kept in memory (at most ``PAGE_CACHE_ENTRIES`` per
process, least recently used dropped first), not in Redis: the point is to save work
per request, and a shared copy would cost a round trip on every request and a
deployment-versioned key. Off with ``DEBUG`` (edited templates show at once) and when
``PAGE_CACHE_ENTRIES`` is 0.
"""

from __future__ import annotations

import collections
import functools
import secrets
import threading
from collections.abc import Callable, Hashable

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, get_token
from django.shortcuts import render
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.http import http_date

from accounts.selectors import guide_centre_status
from portal import clock

# Stands for the CSRF token while a page is rendered for keeping; random per process,
# so no data can contain it.
_TOKEN_MARK = "csrf" + secrets.token_hex(16)

_pages: collections.OrderedDict[Hashable, tuple[bytes, ...]] = collections.OrderedDict()
_lock = threading.Lock()


def render_kept(
    request: HttpRequest,
    template_name: str,
    *,
    key: Hashable,
    context: Callable[[], dict],
) -> HttpResponse:
    """The page ``template_name`` rendered from ``context()``, kept under ``key``.

    ``key`` must determine everything the page shows apart from the CSRF token and
    messages: the rows read for it, including the logged-in user's (the member menu
    shows the name). ``context`` is called only when the page has to be rendered.
    """
    limit = settings.PAGE_CACHE_ENTRIES
    if limit <= 0 or settings.DEBUG or len(get_messages(request)):
        return render(request, template_name, context())
    full_key = (
        template_name,
        key,
        clock.today(),
        guide_centre_status(),
        translation.get_language(),
        timezone.get_current_timezone_name(),
        get_script_prefix(),
    )
    with _lock:
        parts = _pages.get(full_key)
        if parts is not None:
            _pages.move_to_end(full_key)
    if parts is None:
        page = render(request, template_name, {**context(), "csrf_token": _TOKEN_MARK})
        parts = tuple(page.content.split(_TOKEN_MARK.encode()))
        with _lock:
            _pages[full_key] = parts
            while len(_pages) > limit:
                _pages.popitem(last=False)
    if len(parts) == 1:
        return HttpResponse(parts[0])
    return HttpResponse(csrf_token(request).encode().join(parts))


_CHARS = CSRF_ALLOWED_CHARS
# Random bytes to mask characters: 0-247 taken modulo the alphabet's size (every
# character equally likely), 248-255 dropped.
_UNBIASED = 256 - 256 % len(_CHARS)
_BYTE_TO_CHAR = bytes(ord(_CHARS[byte % len(_CHARS)]) for byte in range(_UNBIASED)).ljust(
    256  # the dropped bytes' places: never used
)
_DROPPED = bytes(range(_UNBIASED, 256))
# The secret's character shifted by the mask's: Django's cipher, one look-up per pair.
_SHIFTED = {
    (secret, mask): _CHARS[(_CHARS.index(secret) + _CHARS.index(mask)) % len(_CHARS)]
    for secret in _CHARS
    for mask in _CHARS
}


def csrf_token(request: HttpRequest) -> str:
    """``django.middleware.csrf.get_token(request)``, its mask drawn at once.

    The same token as Django's (a random mask of the secret's length, then the secret
    shifted by it, both in ``CSRF_ALLOWED_CHARS``). Django draws the mask one character
    at a time, a system call each; here one draw of random bytes serves the whole mask.

    Unlike ``get_token``, a cookie the browser sent is not sent again to renew its
    expiry (the header cost the dashboard 146,000 of its worker's 2.1 million
    instructions, counted by callgrind) while the cookie outlasts any session: a login
    rotates the secret and sends a new cookie, which lasts ``CSRF_COOKIE_AGE`` (a
    year) against a session's ``SESSION_COOKIE_AGE`` (two weeks), and the other pages
    with a form renew it as Django does.
    """
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        return get_token(request)  # a new secret: Django makes it and its cookie
    if not _cookie_outlasts_sessions():
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = ""
    while len(mask) < len(secret):
        mask += secrets.token_bytes(48).translate(_BYTE_TO_CHAR, _DROPPED).decode()
    mask = mask[: len(secret)]
    return mask + "".join(map(_SHIFTED.__getitem__, zip(secret, mask, strict=True)))


def _cookie_outlasts_sessions() -> bool:
    age = settings.CSRF_COOKIE_AGE
    return age is not None and age >= settings.SESSION_COOKIE_AGE


# What django.utils.cache.add_never_cache_headers writes on a response without either.
_NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


def never_cache(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Django's ``never_cache`` for the busiest pages: the same headers, written at once
    when the response has none of its own (Django's parses and merges the
    ``Cache-Control`` header twice), merged as Django merges them otherwise."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if "Expires" in response or "Cache-Control" in response:
            add_never_cache_headers(response)
        else:
            response.headers["Expires"] = http_date()
            response.headers["Cache-Control"] = _NEVER_CACHE
        return response

    return wrapper


def forget_all() -> None:
    with _lock:
        _pages.clear()


@receiver(setting_changed)
def _on_setting_changed(**kwargs) -> None:
    # Pages show settings (the guide centre's number, static file names): tests that
    # change one must not see pages rendered before.
    forget_all()
