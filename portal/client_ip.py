"""The client's IP address behind the proxies: the one rule every limit and log uses.

Behind ``TRUSTED_PROXY_COUNT`` proxies of our own (the TLS terminator, nginx), each
proxy appends the address it received the request from to ``X-Forwarded-For``. Only
those appended by our proxies can be trusted: the client may send any header it likes,
and a proxy only appends to it. So the client is the entry ``TRUSTED_PROXY_COUNT``
places from the right. With 0 (no proxy: ``make run``) the header is ignored and the
client is ``REMOTE_ADDR``. A request with fewer entries than proxies came in behind
the first one (a probe on the internal network): its first entry is used.

allauth's rate limits read it through ``AccountAdapter.get_client_ip``, the portal's
own limits are allauth's limiter, and the request log writes it.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _clean(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, or None when what the proxies wrote is not an address."""
    count = settings.TRUSTED_PROXY_COUNT
    address = request.META.get("REMOTE_ADDR", "")
    if count > 0:
        forwarded = [
            part for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()
        ]
        if forwarded:
            address = forwarded[-count] if len(forwarded) >= count else forwarded[0]
    return _clean(address)
