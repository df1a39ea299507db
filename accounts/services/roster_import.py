"""Roster import: check a CSV/XLSX file, keep it as a preview, then write it set-based.

accounts.md, "Admin import". The preview checks every row and writes nothing but the
upload record (and that only for a file without a bad row). Confirming writes all rows
in one transaction with a fixed number of statements however many rows (``COPY`` and
array statements on PostgreSQL, ``portal/bulk.py``); files with more than
``ROSTER_IMPORT_INLINE_ROWS`` rows are written by a Celery worker while the page shows
the progress. Any failure marks the upload failed with its reason and writes nothing.
An upload not confirmed within ``ROSTER_IMPORT_KEEP_HOURS`` is deleted with its rows
(``roster_imports_sweep``).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import logging
from collections.abc import Sequence
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery

from accounts.models import DriverType, RosterEntry, RosterImport, Service, TransportCompany, User
from accounts.phone import normalize_phone
from portal import clock
from portal.bulk import collector_paused, history_rows_from_table, rows_insert
from portal.lookups import any_chunks
from portal.progress import progress_note
from portal.spreadsheets import (
    EXAMPLE_PHONE,
    EXAMPLE_ROW_REASON,
    parse_date,
    rows_pack,
    rows_unpack,
)

logger = logging.getLogger(__name__)

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
SAMPLE_ROWS = 200
HISTORY_REASON = "명단 올리기"
PROGRESS_KIND = "roster-import"
PROGRESS_STEPS = 4
# Where the former import flow kept uploaded files; the sweep deletes what is left there.
LEGACY_DIR_NAME = "roster_imports"

_DRIVER_TYPES = {
    "일반": DriverType.GENERAL,
    "general": DriverType.GENERAL,
    "가맹": DriverType.FRANCHISE,
    "franchise": DriverType.FRANCHISE,
    "": "",
}

# A checked row as packed in ``RosterImport.packed_rows``.
(P_LINE, P_PHONE, P_NAME, P_BIRTH, P_COMPANY, P_QUAL, P_TYPE, P_SERVICES) = range(8)


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


def _cell_text(value) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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
    return [row for row in csv.reader(io.StringIO(text))][: MAX_ROWS + 2]


def _birth_date(text: str) -> dt.date | None:
    day = parse_date(text)
    if day is None or not dt.date(1900, 1, 1) <= day <= clock.today():
        return None
    return day


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
        return ImportPreview(rows=[], file_error=f"한 번에 {MAX_ROWS:,}줄까지 올릴 수 있습니다.")
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

    companies = set(TransportCompany.objects.values_list("name", flat=True))
    service_keys = set()
    for code, name in Service.objects.values_list("code", "name"):
        service_keys.update((code, name))
    seen: dict[str, int] = {}
    rows: list[ImportRow] = []
    dates: dict[str, dt.date | None] = {}
    for number, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue

        def cell(key: str, cells: Sequence[str] = cells) -> str:
            position = index.get(key)
            if position is None or position >= len(cells):
                return ""
            return cells[position].strip()

        row = ImportRow(row_number=number)
        raw_phone = cell("phone")
        try:
            row.phone = normalize_phone(raw_phone)
        except ValidationError:
            row.errors.append("휴대폰 번호가 010으로 시작하는 11자리가 아닙니다")
        if raw_phone == EXAMPLE_PHONE:
            row.errors.append(EXAMPLE_ROW_REASON)
        if row.phone in seen:
            row.errors.append(f"{seen[row.phone]}번째 줄과 휴대폰 번호가 같습니다")
        elif row.phone:
            seen[row.phone] = number
        row.name = cell("name")
        if not row.name:
            row.errors.append("이름이 비어 있습니다")
        elif len(row.name) > 50:
            row.errors.append("이름이 50자를 넘습니다")
        birth = cell("birth_date")
        if birth not in dates:
            dates[birth] = _birth_date(birth)
        row.birth_date = dates[birth]
        if row.birth_date is None:
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
        unknown = [name for name in row.services if name not in service_keys]
        if unknown:
            row.errors.append("없는 서비스입니다: " + ", ".join(unknown))
        rows.append(row)
    if not rows:
        return ImportPreview(rows=[], file_error="올릴 줄이 없습니다.")
    return ImportPreview(rows=rows)


def roster_import_create(
    *, preview: ImportPreview, file_name: str, uploaded_by: User
) -> RosterImport:
    """Keep a clean preview until staff confirm it (or it expires)."""
    if not preview.ok:
        raise ValueError("고칠 줄이 남아 있는 파일은 저장할 수 없습니다.")
    companies = dict(TransportCompany.objects.values_list("name", "pk"))
    services: dict[str, int] = {}
    for pk, code, name in Service.objects.values_list("pk", "code", "name"):
        services[code] = services[name] = pk
    packed = [
        [
            row.row_number,
            row.phone,
            row.name,
            row.birth_date.isoformat(),
            companies.get(row.transport_company),
            row.qualification_no,
            row.driver_type,
            sorted({services[name] for name in row.services}),
        ]
        for row in preview.rows
    ]
    phones = [row.phone for row in preview.rows]
    known = 0
    for chunk in any_chunks(phones):
        known += RosterEntry.objects.filter(phone__any=chunk).count()
    now = clock.now()
    return RosterImport.objects.create(
        file_name=file_name[:255],
        packed_rows=rows_pack(packed),
        sample=[
            {
                "line": row.row_number,
                "phone": row.phone,
                "name": row.name,
                "birth_date": row.birth_date.isoformat(),
                "company": row.transport_company,
                "services": ", ".join(row.services),
            }
            for row in preview.rows[:SAMPLE_ROWS]
        ],
        row_count=len(packed),
        new_count=len(packed) - known,
        uploaded_by=uploaded_by,
        uploaded_at=now,
        expires_at=now + dt.timedelta(hours=settings.ROSTER_IMPORT_KEEP_HOURS),
    )


# --- Confirmation ----------------------------------------------------------------------


def _progress(upload_id: int, step: int, label: str) -> None:
    progress_note(kind=PROGRESS_KIND, pk=upload_id, step=step, steps=PROGRESS_STEPS, label=label)


ENTRY_COLUMNS = (
    "phone",
    "name",
    "birth_date",
    "transport_company_id",
    "qualification_no",
    "driver_type",
    "created_at",
    "updated_at",
)


@transaction.atomic
def roster_rows_write(
    *, rows: Sequence[list], by_id: int | None, upload_id: int | None = None
) -> tuple[int, int]:
    """Write checked roster rows; return (entries created, entries updated).

    The rule of ``roster_upsert`` for many rows at once, in a fixed number of
    statements: a new phone gets an entry; a known one takes the row's name and birth
    date, and its company, qualification number and driver type where the row gives
    one; services are added, never taken away; a linked account follows the entry's
    qualification number and driver type. Every entry gets its history row ("+" or
    "~", by ``by_id``, with the services it has after the write).
    """
    now = clock.now()
    days: dict[str, dt.date] = {}

    def day(text: str) -> dt.date:
        if text not in days:
            days[text] = dt.date.fromisoformat(text)
        return days[text]

    existing: dict[str, tuple] = {}
    for chunk in any_chunks(sorted(row[P_PHONE] for row in rows)):
        for values in (
            RosterEntry.objects.select_for_update()
            .filter(phone__any=chunk)
            .order_by("pk")
            .values_list("phone", "pk", "transport_company_id", "qualification_no", "driver_type")
        ):
            existing[values[0]] = values[1:]
    new_rows = [row for row in rows if row[P_PHONE] not in existing]
    old_rows = [row for row in rows if row[P_PHONE] in existing]

    if upload_id is not None:
        _progress(upload_id, 2, f"새 명단을 넣고 있습니다({len(new_rows):,}줄)")
    new_ids = rows_insert(
        RosterEntry,
        columns=ENTRY_COLUMNS,
        count=len(new_rows),
        rows=(
            (
                row[P_PHONE],
                row[P_NAME],
                day(row[P_BIRTH]),
                row[P_COMPANY],
                row[P_QUAL],
                row[P_TYPE],
                now,
                now,
            )
            for row in new_rows
        ),
    )

    if upload_id is not None:
        _progress(upload_id, 3, f"이미 있는 명단을 고치고 있습니다({len(old_rows):,}줄)")
    updates = []
    for row in old_rows:
        pk, company, qualification, driver_type = existing[row[P_PHONE]]
        updates.append(
            (
                pk,
                row[P_NAME],
                day(row[P_BIRTH]),
                row[P_COMPANY] if row[P_COMPANY] is not None else company,
                row[P_QUAL] or qualification,
                row[P_TYPE] or driver_type,
            )
        )
    old_ids = [update[0] for update in updates]
    _entries_update(updates, now=now)
    for chunk in any_chunks(old_ids):
        # A linked account follows its entry (as roster_upsert does), one statement.
        entry = RosterEntry.objects.filter(user_id=OuterRef("pk"))
        User.objects.filter(roster_entry__id__any=chunk).update(
            qualification_no=Subquery(entry.values("qualification_no")[:1]),
            driver_type=Subquery(entry.values("driver_type")[:1]),
        )

    if upload_id is not None:
        _progress(upload_id, 4, "서비스와 변경 기록을 저장하고 있습니다")
    through = RosterEntry.services.through
    have: set[tuple[int, int]] = set()
    for chunk in any_chunks(old_ids):
        have.update(
            through.objects.filter(rosterentry__id__any=chunk).values_list(
                "rosterentry_id", "service_id"
            )
        )
    wanted: list[tuple[int, int]] = []
    entry_ids = [*new_ids, *old_ids]
    for entry_id, row in zip(entry_ids, [*new_rows, *old_rows], strict=True):
        for service_id in row[P_SERVICES]:
            if (entry_id, service_id) not in have:
                wanted.append((entry_id, service_id))
    rows_insert(through, columns=("rosterentry_id", "service_id"), rows=wanted)
    _history_write(new_ids=new_ids, old_ids=old_ids, now=now, by_id=by_id)
    return len(new_ids), len(old_ids)


def _entries_update(updates: list[tuple], *, now: dt.datetime) -> None:
    """Set (id, name, birth date, company, qualification, driver type) on entries."""
    if not updates:
        return
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(RosterEntry._meta.db_table)
        columns = list(zip(*updates, strict=True))
        with connection.cursor() as cursor:
            # One statement: the new values arrive as arrays, unnested into a table.
            cursor.execute(
                f"UPDATE {table} AS r SET name = v.name, birth_date = v.birth_date,"  # noqa: S608
                " transport_company_id = v.company, qualification_no = v.qualification,"
                " driver_type = v.driver_type, updated_at = %s"
                " FROM unnest(%s::bigint[], %s::varchar[], %s::date[], %s::bigint[],"
                " %s::varchar[], %s::varchar[])"
                " AS v (id, name, birth_date, company, qualification, driver_type)"
                " WHERE r.id = v.id",
                [now, *(list(column) for column in columns)],
            )
        return
    entries = [
        RosterEntry(
            pk=pk,
            name=name,
            birth_date=birth,
            transport_company_id=company,
            qualification_no=qualification,
            driver_type=driver_type,
            updated_at=now,
        )
        for pk, name, birth, company, qualification, driver_type in updates
    ]
    RosterEntry.objects.bulk_update(
        entries,
        [
            "name",
            "birth_date",
            "transport_company",
            "qualification_no",
            "driver_type",
            "updated_at",
        ],
        batch_size=500,
    )


def _history_write(
    *, new_ids: list[int], old_ids: list[int], now: dt.datetime, by_id: int | None
) -> None:
    """The entries' history rows, and the services each history row records."""
    history_of: dict[int, int] = {}
    for ids, kind in ((new_ids, "+"), (old_ids, "~")):
        if ids:
            history_of.update(
                history_rows_from_table(
                    RosterEntry,
                    ids=ids,
                    history_type=kind,
                    when=now,
                    by_id=by_id,
                    reason=HISTORY_REASON,
                    returning=True,
                )
            )
    through = RosterEntry.services.through
    services = []
    for chunk in any_chunks([*new_ids, *old_ids]):
        services.extend(
            through.objects.filter(rosterentry__id__any=chunk).values_list(
                "id", "rosterentry_id", "service_id"
            )
        )
    m2m_history = apps.get_model("accounts", "HistoricalRosterEntry_services")
    rows_insert(
        m2m_history,
        columns=("id", "rosterentry_id", "service_id", "history_id"),
        rows=[
            (pk, entry_id, service_id, history_of[entry_id])
            for pk, entry_id, service_id in services
        ],
    )


