"""The roster upload's template files (accounts.md, "Admin import")."""

import datetime as dt

from django.http import HttpResponse

from accounts.models import Service, TransportCompany
from portal.spreadsheets import EXAMPLE_PHONE, template_response

HEADER = ("휴대폰 번호", "이름", "생년월일", "운수사", "자격번호", "기사 유형", "서비스")
FILE_NAME = "명단_올리기_양식"


def roster_template_response(*, kind: str) -> HttpResponse:
    """The template as ``kind`` ``"csv"`` or ``"xlsx"``: header and one example row."""
    company = TransportCompany.objects.order_by("name").values_list("name", flat=True).first()
    service = Service.objects.order_by("position", "name").values_list("name", flat=True).first()
    example = [
        EXAMPLE_PHONE,
        "홍길동",
        dt.date(1975, 1, 2),
        company or "",
        "",
        "가맹",
        service or "",
    ]
    return template_response(
        kind=kind, name=FILE_NAME, header=HEADER, example=example, sheet_title="명단"
    )
