"""Demo data for accounts: the catalogue, organisations and partners in every state.

Idempotent (``manage.py load_demo`` may run many times); returns the lines to print.
"""

from __future__ import annotations

import datetime as dt

from accounts.models import FranchiseOffice, RegionalHQ, Service, TransportCompany, User
from accounts.services import account_preprovision, roster_upsert
from accounts.services.passwords import password_set
from portal import clock

DEMO_PASSWORD = "Blue1234!"

SERVICES = [
    (
        "blue",
        "카카오 T 블루",
        "가맹 택시 서비스입니다. 가입하려면 입문 교육을 꼭 들어야 합니다.",
        "1. 소속 운수사 또는 가맹점에 가입 의사를 알립니다.\n"
        "2. 담당 부서가 입문 교육 대상자로 등록하면 문자로 아이디와 로그인 주소가 옵니다.\n"
        "3. 입문 교육을 기간 안에 수료하면 담당 부서에서 운행 시작을 안내합니다.",
    ),
    (
        "venti",
        "카카오 T 벤티",
        "대형 승합 택시 서비스입니다.",
        "벤티 운행을 원하시면 소속 운수사에 문의한 뒤 벤티 입문 교육을 들어 주세요.",
    ),
    (
        "taxi",
        "카카오 T 택시",
        "일반 택시 호출 서비스입니다.",
        "카카오 T 기사 앱에서 가입할 수 있습니다. 교육은 필요할 때 안내합니다.",
    ),
]


def _partner(phone, name, birth, company, services, *, password=None) -> User:
    entry = roster_upsert(
        phone=phone,
        name=name,
        birth_date=birth,
        transport_company=company,
        qualification_no=f"Q-{phone[-4:]}",
        driver_type="franchise",
        services=services,
    )
    user, created = account_preprovision(roster_entry=entry)
    if created and password:
        password_set(user=user, password=password)
    return user


def load() -> list[str]:
    catalogue = {}
    for position, (code, name, summary, info) in enumerate(SERVICES):
        catalogue[code], _ = Service.objects.update_or_create(
            code=code,
            defaults={"name": name, "summary": summary, "signup_info": info, "position": position},
        )
    hq, _ = RegionalHQ.objects.get_or_create(
        name="서울지역본부", defaults={"phone": "02-6000-1000"}
    )
    office, _ = FranchiseOffice.objects.get_or_create(
        name="강남가맹점", defaults={"phone": "02-6000-2000", "regional_hq": hq}
    )
    company, _ = TransportCompany.objects.get_or_create(
        name="한빛운수", defaults={"phone": "02-6000-3000", "franchise_office": office}
    )

    _partner(
        "01010000001",
        "김블루",
        dt.date(1968, 4, 2),
        company,
        [catalogue["blue"]],
        password=DEMO_PASSWORD,
    )
    _partner("01010000002", "이입문", dt.date(1972, 9, 15), company, [catalogue["blue"]])
    _partner(
        "01010000003",
        "박카카오",
        dt.date(1975, 1, 20),
        company,
        [catalogue["venti"]],
        password=DEMO_PASSWORD,
    )
    due = _partner(
        "01010000004",
        "최오래",
        dt.date(1960, 12, 5),
        company,
        [catalogue["blue"]],
        password=DEMO_PASSWORD,
    )
    if due.password_changed_at and due.password_changed_at > clock.now() - dt.timedelta(days=180):
        User.objects.filter(pk=due.pk).update(
            password_changed_at=clock.now() - dt.timedelta(days=200),
            password_prompt_snoozed_until=None,
        )
    roster_upsert(
        phone="01010000005",
        name="정가입",
        birth_date=dt.date(1980, 6, 30),
        transport_company=company,
        services=[catalogue["taxi"]],
    )
    return [
        f"partner 010-1000-0001 / {DEMO_PASSWORD} (김블루, 블루 정회원)",
        "pre-provisioned 010-1000-0002 (이입문, no password yet: 로그인 → 비밀번호 설정, "
        "birth 19720915; the code is in var/sms.jsonl)",
        f"Kakao-linkable 010-1000-0003 / {DEMO_PASSWORD} (박카카오, birth 1975-01-20: a Kakao "
        "account with this name, birth date and phone links on 카카오로 로그인)",
        f"180-day prompt 010-1000-0004 / {DEMO_PASSWORD} (최오래, password 200 days old)",
        "sign-up 010-1000-0005 (정가입, birth 19800630: on the roster, no account yet)",
    ]
