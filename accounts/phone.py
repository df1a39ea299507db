"""Phone numbers as login IDs: one normalised form, 11 digits starting 010.

accounts.md, "The roster and the ID": input is accepted with spaces, hyphens or +82.
"""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Length
from django.db.models.lookups import Exact

INVALID_MESSAGE = "휴대폰 번호 11자리를 010으로 시작하게 입력해 주세요. 예: 010-1234-5678"

# The forms nearly every number arrives in (a 50,000-row file spends most of its check
# in phonenumbers' parser otherwise): their result is the same, read directly.
_PLAIN_MOBILE = re.compile(r"010([- ]?)([0-9]{4})\1([0-9]{4})")


def normalize_phone(raw: str) -> str:
    """Return ``raw`` as 11 digits (``010…``), or raise ValidationError in plain Korean.

    Accepts ``010-1234-5678``, ``010 1234 5678``, ``+82 10-1234-5678``, ``821012345678``.
    """
    text = (raw or "").strip()
    plain = _PLAIN_MOBILE.fullmatch(text)
    if plain:
        return f"010{plain[2]}{plain[3]}"
    if not text or len(text) > 30:
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone")
    digits = "".join(ch for ch in text if ch.isdigit())
    if not text.startswith("+") and digits.startswith("8210") and len(digits) == 12:
        text = "+" + digits
    try:
        parsed = phonenumbers.parse(text, "KR")
    except phonenumbers.NumberParseException:
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone") from None
    if parsed.country_code != 82:
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone")
    national = str(parsed.national_number)
    result = "0" + national
    if len(result) != 11 or not result.startswith("010"):
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone")
    if not phonenumbers.is_possible_number(parsed):
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone")
    return result


def stored_form_condition(field: str = "phone") -> Q:
    """The database check that ``field`` holds the stored form: ``010`` and 8 digits.

    The same test as ``^010[0-9]{8}$`` without a regular expression: PostgreSQL runs a
    regex check in over a microsecond per row, these three string tests in under half
    of that, and the bulk upload writes 100,000 phones to accounts and the roster.
    """
    only_digits = Func(F(field), Value("0123456789"), function="LTRIM")
    return (
        Q(**{f"{field}__startswith": "010"})
        & Exact(Length(field), 11)
        & Exact(only_digits, Value(""))
    )


def phone_display(phone: str) -> str:
    """``01012345678`` → ``010-1234-5678``; anything else as it is."""
    if len(phone) == 11 and phone.isdigit():
        return f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
    return phone
