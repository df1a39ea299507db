"""The bulk-enrollment upload's template files (docs/admin.md, "Uploads and roster import").

The header row the upload reads (``courses.services.imports.COLUMNS``, first names) and
one example row, as CSV and as XLSX. The example row's phone is
``portal.spreadsheets.EXAMPLE_PHONE``: left in a file, it is a row error.
"""

import datetime as dt

from courses.models import Course
from portal import clock
from portal.spreadsheets import EXAMPLE_PHONE, template_csv, template_xlsx

HEADER = ("휴대폰", "이름", "생년월일", "과정코드", "수강기한", "수강시작일", "운수사", "자격번호")
FILE_NAME = "수강자_일괄등록_양식"


def _example() -> list[object]:
    today = clock.today()
    code = (
        Course.objects.filter(is_active=True).order_by("code").values_list("code", flat=True).first()
        or "BLUE-INTRO"
    )
    return [
        EXAMPLE_PHONE,
        "홍길동",
        dt.date(1975, 1, 2),
        code,
        today + dt.timedelta(days=30),
        today,
        "",
        "",
    ]


def enrollment_template(*, kind: str) -> bytes:
    """The template as ``kind`` ``"csv"`` or ``"xlsx"``."""
    if kind == "csv":
        return template_csv(header=HEADER, example=_example())
    return template_xlsx(header=HEADER, example=_example(), sheet_title="수강자")