def roster_import_confirm(
    *,
    upload: RosterImport,
    confirmed_by: User,
    only_if: tuple[str, ...] = (RosterImport.Status.PREVIEW, RosterImport.Status.FAILED),
) -> RosterImport:
    """Write a previewed roster upload in one transaction (accounts.md, "Admin import").

    The upload's row is locked and its status checked, so confirming twice writes
    nothing the second time; an upload whose status is not in ``only_if`` is left as
    it is. Once written, the kept rows (personal data) are emptied.
    """
    with collector_paused(), transaction.atomic():
        locked = RosterImport.objects.select_for_update().get(pk=upload.pk)
        if locked.status not in only_if:
            return locked
        _progress(locked.pk, 1, "올린 명단을 읽고 있습니다")
        created, updated = roster_rows_write(
            rows=rows_unpack(locked.packed_rows), by_id=confirmed_by.pk, upload_id=locked.pk
        )
        locked.status = RosterImport.Status.CONFIRMED
        locked.confirmed_at = clock.now()
        locked.confirmed_by = confirmed_by
        locked.created_count = created
        locked.updated_count = updated
        locked.failure = ""
        locked.packed_rows = b""
        locked.sample = []
        locked.save()
    return locked


CONFLICT_REASON = "그사이 다른 변경과 겹쳐 아무것도 저장하지 않았습니다. 다시 눌러 주세요."
ERROR_REASON = "저장 중 오류가 나서 아무것도 저장하지 않았습니다({}). 다시 눌러 주세요."
STALE_REASON = (
    "저장 작업이 끝나지 않았습니다(작업 서버가 멈춤). "
    "아무것도 저장하지 않았습니다. 다시 눌러 주세요."
)


