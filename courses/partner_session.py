"""The logged-in partner of a request, checked against rows read with the page's data.

Django's ``AuthenticationMiddleware`` loads the user with a query of its own on first
use of ``request.user``, after the session was read from Redis. The partner pages that
are called most (the dashboard and the player's progress reports) read the user's row,
and the session's own database row, in the same query as their data instead, then
apply the same checks as ``django.contrib.auth.get_user``: the session names a
configured backend that loads users by primary key, the user is active, and the
session carries the HMAC of the user's current password hash (so a password change or
a withdrawal ends every other session of that user at once).

Which user's data to read is known before the session is: each worker remembers, for a
session key it has accepted, the user it named (a key never changes hands: Django
flushes or cycles the key at every login). The session row read with the data is the
authority: with the ``db`` and ``cached_db`` engines every write of a session reaches
the database first, and logging out deletes the row, so the row read is what Redis
holds or newer. A session this worker has not seen yet is read as usual first.

The worker also remembers what it accepted: the session row's text, the user's id and
password hash, and the decoded session. The checks are a function of exactly these
(and of settings), so when the rows read for a request are equal to them and the user
is still active, the answer is the same and neither the session's signature nor the
password's HMAC is computed again. Any change (a password change, a login elsewhere
that rewrote the row, a logout that deleted it) makes the rows differ and the checks
run in full.
"""

from __future__ import annotations

import collections
import copy
import dataclasses
import functools
import threading
from collections.abc import Callable
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
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

if TYPE_CHECKING:
    from accounts.models import User
    from courses.rows import Columns

_ENGINES_IN_DATABASE = {
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
}
_KNOWN_SESSIONS = 10_000

_lock = threading.Lock()


@functools.cache
def _loads_by_primary_key(backend_path: str) -> bool:
    backend = load_backend(backend_path)
    return type(backend).get_user is ModelBackend.get_user and (
        type(backend).user_can_authenticate is ModelBackend.user_can_authenticate
    )


@dataclasses.dataclass(frozen=True)
class Accepted:
    """What this worker last accepted for a session key.

    ``session_data`` is the session's database row as read (``None``: accepted from
    the session as Django loaded it, so the row's text is not known yet).
    """

    user_id: int
    password: str
    session_data: str | None
    session: dict = dataclasses.field(compare=False, repr=False)


_accepted: collections.OrderedDict[str, Accepted] = collections.OrderedDict()


@dataclasses.dataclass(frozen=True)
class UserRow:
    """The columns of the user's row the checks read, and how to make its instance.

    When the rows are those accepted before, the instance is made only if the request
    uses it (``request.user`` is lazy, as Django's own).
    """

    pk: int
    password: str
    is_active: bool
    load: Callable[[], User]


@dataclasses.dataclass(frozen=True)
class Claim:
    """Whom a request's session claims to be, before it is checked.

    ``session_key`` is set when the session has not been read yet: the caller reads
    that key's database row with its data and passes it to :func:`accept`.
    ``accepted`` is what this worker accepted for that key before.
    """

    user_id: int
    session_key: str | None = None
    accepted: Accepted | None = None

    def guard(self) -> Accepted | None:
        """What the rows must still be for this claim to be accepted without the
        full checks (None: the checks must run), for a statement that writes only
        when they are (see courses.services.progress)."""
        accepted = self.accepted
        if accepted is None or accepted.session_data is None:
            return None
        return accepted


def _user_id(request: HttpRequest, session) -> int | None:
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


def claim(request: HttpRequest) -> Claim | None:
    """The user the session names, not yet checked against the user's row.

    ``None`` when nobody is logged in. When the session's backend loads users some
    other way, the standard ``request.user`` decides (and its id is returned).
    """
    key = request.session.session_key
    if key and settings.SESSION_ENGINE in _ENGINES_IN_DATABASE:
        with _lock:
            accepted = _accepted.get(key)
        if accepted is not None:
            return Claim(accepted.user_id, key, accepted)
    user_id = _user_id(request, request.session)
    return None if user_id is None else Claim(user_id)


def _adopt(request: HttpRequest, session_data: str | None) -> None:
    """Make ``request.session`` the session row read (``None``: no live row), as the
    database session engine loads it."""
    session = request.session
    if session_data is None:
        session._session_key = None
        session._session_cache = {}
    else:
        session._session_cache = session.decode(session_data)
    session.accessed = True


