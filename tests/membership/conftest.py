"""Fixtures of the membership tests: partners, the fake gateway, the clock."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from membership.gateway import gateway
from membership.services.usage import rating_record
from portal import clock

EPOCH = dt.datetime(2000, 1, 1, tzinfo=clock.SEOUL)
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def fake_gateway():
    """The in-process fake gateway, empty before and after every test."""
    fake = gateway()
    fake.reset()
    yield fake
    fake.reset()


def seoul(text: str) -> dt.datetime:
    """'2024-10-02T10:00' as an aware Seoul instant."""
    return clock.aware(dt.datetime.fromisoformat(text))


@pytest.fixture
def make_partner(db, django_user_model):
    def make(
        *,
        qualification_no: str | None = None,
        driver_type: str = "general",
        rating: str | None = "4.5",
        phone: str | None = None,
        **extra,
    ):
        n = next(_numbers)
        user = django_user_model.objects.create(
            username=f"partner{n}",
            password="!",  # no usable password: partners here never log in
            name=f"기사{n}",
            phone=phone,
            qualification_no=qualification_no or f"Q-{n:05d}",
            driver_type=driver_type,
            **extra,
        )
        rating_record(user=user, value=None if rating is None else Decimal(rating), at=EPOCH)
        return user

    return make


@pytest.fixture
def partner(make_partner):
    return make_partner()


@pytest.fixture
def staff(db, django_user_model):
    return django_user_model.objects.create_user(
        username="cs-agent", password="pw-for-tests-123", is_staff=True, is_superuser=True
    )