def roster_import_run(*, upload_id: int, user_id: int, background: bool = True) -> RosterImport:
    """Confirm an upload; any error marks it failed with its reason (nothing is written:
    one transaction). In the background only an upload still ``confirming`` is written
    and the error is raised again for the worker's log."""
    upload = RosterImport.objects.defer("packed_rows", "sample").get(pk=upload_id)
    only_if = (
        (RosterImport.Status.CONFIRMING,)
        if background
        else (RosterImport.Status.PREVIEW, RosterImport.Status.FAILED)
    )
    try:
        return roster_import_confirm(
            upload=upload, confirmed_by=User.objects.get(pk=user_id), only_if=only_if
        )
    except Exception as error:
        logger.exception("confirmation of roster upload %s failed", upload_id)
        reason = (
            CONFLICT_REASON
            if isinstance(error, IntegrityError)
            else ERROR_REASON.format(type(error).__name__)
        )
        RosterImport.objects.filter(pk=upload_id).exclude(
            status=RosterImport.Status.CONFIRMED
        ).update(status=RosterImport.Status.FAILED, failure=reason)
        if background:
            raise
        upload.refresh_from_db()
        return upload


def roster_import_confirm_request(*, upload: RosterImport, confirmed_by: User) -> bool:
    """Staff pressed `저장`: write now (returns True), or hand a large file to a worker.

    Up to ``ROSTER_IMPORT_INLINE_ROWS`` rows are written within the request. Larger
    files turn ``confirming`` and a Celery task writes them after commit (returns
    False); pressing twice queues nothing twice.
    """
    if upload.row_count <= settings.ROSTER_IMPORT_INLINE_ROWS:
        roster_import_run(upload_id=upload.pk, user_id=confirmed_by.pk, background=False)
        return True
    with transaction.atomic():
        moved = RosterImport.objects.filter(
            pk=upload.pk, status__in=[RosterImport.Status.PREVIEW, RosterImport.Status.FAILED]
        ).update(
            status=RosterImport.Status.CONFIRMING,
            confirmed_by=confirmed_by,
            failure="",
            confirm_started_at=clock.now(),
        )
        if moved:
            from accounts.tasks import confirm_roster_import

            upload_id, user_id = upload.pk, confirmed_by.pk
            transaction.on_commit(
                lambda: confirm_roster_import.delay(upload_id=upload_id, user_id=user_id)
            )
    return False


