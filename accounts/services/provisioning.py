"""Accounts created by staff: pre-provisioned (필수 교육 대상자) and forced (강제 가입).

accounts.md, "Pre-provisioned accounts and first login" and "Staff".
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections.abc import Iterable, Sequence

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection, transaction
from django.urls import reverse
from simple_history.models import HistoricalRecords

from accounts.models import RosterEntry, User
from accounts.services.passwords import password_max_age, password_set
from portal import clock
from portal.bulk import history_rows_from_table, id_chunks, rows_insert, sent_ahead
from portal.lookups import any_chunks


def first_login_url() -> str:
    """The absolute address of the password set-up page, for SMS bodies."""
    return settings.SITE_URL + reverse("accounts:password_set")


def _user_from_roster(entry: RosterEntry) -> User:
    return User(
        username=entry.phone,
        phone=entry.phone,
        name=entry.name,
        birth_date=entry.birth_date,
        qualification_no=entry.qualification_no,
        driver_type=entry.driver_type,
    )


PREPROVISION_CHUNK = 20000


def _chunked(items: Sequence, size: int = PREPROVISION_CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# The fields a pre-provisioned account takes from its roster entry, then the rest it is
# written with; the order is the column order of the set-based insert.
PREPROVISION_COLUMNS = (
    "username",
    "phone",
    "name",
    "birth_date",
    "qualification_no",
    "driver_type",
    "password",
    "provisioned_at",
    "date_joined",
)


def _request_user_id() -> int | None:
    """The signed-in staff member of the current request, as django-simple-history sees it."""
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return user.pk


def _unusable_passwords(count: int) -> list[str]:
    """``count`` passwords in Django's unusable form ("!" + random): the first login sets
    one. The random part is ``secrets.token_urlsafe(30)``'s, cut from one draw."""
    text = base64.urlsafe_b64encode(secrets.token_bytes(30 * count)).decode()
    return [
        UNUSABLE_PASSWORD_PREFIX + text[start : start + 40] for start in range(0, 40 * count, 40)
    ]


def _accounts_insert(
    drivers: Sequence[tuple], *, now: dt.datetime, created_by_id: int | None, reason: str | None
) -> list[int]:
    """New pre-provisioned accounts, with their "+" history rows; their ids in order.

    ``drivers`` are (phone, name, birth date, qualification number, driver type). The
    account's username is the phone; it has no usable password and ``provisioned_at``
    set (accounts.md, "Pre-provisioned accounts").
    """
    # The rows are made while the server writes the ones before them.
    user_ids = rows_insert(
        User,
        columns=PREPROVISION_COLUMNS,
        count=len(drivers),
        rows=(
            (phone, phone, name, birth_date, qualification_no, driver_type, password, now, now)
            for (phone, name, birth_date, qualification_no, driver_type), password in zip(
                drivers, _unusable_passwords(len(drivers)), strict=True
            )
        ),
    )
    history_rows_from_table(
        User, ids=user_ids, history_type="+", when=now, by_id=created_by_id, reason=reason
    )
    return user_ids


# A new roster entry's values, in this order, for ``roster_entries_preprovision_new``.
NEW_ENTRY_COLUMNS = (
    "phone",
    "name",
    "birth_date",
    "qualification_no",
    "driver_type",
    "transport_company_id",
)


@transaction.atomic
def roster_entries_preprovision_new(
    *,
    entries: Sequence[tuple],
    created_by_id: int | None = None,
    reason: str | None = None,
) -> dict[str, tuple[int, int]]:
    """Roster entries for drivers on neither the roster nor the accounts, with accounts.

    accounts.md, "Pre-provisioned accounts": each driver (values for
    ``NEW_ENTRY_COLUMNS``) gets the account ``accounts_preprovision_many`` would make
    from the entry, and the entry is written already linked to it: the state that
    adding the entry and then pre-provisioning it leaves, in one "+" history row per
    entry instead of a "+" and a "~". Returns phone → (roster entry id, user id). A
    phone that meanwhile got an entry or an account fails the whole transaction
    (unique phone), so nothing is half-written.
    """
    now = clock.now()
    user_ids = _accounts_insert(
        [entry[:5] for entry in entries], now=now, created_by_id=created_by_id, reason=reason
    )
    columns = (*NEW_ENTRY_COLUMNS, "user_id", "created_at", "updated_at")
    entry_ids = rows_insert(
        RosterEntry,
        columns=columns,
        count=len(entries),
        rows=(
            (*entry, user_id, now, now) for entry, user_id in zip(entries, user_ids, strict=True)
        ),
    )
    # The server writes the history rows while the answer is made.
    with sent_ahead():
        history_rows_from_table(
            RosterEntry,
            ids=entry_ids,
            history_type="+",
            when=now,
            by_id=created_by_id,
            reason=reason,
        )
        made = {
            entry[0]: (entry_id, user_id)
            for entry, entry_id, user_id in zip(entries, entry_ids, user_ids, strict=True)
        }
    return made