def user_row(columns: Columns, row: tuple, start: int = 0) -> UserRow:
    """The :class:`UserRow` of a user read with ``columns`` (``courses.rows``) from
    ``row[start:]``; they must include the id, the password and the active flag."""
    values = dict(zip(columns.attnames, row[start : start + len(columns)], strict=True))
    return UserRow(
        pk=values["id"],
        password=values["password"],
        is_active=bool(values["is_active"]),
        load=lambda: columns.instance(row, start),
    )


def accept(
    request: HttpRequest,
    user: User | UserRow | None,
    claimed: Claim,
    session_data: str | None = None,
) -> bool:
    """Whether the session may act as ``user`` (the row of ``claimed.user_id``).

    ``session_data`` is the session's database row, read with ``user`` when
    ``claimed.session_key`` asked for it. On success ``request.user`` becomes
    ``user``. On failure the session ends, as Django ends it when the password changed
    since login.
    """
    session = request.session
    accepted = claimed.guard()
    if (
        claimed.session_key is not None
        and accepted is not None
        and user is not None
        and user.is_active
        and session_data == accepted.session_data
        and user.pk == accepted.user_id
        and user.password == accepted.password
    ):
        # The rows the checks below ran on last time, unchanged: the same answer.
        session._session_cache = _copied(accepted.session)
        session.accessed = True
        request.user = SimpleLazyObject(user.load) if isinstance(user, UserRow) else user
        return True
    if isinstance(user, UserRow):
        user = user.load()
    if claimed.session_key is not None:
        if user is None:  # no such user: the session stays as it is, anonymous
            _forget(claimed.session_key)
            return False
        _adopt(request, session_data)
        if _user_id(request, session) != claimed.user_id:
            _forget(claimed.session_key)
            return False
    if user is None or not user.is_active:
        # ModelBackend.get_user answers None for an inactive or missing user; get_user
        # then keeps the session but treats the request as anonymous.
        _forget(claimed.session_key or session.session_key)
        return False
    session_hash = session.get(HASH_SESSION_KEY)
    current = user.get_session_auth_hash()
    if session_hash and constant_time_compare(session_hash, current):
        request.user = user
        _remember(session.session_key, user, session_data, session._session_cache)
        return True
    if session_hash and any(
        constant_time_compare(session_hash, fallback)
        for fallback in user.get_session_auth_fallback_hash()
    ):
        session.cycle_key()
        session[HASH_SESSION_KEY] = current
        request.user = user
        return True
    _forget(claimed.session_key or session.session_key)
    session.flush()
    return False


def session_row_data(alias: str, placeholders: tuple[str, str] = ("%s", "%s")) -> str:
    """The data of the live database row of a session (as the db engine loads it: not
    expired), or NULL, as a subquery for a page's one query. Its two parameters
    (session key, time) come from :func:`session_row_params`.

    A subquery, not a join: it does not depend on the query's rows, so the database
    reads the session once however many rows the query has (joined, it was read again
    for each of a dashboard's attempts).
    """
    from django.contrib.sessions.models import Session

    table = connection.ops.quote_name(Session._meta.db_table)
    key, time = placeholders
    return (
        f"(SELECT {alias}.session_data FROM {table} {alias} "  # noqa: S608 (names from the models)
        f"WHERE {alias}.session_key = {key} AND {alias}.expire_date > {time})"
    )


def session_row_params(session_key: str | None) -> list:
    return [session_key, timezone.now()]


_IMMUTABLE = (str, int, float, bool, type(None))


def _copied(session: dict) -> dict:
    """A copy of a decoded session that the request may change freely."""
    if all(isinstance(value, _IMMUTABLE) for value in session.values()):
        return dict(session)
    return copy.deepcopy(session)


def _remember(key: str | None, user: User, session_data: str | None, session: dict) -> None:
    if not key or settings.SESSION_ENGINE not in _ENGINES_IN_DATABASE:
        return
    accepted = Accepted(user.pk, user.password, session_data, _copied(session))
    with _lock:
        _accepted[key] = accepted
        _accepted.move_to_end(key)
        while len(_accepted) > _KNOWN_SESSIONS:
            _accepted.popitem(last=False)


def _forget(key: str | None) -> None:
    if key:
        with _lock:
            _accepted.pop(key, None)
