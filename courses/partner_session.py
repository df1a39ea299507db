"""The logged-in partner of a request, checked against a user row read with the page's data.

Django's ``AuthenticationMiddleware`` loads the user with a query of its own on first
use of ``request.user``. The partner pages that are called most (the dashboard and the
player's progress reports) read the user's row in the same query as their data instead,
then apply the same checks as ``django.contrib.auth.get_user``: the session names a
configured backend that loads users by primary key, the user is active, and the session
carries the HMAC of the user's current password hash (so a password change or a
withdrawal ends every other session of that user at once).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    load_backend,
)
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare

if TYPE_CHECKING:
    from accounts.models import User


@functools.cache
def _loads_by_primary_key(backend_path: str) -> bool:
    backend = load_backend(backend_path)
    return type(backend).get_user is ModelBackend.get_user and (
        type(backend).user_can_authenticate is ModelBackend.user_can_authenticate
    )


def claimed_user_id(request: HttpRequest) -> int | None:
    """The user id the session names, not yet checked against the user's row.

    ``None`` when nobody is logged in. When the session's backend loads users some
    other way, the standard ``request.user`` decides (and its id is returned).
    """
    session = request.session
    try:
        raw_id = session[SESSION_KEY]
        backend_path = session[BACKEND_SESSION_KEY]
    except KeyError:
        return None
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    if not _loads_by_primary_key(backend_path):
        user = request.user
        return user.pk if user.is_authenticated else None
    try:
        return get_user_model()._meta.pk.to_python(raw_id)
    except ValidationError:
        return None


def accept(request: HttpRequest, user: User | None) -> bool:
    """Whether the session may act as ``user`` (the row of :func:`claimed_user_id`).

    On success ``request.user`` becomes ``user``. On failure the session ends, as
    Django ends it when the password changed since login.
    """
    if user is None or not user.is_active:
        # ModelBackend.get_user answers None for an inactive or missing user; get_user
        # then keeps the session but treats the request as anonymous.
        return False
    session = request.session
    session_hash = session.get(HASH_SESSION_KEY)
    current = user.get_session_auth_hash()
    if session_hash and constant_time_compare(session_hash, current):
        request.user = user
        return True
    if session_hash and any(
        constant_time_compare(session_hash, fallback)
        for fallback in user.get_session_auth_fallback_hash()
    ):
        session.cycle_key()
        session[HASH_SESSION_KEY] = current
        request.user = user
        return True
    session.flush()
    return False