def roster_imports_sweep(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Fail stalled confirmations, delete expired uploads; return (failed, deleted).

    A confirmation still running ``UPLOADS_CONFIRM_TIMEOUT_MINUTES`` after it was asked
    for lost its worker (rolled back: nothing written); one still writing holds its row
    locked and is skipped. An upload not confirmed by its ``expires_at`` is deleted with
    its rows, and files the former import flow left on disk (``var/roster_imports``)
    older than ``ROSTER_IMPORT_KEEP_HOURS`` are deleted. Job
    ``accounts-roster-imports-sweep``, and run by the import pages.
    """
    now = now or clock.now()
    limit = now - dt.timedelta(minutes=settings.UPLOADS_CONFIRM_TIMEOUT_MINUTES)
    with transaction.atomic():
        stale = list(
            RosterImport.objects.select_for_update(skip_locked=True)
            .filter(status=RosterImport.Status.CONFIRMING, confirm_started_at__lt=limit)
            .values_list("pk", flat=True)
        )
        RosterImport.objects.filter(pk__in=stale).update(
            status=RosterImport.Status.FAILED, failure=STALE_REASON
        )
        expired = list(
            RosterImport.objects.select_for_update(skip_locked=True)
            .filter(
                status__in=[RosterImport.Status.PREVIEW, RosterImport.Status.FAILED],
                expires_at__lt=now,
            )
            .values_list("pk", flat=True)
        )
        RosterImport.objects.filter(pk__in=expired).delete()
    directory = Path(settings.VAR_DIR) / LEGACY_DIR_NAME
    if directory.is_dir():
        oldest = (now - dt.timedelta(hours=settings.ROSTER_IMPORT_KEEP_HOURS)).timestamp()
        for path in directory.iterdir():
            if path.is_file() and path.stat().st_mtime < oldest:
                path.unlink(missing_ok=True)
    return len(stale), len(expired)
