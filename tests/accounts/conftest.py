"""Fixtures for the accounts tests: the catalogue, roster entries, partners, codes."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from accounts.models import RegionalHQ, Service, TransportCompany, User
from accounts.services import account_preprovision, roster_upsert
from accounts.services.passwords import password_set

PASSWORD = "Blue1234!"
NEW_PASSWORD = "Venti5678@"


@pytest.fixture
def services(db):
    return {
        code: Service.objects.get_or_create(code=code, defaults={"name": name, "position": i})[0]
        for i, (code, name) in enumerate(
            [("blue", "카카오 T 블루"), ("venti", "카카오 T 벤티"), ("taxi", "카카오 T 택시")]
        )
    }


@pytest.fixture
def company(db):
    hq = RegionalHQ.objects.create(name="서울본부", phone="02-1234-5678")
    return TransportCompany.objects.create(name="한빛운수", phone="02-555-0000", regional_hq=hq)


@pytest.fixture
def roster(services, company):
    return roster_upsert(
        phone="010-1234-5678",
        name="김기사",
        birth_date=dt.date(1965, 3, 12),
        transport_company=company,
        qualification_no="Q-1001",
        driver_type="franchise",
        services=[services["venti"]],
    )


@pytest.fixture
def partner(roster) -> User:
    user, _ = account_preprovision(roster_entry=roster)
    password_set(user=user, password=PASSWORD)
    user.refresh_from_db()
    return user


@pytest.fixture
def provisioned(roster) -> User:
    user, created = account_preprovision(roster_entry=roster)
    assert created
    return user


def sent_codes(phone: str) -> list[str]:
    """The verification codes texted to ``phone``, oldest first."""
    from portal.sms.models import OutboxMessage

    bodies = OutboxMessage.objects.filter(to=phone).order_by("id").values_list("body", flat=True)
    return [m.group(1) for b in bodies if (m := re.search(r"인증번호 (\d{6})", b))]


def last_code(phone: str) -> str:
    codes = sent_codes(phone)
    assert codes, f"no code was texted to {phone}"
    return codes[-1]


@pytest.fixture
def fake_kakao(settings):
    """The fake Kakao login server, registered with the portal's app key, secret and
    callback, with the provider's URLs and the CSP pointed at it."""
    import copy

    from tests.fakes.kakao import FakeKakao

    (app,) = settings.SOCIALACCOUNT_PROVIDERS["kakao"]["APPS"]
    fake = FakeKakao(client_id=app["client_id"], client_secret=app["secret"]).start()
    fake.register_redirect_uri("http://testserver/accounts/kakao/login/callback/")
    settings.KAKAO_AUTHORIZE_URL = fake.authorize_url
    settings.KAKAO_TOKEN_URL = fake.token_url
    settings.KAKAO_PROFILE_URL = fake.profile_url
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = [*policy["DIRECTIVES"]["form-action"], fake.origin]
    settings.CONTENT_SECURITY_POLICY = policy
    yield fake
    fake.stop()
