"""Staff exports as CSV and XLSX (docs/admin.md, "Staff home and reports").

- **Formula escaping**: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab
  or a carriage return gets a leading apostrophe, in CSV and XLSX alike, so that a
  driver's name never runs as a formula on a staff PC.
- **Phones**: XLSX writes them as text cells (``01012345678``, format ``@``); CSV
  writes them as ``010-1234-5678``, which Excel keeps as text (a bare ``01012345678``
  loses its leading zero).
- **Large exports are streamed**: CSV is written as it is read, a few hundred rows
  per chunk (``StreamingHttpResponse``); XLSX is written by openpyxl's write-only
  workbook into a temporary file, which is then sent in blocks and deleted.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from accounts.phone import phone_display
from portal import clock

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_ROWS_PER_CHUNK = 500
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclasses.dataclass(frozen=True)
class Column:
    header: str
    phone: bool = False


def escape_formula(value: str) -> str:
    """``value`` as text a spreadsheet shows and never evaluates."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _local(value: dt.datetime) -> dt.datetime:
    return clock.aware(value).replace(tzinfo=None) if value.tzinfo else value


def csv_cell(value, *, phone: bool = False) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "예" if value else "아니오"
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return escape_formula(phone_display(text) if phone else text)


def csv_chunks(columns: Sequence[Column], rows: Iterable[Sequence]) -> Iterator[str]:
    """The CSV text (with a BOM, so that Excel reads UTF-8), a chunk of rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([escape_formula(column.header) for column in columns])
    phones = [column.phone for column in columns]
    for number, row in enumerate(rows, start=1):
        cells = zip(row, phones, strict=True)
        writer.writerow([csv_cell(value, phone=phone) for value, phone in cells])
        if number % CSV_ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(
    *, filename: str, columns: Sequence[Column], rows: Iterable[Sequence]
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_chunks(columns, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_cell(sheet, value, *, phone: bool):
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=_local(value))
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if value is None or isinstance(value, bool | int | float):
        return WriteOnlyCell(sheet, value=value)
    cell = WriteOnlyCell(sheet, value=escape_formula(str(value)))
    if phone:
        cell.number_format = "@"  # text: Excel keeps the leading 0 when it is edited
    return cell


def xlsx_file(*, sheet_title: str, columns: Sequence[Column], rows: Iterable[Sequence]):
    """A temporary file (deleted when closed) holding the workbook, at its start."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=escape_formula(column.header))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    phones = [column.phone for column in columns]
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v, phone=p) for v, p in zip(row, phones, strict=True)])
    # Deleted when closed: FileResponse closes it once sent.
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    workbook.save(handle)
    handle.seek(0)
    return handle


def xlsx_response(
    *, filename: str, sheet_title: str, columns: Sequence[Column], rows: Iterable[Sequence]
) -> FileResponse:
    handle = xlsx_file(sheet_title=sheet_title, columns=columns, rows=rows)
    return FileResponse(
        handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )


FORMATS = ("csv", "xlsx")


def export_response(
    fmt: str,
    *,
    basename: str,
    sheet_title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence],
):
    """The export in ``fmt`` (``csv`` or ``xlsx``) as a download named ``basename``."""
    if fmt == "xlsx":
        return xlsx_response(
            filename=f"{basename}.xlsx", sheet_title=sheet_title, columns=columns, rows=rows
        )
    return csv_response(filename=f"{basename}.csv", columns=columns, rows=rows)
