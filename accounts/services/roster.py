"""The roster: drivers registered by transport companies (accounts.md, "The roster").

Staff load it by admin import (CSV/XLSX: preview every row, write nothing until
confirmed, then one transaction) or edit single entries.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import DriverType, RosterEntry, Service, TransportCompany
from accounts.phone import normalize_phone
from portal import clock

# Column headers accepted in an import file (Korean as staff write them, or English).
COLUMNS: dict[str, tuple[str, ...]] = {
    "phone": ("휴대폰 번호", "휴대폰", "전화번호", "phone"),
    "name": ("이름", "성명", "name"),
    "birth_date": ("생년월일", "birth_date"),
    "transport_company": ("운수사", "transport_company"),
    "qualification_no": ("자격번호", "qualification_no"),
    "driver_type": ("기사 유형", "기사유형", "driver_type"),
    "services": ("서비스", "가입 서비스", "services"),
}
REQUIRED = ("phone", "name", "birth_date")
MAX_ROWS = 50_000


@transaction.atomic
def roster_upsert(
    *,
    phone: str,
    name: str,
    birth_date: dt.date,
    transport_company: TransportCompany | None = None,
    qualification_no: str = "",
    driver_type: str = "",
    services: Iterable[Service] = (),
) -> RosterEntry:
    """Create or update the roster entry for ``phone`` (normalised here).

    accounts.md, "The roster and the ID". ``services`` are added to those already on
    the entry (a course upload never takes a service away). A linked account follows
    the roster's qualification number and driver type.
    """
    phone = normalize_phone(phone)
    now = clock.now()
    entry, created = RosterEntry.objects.select_for_update().get_or_create(
        phone=phone,
        defaults={
            "name": name.strip(),
            "birth_date": birth_date,
            "transport_company": transport_company,
            "qualification_no": qualification_no.strip(),
            "driver_type": driver_type,
            "created_at": now,
            "updated_at": now,
        },
    )
    if not created:
        entry.name = name.strip()
        entry.birth_date = birth_date
        if transport_company is not None:
            entry.transport_company = transport_company
        if qualification_no:
            entry.qualification_no = qualification_no.strip()
        if driver_type:
            entry.driver_type = driver_type
        entry.updated_at = now
        entry.save()
    services = list(services)
    if services:
        entry.services.add(*services)
    if entry.user_id:
        from accounts.models import User

        User.objects.filter(pk=entry.user_id).update(
            qualification_no=entry.qualification_no, driver_type=entry.driver_type
        )
    return entry


# --- Import -----------------------------------------------------------------------------


@dataclasses.dataclass
class ImportRow:
    row_number: int
    phone: str = ""
    name: str = ""
    birth_date: dt.date | None = None
    transport_company: str = ""
    qualification_no: str = ""
    driver_type: str = ""
    services: tuple[str, ...] = ()
    errors: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class ImportPreview:
    rows: list[ImportRow]
    file_error: str = ""

    @property
    def bad_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]

    @property
    def ok(self) -> bool:
        return not self.file_error and bool(self.rows) and not self.bad_rows


def _read_table(filename: str, content: bytes) -> list[list[str]]:
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        table = []
        for values in sheet.iter_rows(values_only=True):
            table.append(["" if v is None else _cell_text(v) for v in values])
            if len(table) > MAX_ROWS + 1:
                break
        workbook.close()
        return table
    for encoding in ("utf-8-sig", "cp949"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError("파일 글자 인코딩을 읽을 수 없습니다. UTF-8 CSV로 저장해 주세요.")
    return [row for row in csv.reader(io.StringIO(text))][: MAX_ROWS + 1]


def _cell_text(value) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parse_date(text: str) -> dt.date:
    text = text.strip().replace(".", "-").replace("/", "-")
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    day = dt.date.fromisoformat(text)
    if not dt.date(1900, 1, 1) <= day <= clock.today():
        raise ValueError(text)
    return day


_DRIVER_TYPES = {
    "일반": DriverType.GENERAL,
    "general": DriverType.GENERAL,
    "가맹": DriverType.FRANCHISE,
    "franchise": DriverType.FRANCHISE,
    "": "",
}


def roster_import_preview(*, filename: str, content: bytes) -> ImportPreview:
    """Check every row of an import file; nothing is written (accounts.md, roster).

    Each bad row carries its row number (as the spreadsheet shows it) and the reasons.
    """
    try:
        table = _read_table(filename, content)
    except Exception as exc:  # a broken file is an answer for staff, never a 500
        message = str(exc) if isinstance(exc, ValueError) else "파일을 읽을 수 없습니다."
        return ImportPreview(rows=[], file_error=message)
    if not table:
        return ImportPreview(rows=[], file_error="빈 파일입니다.")
    if len(table) > MAX_ROWS + 1:
        return ImportPreview(rows=[], file_error=f"한 번에 {MAX_ROWS}줄까지 올릴 수 있습니다.")
    header = [cell.strip() for cell in table[0]]
    index: dict[str, int] = {}
    for key, names in COLUMNS.items():
        for position, title in enumerate(header):
            if title in names:
                index[key] = position
                break
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in index]
    if missing:
        return ImportPreview(rows=[], file_error="필수 열이 없습니다: " + ", ".join(missing))

    companies = {c.name: c for c in TransportCompany.objects.all()}
    service_codes = {s.code: s for s in Service.objects.all()}
    service_names = {s.name: s for s in Service.objects.all()}
    seen: dict[str, int] = {}
    rows: list[ImportRow] = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue

        def cell(key: str, cells: Sequence[str] = cells) -> str:
            position = index.get(key)
            if position is None or position >= len(cells):
                return ""
            return cells[position].strip()

        row = ImportRow(row_number=number)
        try:
            row.phone = normalize_phone(cell("phone"))
        except ValidationError:
            row.errors.append("휴대폰 번호가 010으로 시작하는 11자리가 아닙니다")
        if row.phone in seen:
            row.errors.append(f"{seen[row.phone]}번째 줄과 휴대폰 번호가 같습니다")
        elif row.phone:
            seen[row.phone] = number
        row.name = cell("name")
        if not row.name:
            row.errors.append("이름이 비어 있습니다")
        elif len(row.name) > 50:
            row.errors.append("이름이 50자를 넘습니다")
        try:
            row.birth_date = _parse_date(cell("birth_date"))
        except ValueError:
            row.errors.append("생년월일을 1980-01-31 형식으로 적어 주세요")
        row.transport_company = cell("transport_company")
        if row.transport_company and row.transport_company not in companies:
            row.errors.append(f"등록되지 않은 운수사입니다: {row.transport_company}")
        row.qualification_no = cell("qualification_no")
        if len(row.qualification_no) > 30:
            row.errors.append("자격번호가 30자를 넘습니다")
        driver_type = cell("driver_type")
        if driver_type in _DRIVER_TYPES:
            row.driver_type = _DRIVER_TYPES[driver_type]
        else:
            row.errors.append("기사 유형은 '일반' 또는 '가맹'으로 적어 주세요")
        names = [part.strip() for part in cell("services").replace(";", ",").split(",")]
        row.services = tuple(name for name in names if name)
        unknown = [
            name for name in row.services if name not in service_codes and name not in service_names
        ]
        if unknown:
            row.errors.append("없는 서비스입니다: " + ", ".join(unknown))
        rows.append(row)
    if not rows:
        return ImportPreview(rows=[], file_error="올릴 줄이 없습니다.")
    return ImportPreview(rows=rows)


@transaction.atomic
def roster_import_commit(*, preview: ImportPreview) -> int:
    """Write every row of a clean preview in one transaction; return how many rows."""
    if not preview.ok:
        raise ValueError("고칠 줄이 남아 있는 파일은 올릴 수 없습니다.")
    companies = {c.name: c for c in TransportCompany.objects.all()}
    services: dict[str, Service] = {}
    for service in Service.objects.all():
        services[service.code] = service
        services[service.name] = service
    for row in preview.rows:
        roster_upsert(
            phone=row.phone,
            name=row.name,
            birth_date=row.birth_date,
            transport_company=companies.get(row.transport_company),
            qualification_no=row.qualification_no,
            driver_type=row.driver_type,
            services=[services[name] for name in row.services],
        )
    return len(preview.rows)