@transaction.atomic
def accounts_preprovision_many(
    *,
    roster_entry_ids: Sequence[int],
    created_by_id: int | None = None,
    reason: str | None = None,
) -> dict[int, tuple[int, bool]]:
    """Make sure every driver on the given roster entries has an account.

    accounts.md, "Pre-provisioned accounts": returns roster entry id → (user id,
    created). An entry already linked keeps its account; an entry whose phone already
    has an account is linked to it; otherwise a new account is made from the entry
    (username = phone, name, birth date, qualification number, driver type) with no
    usable password and ``provisioned_at`` set, and the entry is linked to it. Writes
    the same history rows as single saves ("+" for each new account, "~" for each
    entry linked, by ``created_by_id`` with ``reason``) with a fixed number of
    statements per 20,000 entries (``COPY`` on PostgreSQL), so it serves the bulk
    enrollment upload of 100,000 rows as well as one entry.
    """

    ids = sorted(set(roster_entry_ids))
    entries: dict[int, tuple] = {}
    for chunk in any_chunks(ids):
        for row in (
            RosterEntry.objects.select_for_update()
            .filter(pk__any=chunk)
            .order_by("pk")
            .values_list(
                "pk", "user_id", "phone", "name", "birth_date", "qualification_no", "driver_type"
            )
        ):
            entries[row[0]] = row
    missing = set(ids) - set(entries)
    if missing:
        raise RosterEntry.DoesNotExist(f"No roster entry with id {min(missing)}.")

    result: dict[int, tuple[int, bool]] = {}
    unlinked = [entry for entry in entries.values() if entry[1] is None]
    phones = [entry[2] for entry in unlinked]
    existing: dict[str, int] = {}
    for chunk in any_chunks(phones):
        existing.update(User.objects.filter(phone__any=chunk).values_list("phone", "pk"))

    now = clock.now()
    new_entries = [entry for entry in unlinked if entry[2] not in existing]
    user_ids = _accounts_insert(
        [entry[2:] for entry in new_entries], now=now, created_by_id=created_by_id, reason=reason
    )
    for entry, user_id in zip(new_entries, user_ids, strict=True):
        existing[entry[2]] = user_id
        result[entry[0]] = (user_id, True)
    for entry in entries.values():
        if entry[1] is not None:
            result[entry[0]] = (entry[1], False)
        elif entry[0] not in result:
            result[entry[0]] = (existing[entry[2]], False)

    linked = [entry[0] for entry in unlinked]
    roster = connection.ops.quote_name(RosterEntry._meta.db_table)
    users = connection.ops.quote_name(User._meta.db_table)
    with connection.cursor() as cursor:
        for condition, params in id_chunks(linked):
            # One joined UPDATE: each entry takes the account with its phone.
            cursor.execute(
                f"UPDATE {roster} SET user_id = u.id FROM {users} u "  # noqa: S608
                f"WHERE u.phone = {roster}.phone AND {roster}.{condition}",
                params,
            )
    through = RosterEntry.services.through
    m2m_history = apps.get_model("accounts", "HistoricalRosterEntry_services")
    for chunk in _chunked(linked):
        services = list(
            through.objects.filter(rosterentry__id__any=chunk).values_list(
                "id", "rosterentry_id", "service_id"
            )
        )
        history_of = dict(
            history_rows_from_table(
                RosterEntry,
                ids=chunk,
                history_type="~",
                when=now,
                by_id=created_by_id,
                reason=reason,
                returning=bool(services),
            )
        )
        rows_insert(
            m2m_history,
            columns=("id", "rosterentry_id", "service_id", "history_id"),
            rows=[
                (pk, entry_id, service_id, history_of[entry_id])
                for pk, entry_id, service_id in services
            ],
        )
    return result


@transaction.atomic
def account_preprovision(*, roster_entry: RosterEntry) -> tuple[User, bool]:
    """Make sure the driver on ``roster_entry`` has an account; return (user, created).

    accounts.md, "Pre-provisioned accounts": the one-entry case of
    ``accounts_preprovision_many``. A new account has no usable password: its first
    login sets one (the set-up page at ``first_login_url()``). The caller writes the
    SMS that carries the ID and the link.
    """
    made = accounts_preprovision_many(
        roster_entry_ids=[roster_entry.pk], created_by_id=_request_user_id()
    )
    user_id, created = made[roster_entry.pk]
    return User.objects.get(pk=user_id), created


@transaction.atomic
def account_force_register(*, roster_entry: RosterEntry, password: str, staff: User) -> User:
    """강제 가입: staff create the account for a driver who cannot use their own phone.

    Staff hand over the ID and this first password; the 180-day prompt asks the
    partner to choose their own at their first login (it never blocks).
    """
    entry = RosterEntry.objects.select_for_update().get(pk=roster_entry.pk)
    user = entry.user or User.objects.filter(phone=entry.phone).first()
    if user is None:
        user = _user_from_roster(entry)
        user.provisioned_at = clock.now()
        user._change_reason = f"강제 가입 ({staff.get_username()})"
        user.save()
    if entry.user_id != user.pk:
        entry.user = user
        entry.save(update_fields=["user"])
    password_set(user=user, password=password)
    now = clock.now()
    User.objects.filter(pk=user.pk).update(
        password_changed_at=now - password_max_age() - dt.timedelta(seconds=1),
        password_reminded_at=now,
    )
    user.refresh_from_db()
    return user
