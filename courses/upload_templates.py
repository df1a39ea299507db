"""The bulk-enrollment upload's template files (docs/admin.md, "Uploads and roster import").

The header row the upload reads (``courses.services.imports.COLUMNS``, first names) and
one example row, as CSV or XLSX. The example row's phone is
``portal.spreadsheets.EXAMPLE_PHONE``: left in a file, it is a row error.
"""

import datetime as dt

from django.http import HttpResponse

from courses.models import Course
from portal import clock
from portal.spreadsheets import EXAMPLE_PHONE, template_response

HEADER = ("휴대폰", "이름", "생년월일", "과정코드", "수강기한", "수강시작일", "운수사", "자격번호")
FILE_NAME = "수강자_일괄등록_양식"


def enrollment_template_response(*, kind: str) -> HttpResponse:
    """The template as ``kind`` ``"csv"`` or ``"xlsx"``: header and one example row."""
    today = clock.today()
    code = (
        Course.objects.filter(is_active=True)
        .order_by("code")
        .values_list("code", flat=True)
        .first()
        or "BLUE-INTRO"
    )
    example = [
        EXAMPLE_PHONE,
        "홍길동",
        dt.date(1975, 1, 2),
        code,
        today + dt.timedelta(days=30),
        today,
        "",
        "",
    ]
    return template_response(
        kind=kind, name=FILE_NAME, header=HEADER, example=example, sheet_title="수강자"
    )
