"""What every staff upload (bulk enrollment, roster) shares: its dates, its templates and
how its checked rows are kept between the preview and the confirmation.

Staff fill the files in Excel or by hand. The date rule is stated on each upload page
(``DATE_FORMATS``) and read here once for both uploads; the template files carry the
upload's header row and one example row, with phone cells as text (Excel drops the
leading 0 of a number) and date cells as real dates.
"""

import csv
import datetime as dt
import io
import json
import re
import zlib
from collections.abc import Sequence

# What the upload pages say (docs/admin.md, "Uploads and roster import").
DATE_FORMATS = "2026-03-31, 2026.03.31, 엑셀 날짜(날짜 칸 또는 날짜 일련번호)"

# The example row of a template uses this phone: an upload that still carries it gets a
# row error instead of texting a stranger.
EXAMPLE_PHONE = "010-0000-0000"
EXAMPLE_ROW_REASON = "양식의 예시 줄입니다. 지우거나 실제 기사님 정보로 바꿔 주세요."

_DATE_TEXT = re.compile(r"^(\d{4})[-./년\s]*(\d{1,2})[-./월\s]*(\d{1,2})일?$")
_SERIAL_TEXT = re.compile(r"^\d{1,5}(\.\d+)?$")
# Excel counts days from 1899-12-30 (its day 60 is a 29 February 1900 that never was,
# so serials from 61 on land on the right date; earlier ones are not plausible here).
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_MAX = 99_999  # 2173-10-14: five digits, never an 8-digit YYYYMMDD


def parse_date(value: object) -> dt.date | None:
    """A calendar date from an upload cell, or None.

    Accepted: a date cell (``date``/``datetime``); text ``YYYY-MM-DD``, ``YYYY.MM.DD``
    (also ``/``, ``년 월 일`` and one-digit months and days), ``YYYYMMDD``; an Excel date
    serial number (a number cell, or its digits in a CSV file saved from Excel).
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _from_serial(value)
    text = str(value or "").strip()
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    elif _SERIAL_TEXT.match(text):
        return _from_serial(float(text))
    match = _DATE_TEXT.match(text)
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _from_serial(number: float) -> dt.date | None:
    if not 61 <= number <= _SERIAL_MAX:
        return None
    return _EXCEL_EPOCH + dt.timedelta(days=int(number))


def template_csv(*, header: Sequence[str], example: Sequence[object]) -> bytes:
    """A CSV template: UTF-8 with a BOM (Excel opens it as Korean text), header, example."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerow(["" if v is None else _csv_text(v) for v in example])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_text(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def template_xlsx(*, header: Sequence[str], example: Sequence[object], sheet_title: str) -> bytes:
    """An XLSX template: header in bold, one example row; text columns are formatted as
    text (``@``, so a phone typed below keeps its 0), date columns as dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append([None if v == "" else v for v in example])
    for index, value in enumerate(example, start=1):
        column = sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter]
        column.width = max(12, len(str(header[index - 1])) * 2 + 4)
        # The column's format applies to what staff type below the example.
        number_format = "yyyy-mm-dd" if isinstance(value, dt.date) else "@"
        column.number_format = number_format
        sheet.cell(row=2, column=index).number_format = number_format
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def template_response(
    *, kind: str, name: str, header: Sequence[str], example: Sequence[object], sheet_title: str
):
    """The download of a template as ``kind`` (``csv`` or ``xlsx``, else 404), named
    ``name.kind`` (a Korean name as RFC 6266 gives it, an ASCII one for old clients)."""
    from urllib.parse import quote

    from django.http import Http404, HttpResponse

    if kind == "csv":
        data = template_csv(header=header, example=example)
    elif kind == "xlsx":
        data = template_xlsx(header=header, example=example, sheet_title=sheet_title)
    else:
        raise Http404("양식은 CSV 또는 XLSX입니다.")
    response = HttpResponse(data, content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = (
        f"attachment; filename=\"template.{kind}\"; filename*=UTF-8''{quote(name)}.{kind}"
    )
    return response


def rows_pack(rows: Sequence[list]) -> bytes:
    """A preview's checked rows as the upload keeps them (``packed_rows``): compact JSON,
    zlib. 100,000 rows are about 15 MB of JSON and 2 MB packed; a page that lists
    uploads reads none of them."""
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode(), level=1)


def rows_unpack(packed: bytes | memoryview) -> list[list]:
    return json.loads(zlib.decompress(packed)) if packed else []
