"""The roster: drivers registered by transport companies (accounts.md, "The roster").

Staff load it by admin import (``accounts.services.roster_import``: preview every row,
write nothing until confirmed, then one set-based transaction) or edit single entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from accounts.models import RosterEntry, Service, TransportCompany
from accounts.phone import normalize_phone
from portal import clock


@transaction.atomic
def roster_upsert(
    *,
    phone: str,
    name: str,
    birth_date: dt.date,
    transport_company: TransportCompany | None = None,
    qualification_no: str = "",
    driver_type: str = "",
    services: Iterable[Service] = (),
) -> RosterEntry:
    """Create or update the roster entry for ``phone`` (normalised here).

    accounts.md, "The roster and the ID". ``services`` are added to those already on
    the entry (a course upload never takes a service away). A linked account follows
    the roster's qualification number and driver type.
    """
    phone = normalize_phone(phone)
    now = clock.now()
    entry, created = RosterEntry.objects.select_for_update().get_or_create(
        phone=phone,
        defaults={
            "name": name.strip(),
            "birth_date": birth_date,
            "transport_company": transport_company,
            "qualification_no": qualification_no.strip(),
            "driver_type": driver_type,
            "created_at": now,
            "updated_at": now,
        },
    )
    if not created:
        entry.name = name.strip()
        entry.birth_date = birth_date
        if transport_company is not None:
            entry.transport_company = transport_company
        if qualification_no:
            entry.qualification_no = qualification_no.strip()
        if driver_type:
            entry.driver_type = driver_type
        entry.updated_at = now
        entry.save()
    services = list(services)
    if services:
        entry.services.add(*services)
    if entry.user_id:
        from accounts.models import User

        User.objects.filter(pk=entry.user_id).update(
            qualification_no=entry.qualification_no, driver_type=entry.driver_type
        )
    return entry
