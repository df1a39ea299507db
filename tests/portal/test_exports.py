"""Staff exports: formula escaping, phones Excel keeps, and streaming (portal/exports.py)."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.http import FileResponse, StreamingHttpResponse

from portal import exports

COLUMNS = [exports.Column("휴대폰", phone=True), exports.Column("이름"), exports.Column("수")]


def _csv(rows, columns=COLUMNS) -> list[str]:
    return "".join(exports.csv_chunks(columns, rows)).removeprefix("\ufeff").splitlines()


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+82 10", "'+82 10"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("김=기사", "김=기사"),  # only the first character matters
        ("홍길동", "홍길동"),
    ],
)
def test_csv_escapes_text_that_a_spreadsheet_would_run(text, written):
    content = "".join(exports.csv_chunks(COLUMNS, [("01012345678", text, 1)]))
    rows = list(csv.reader(io.StringIO(content.removeprefix("\ufeff"))))
    assert rows[1] == ["010-1234-5678", written, "1"]


def test_csv_escapes_a_carriage_return_at_the_start():
    text = "".join(exports.csv_chunks([exports.Column("a")], [("\r=1",)]))
    assert "'\r=1" in text


def test_csv_numbers_dates_and_phones():
    moment = dt.datetime(2026, 3, 2, 0, 30, tzinfo=dt.UTC)  # 09:30 in Seoul
    lines = _csv(
        [("01012345678", "김기사", -3), ("", None, 0)],
        columns=COLUMNS,
    )
    assert lines[0] == "휴대폰,이름,수"
    assert lines[1] == "010-1234-5678,김기사,-3"  # a number is a number, not a formula
    assert lines[2] == ",,0"
    when = _csv([(moment, dt.date(2026, 3, 2))], columns=COLUMNS[1:])[1]
    assert when == "2026-03-02 09:30,2026-03-02"


def test_xlsx_writes_phones_as_text_and_escapes_formulas():
    handle = exports.xlsx_file(
        sheet_title="시험",
        columns=[*COLUMNS, exports.Column("때")],
        rows=[("01012345678", "=1+1", 7, dt.datetime(2026, 3, 2, 0, 30, tzinfo=dt.UTC))],
    )
    sheet = openpyxl.load_workbook(handle).active
    header, row = list(sheet.iter_rows())
    assert [cell.value for cell in header] == ["휴대폰", "이름", "수", "때"]
    phone, name, number, when = row
    assert (phone.value, phone.data_type, phone.number_format) == ("01012345678", "s", "@")
    assert (name.value, name.data_type) == ("'=1+1", "s")
    assert (number.value, number.data_type) == (7, "n")
    assert when.value == dt.datetime(2026, 3, 2, 9, 30)  # Seoul time, as staff read it
    handle.close()


def test_csv_is_streamed_while_rows_are_read():
    read = []

    def rows():
        for n in range(1200):
            read.append(n)
            yield (f"010{n:08d}", f"기사{n}", n)

    response = exports.csv_response(filename="a.csv", columns=COLUMNS, rows=rows())
    assert isinstance(response, StreamingHttpResponse)
    assert read == []  # nothing is read before the response is sent
    chunks = iter(response.streaming_content)
    first = next(chunks)
    assert len(read) == exports.CSV_ROWS_PER_CHUNK
    rest = list(chunks)
    assert len(rest) == 2 and len(read) == 1200
    text = b"".join([first, *rest]).decode("utf-8-sig").splitlines()
    assert len(text) == 1201 and text[-1] == "010-0000-1199,기사1199,1199"
    assert response["Content-Disposition"] == 'attachment; filename="a.csv"'


# Closing a response sends request_finished, which checks the database connections.
@pytest.mark.django_db
def test_xlsx_is_sent_from_a_temporary_file_in_blocks():
    rows = ((f"010{n:08d}", f"기사{n}", n) for n in range(20_000))
    response = exports.xlsx_response(
        filename="a.xlsx", sheet_title="목록", columns=COLUMNS, rows=rows
    )
    assert isinstance(response, FileResponse) and response.streaming
    handle = response.file_to_stream
    assert not isinstance(handle, io.BytesIO)  # on disk, not in memory
    chunks = list(response.streaming_content)
    assert len(chunks) > 1
    response.close()
    assert handle.closed  # closed, and so deleted, once sent
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(chunks)), read_only=True).active
    assert sum(1 for _ in sheet.iter_rows()) == 20_001


def test_phone_text():
    from accounts.phone import phone_display

    assert phone_display("01012345678") == "010-1234-5678"
    assert phone_display("0212345678") == "0212345678"
