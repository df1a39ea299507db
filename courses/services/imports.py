"""Bulk enrollment upload: read a CSV/XLSX file, preview every bad row, then confirm.

courses.md, "Staff create enrollments ... in bulk from a CSV/XLSX file". The preview
writes nothing but the upload record; confirming writes the valid rows in one
transaction with set-based statements (no query per row for drivers who have an
account). The same row uploaded again is refused in the preview and skipped at
confirmation, so re-uploading a file creates nothing twice.
"""

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import logging
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import RosterEntry, TransportCompany, User
from accounts.phone import normalize_phone
from courses.models import Course, Enrollment, ImportBatch
from courses.services.enrollments import (
    EnrollmentSpec,
    enrollments_create,
    open_attempt_pairs,
)
from portal import clock
from portal.bulk import collector_paused
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

MAX_ROWS = 200_000
MAX_BYTES = 50 * 1024 * 1024

COLUMNS: dict[str, tuple[str, ...]] = {
    "phone": ("휴대폰", "휴대폰번호", "전화번호", "아이디", "phone"),
    "name": ("이름", "성명", "name"),
    "birth_date": ("생년월일", "birthdate", "birth_date"),
    "course_code": ("과정코드", "교육코드", "course_code", "course"),
    "deadline": ("수강기한", "기한", "deadline"),
    "window_start": ("수강시작일", "시작일", "window_start"),
    "transport_company": ("운수사", "transport_company"),
    "qualification_no": ("자격번호", "qualification_no"),
}
REQUIRED = ("phone", "name", "birth_date", "course_code", "deadline")
LABELS = {
    "phone": "휴대폰",
    "name": "이름",
    "birth_date": "생년월일",
    "course_code": "과정코드",
    "deadline": "수강기한",
}


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says what to fix."""


# Row layout stored in ImportBatch.packed_rows (compact: 100,000 rows must stay small).
(R_LINE, R_PHONE, R_NAME, R_BIRTH, R_COURSE, R_DEADLINE, R_START, R_COMPANY, R_QUAL, R_KEY) = range(
    10
)


def _normalise_header(value: object) -> str:
    return re.sub(r"[\s_\-()]", "", str(value or "")).lower()


def _header_map(header: Sequence[object]) -> dict[str, int]:
    wanted = {
        _normalise_header(alias): field for field, aliases in COLUMNS.items() for alias in aliases
    }
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        field = wanted.get(_normalise_header(cell))
        if field and field not in found:
            found[field] = index
    missing = [LABELS[field] for field in REQUIRED if field not in found]
    if missing:
        raise ImportFileError(
            "첫 줄(제목 줄)에 다음 칸이 없습니다: "
            + ", ".join(missing)
            + ". 양식의 제목 줄을 그대로 두고 다시 올려 주세요."
        )
    return found


def _read_csv(data: bytes) -> Iterator[list[object]]:
    for encoding in ("utf-8-sig", "cp949"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError("파일 글자 인코딩을 읽을 수 없습니다. UTF-8 CSV로 저장해 주세요.")
    yield from csv.reader(io.StringIO(text))


def _read_xlsx(data: bytes) -> Iterator[list[object]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise ImportFileError(
            "엑셀 파일을 열 수 없습니다. 파일이 손상되지 않았는지 확인해 주세요."
        ) from exc
    sheet = book.worksheets[0]
    for row in sheet.iter_rows(values_only=True):
        yield list(row)
    book.close()


def table_read(*, file_name: str, data: bytes) -> tuple[dict[str, int], Iterator[list[object]]]:
    """The header map and the data rows of an uploaded CSV or XLSX file."""
    if len(data) > MAX_BYTES:
        raise ImportFileError("파일이 너무 큽니다(50MB까지). 나누어 올려 주세요.")
    lower = file_name.lower()
    if lower.endswith(".xlsx"):
        rows = _read_xlsx(data)
    elif lower.endswith(".csv"):
        rows = _read_csv(data)
    else:
        raise ImportFileError("CSV 또는 XLSX 파일만 올릴 수 있습니다.")
    try:
        header = next(rows)
    except StopIteration:
        raise ImportFileError("빈 파일입니다. 제목 줄과 수강자 줄을 넣어 주세요.") from None
    except csv.Error as exc:
        raise ImportFileError("CSV 파일을 읽을 수 없습니다.") from exc
    return _header_map(header), rows


_CANONICAL_PHONE = re.compile(r"^010[0-9]{8}$")


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def row_key(*, phone: str, course_code: str, deadline: dt.date, window_start: dt.date) -> str:
    """The identity of an upload row: the same row uploaded again has the same key."""
    raw = f"{phone}|{course_code}|{deadline.isoformat()}|{window_start.isoformat()}"
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclasses.dataclass
class _Row:
    line: int
    raw_phone: str
    name: str
    course_code: str
    phone: str = ""
    birth: dt.date | None = None
    deadline: dt.date | None = None
    start: dt.date | None = None
    company: str = ""
    qualification_no: str = ""
    key: str = ""
    reasons: list[str] = dataclasses.field(default_factory=list)


def import_preview(*, file_name: str, data: bytes, uploaded_by: User) -> ImportBatch:
    """Check every row of the file and keep the result as a preview (writes no enrollment).

    courses.md, "The upload first shows a preview with every bad row and why (bad
    phone, unknown course, deadline in the past, duplicate row, open enrollment
    already exists ...)". Raises ``ImportFileError`` when the file cannot be read.
    """
    columns, table = table_read(file_name=file_name, data=data)
    return import_preview_rows(
        columns=columns,
        table=table,
        file_name=file_name,
        file_sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=uploaded_by,
    )


@collector_paused()
def import_preview_rows(
    *,
    columns: dict[str, int],
    table: Iterable[list[object]],
    file_name: str,
    file_sha256: str,
    uploaded_by: User,
) -> ImportBatch:
    """The preview of rows already read (a file, or the single-enrollment form)."""
    today = clock.today()
    rows: list[_Row] = []
    # A file repeats the same few dates (deadline, start, birth years): each is parsed once.
    dates: dict[object, dt.date | None] = {}
    pick = _cells_picker(columns)
    try:
        for line, raw in enumerate(table, start=2):
            if not any(cell.strip() if type(cell) is str else _cell_text(cell) for cell in raw):
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportFileError(
                    f"한 번에 {MAX_ROWS:,}줄까지 올릴 수 있습니다. 나누어 주세요."
                )
            rows.append(_row_check(pick(raw), line, today, dates))
    except csv.Error as exc:
        raise ImportFileError(f"CSV 파일을 읽을 수 없습니다: {exc}") from exc
    if not rows:
        raise ImportFileError("수강자 줄이 없습니다. 제목 줄 아래에 한 줄씩 적어 주세요.")
    _rows_check_against_database(rows)

    valid = [row for row in rows if not row.reasons]
    courses = dict(Course.objects.values_list("code", "pk"))
    companies = dict(TransportCompany.objects.values_list("name", "pk"))
    iso = {day: day.isoformat() for day in dates.values() if day is not None}
    iso[today] = today.isoformat()
    stored = [
        [
            row.line,
            row.phone,
            row.name,
            iso.get(row.birth) or row.birth.isoformat(),
            courses[row.course_code],
            iso.get(row.deadline) or row.deadline.isoformat(),
            iso.get(row.start) or row.start.isoformat(),
            companies.get(row.company),
            row.qualification_no,
            row.key,
        ]
        for row in valid
    ]
    errors = [
        {
            "line": row.line,
            "phone": row.raw_phone,
            "name": row.name,
            "course": row.course_code,
            "reasons": row.reasons,
        }
        for row in rows
        if row.reasons
    ]
    return ImportBatch.objects.create(
        file_name=file_name[:255],
        file_sha256=file_sha256,
        packed_rows=rows_pack(stored),
        valid_count=len(stored),
        errors=errors,
        total_rows=len(rows),
        uploaded_by=uploaded_by,
        uploaded_at=clock.now(),
    )


def _date(value: object, dates: dict[object, dt.date | None]) -> dt.date | None:
    try:
        return dates[value]
    except KeyError:
        parsed = dates[value] = parse_date(value)
        return parsed
    except TypeError:  # a value that cannot be a key
        return parse_date(value)


# The cells ``_row_check`` reads, in this order.
PICKED = (
    "phone",
    "name",
    "course_code",
    "transport_company",
    "qualification_no",
    "birth_date",
    "deadline",
    "window_start",
)


def _cell_text(value: object) -> str:
    if type(value) is str:
        return value.strip()
    return "" if value is None else _text(value)


def _cells_picker(columns: dict[str, int]) -> Callable[[list[object]], tuple]:
    """The ``PICKED`` cells of a row, in that order, by one C call for most rows:
    ``None`` where the file has no such column or the row ends before it."""
    # A column the file does not have reads the None put after the row's cells.
    indexes = tuple(columns.get(field, -1) for field in PICKED)
    reach = max(indexes) + 1
    get = operator.itemgetter(*indexes)

    def pick(raw: list[object]) -> tuple:
        width = len(raw)
        if width >= reach:
            return get((*raw, None))
        return tuple(raw[index] if 0 <= index < width else None for index in indexes)

    return pick


def _row_check(
    cells: tuple, line: int, today: dt.date, dates: dict[object, dt.date | None]
) -> _Row:
    """The checks of one row that need no database; ``cells`` are the ``PICKED`` cells."""
    phone, name, code, company, qualification, birth, deadline, start = cells
    # Cells of a CSV file are text: stripped here without a call per cell.
    row = _Row(
        line=line,
        raw_phone=(phone.strip() if type(phone) is str else _cell_text(phone))[:30],
        name=(name.strip() if type(name) is str else _cell_text(name))[:50],
        course_code=(code.strip() if type(code) is str else _cell_text(code))[:40],
        company=_cell_text(company)[:100] if company is not None else "",
        qualification_no=_cell_text(qualification)[:30] if qualification is not None else "",
    )
    try:
        # The stored form itself needs no parsing; anything else goes through the rule.
        row.phone = (
            row.raw_phone
            if _CANONICAL_PHONE.match(row.raw_phone)
            else normalize_phone(row.raw_phone)
        )
    except ValidationError:
        row.reasons.append("휴대폰 번호가 올바르지 않습니다(010으로 시작하는 11자리).")
    if row.raw_phone == EXAMPLE_PHONE:
        row.reasons.append(EXAMPLE_ROW_REASON)
    if not row.name:
        row.reasons.append("이름이 비어 있습니다.")
    row.birth = _date(birth, dates)
    if row.birth is None or not (dt.date(1900, 1, 1) <= row.birth <= today):
        row.reasons.append("생년월일을 2000-01-31 형식으로 적어 주세요.")
    if not row.course_code:
        row.reasons.append("과정코드가 비어 있습니다.")
    row.deadline = _date(deadline, dates)
    if row.deadline is None:
        row.reasons.append("수강기한을 2026-03-31 형식으로 적어 주세요.")
    elif row.deadline < today:
        row.reasons.append("수강기한이 이미 지났습니다.")
    row.start = _date(start, dates) if _cell_text(start) else today
    if row.start is None:
        row.reasons.append("수강시작일을 2026-03-01 형식으로 적거나 비워 두세요.")
    elif row.deadline is not None and row.start > row.deadline:
        row.reasons.append("수강시작일이 수강기한보다 늦습니다.")
    return row


def _rows_check_against_database(rows: list[_Row]) -> None:
    """Set-based checks: courses, companies, duplicates, accounts, open attempts."""
    courses = {
        code: (pk, active)
        for code, pk, active in Course.objects.values_list("code", "pk", "is_active")
    }
    companies = set(TransportCompany.objects.values_list("name", flat=True))
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        if row.course_code:
            course = courses.get(row.course_code)
            if course is None:
                row.reasons.append(f"없는 과정코드입니다: {row.course_code}")
            elif not course[1]:
                row.reasons.append(f"사용하지 않는 과정입니다: {row.course_code}")
        if row.company and row.company not in companies:
            row.reasons.append(f"등록되지 않은 운수사입니다: {row.company}")
        if row.phone and row.course_code:
            pair = (row.phone, row.course_code)
            if pair in seen:
                row.reasons.append(f"{seen[pair]}행과 같은 사람·과정이 겹칩니다(중복 행).")
            else:
                seen[pair] = row.line

    phones = sorted({row.phone for row in rows if row.phone})
    users: dict[str, tuple[int, str, dt.date | None]] = {}
    roster: dict[str, tuple[str, dt.date]] = {}
    for chunk in any_chunks(phones):
        for pk, phone, name, birth in User.objects.filter(phone__any=chunk).values_list(
            "pk", "phone", "name", "birth_date"
        ):
            users[phone] = (pk, name, birth)
        for phone, name, birth in RosterEntry.objects.filter(phone__any=chunk).values_list(
            "phone", "name", "birth_date"
        ):
            roster[phone] = (name, birth)
    open_pairs = open_attempt_pairs(user_ids=[user[0] for user in users.values()])
    course_ids = {code: value[0] for code, value in courses.items()}

    keys: dict[str, _Row] = {}
    for row in rows:
        if row.reasons:
            continue
        known = users.get(row.phone) or (None, *roster.get(row.phone, ("", None)))
        user_id, known_name, known_birth = known
        if known_name and (known_name != row.name or (known_birth and known_birth != row.birth)):
            row.reasons.append("이름 또는 생년월일이 이 휴대폰 번호로 등록된 정보와 다릅니다.")
            continue
        if user_id is not None and (user_id, course_ids[row.course_code]) in open_pairs:
            row.reasons.append("이 과정을 이미 수강 중입니다(열린 수강이 있습니다).")
            continue
        row.key = row_key(
            phone=row.phone,
            course_code=row.course_code,
            deadline=row.deadline,
            window_start=row.start,
        )
        keys[row.key] = row
    all_keys = list(keys)
    for chunk in any_chunks(all_keys):
        for key in Enrollment.objects.filter(import_key__any=chunk).values_list(
            "import_key", flat=True
        ):
            keys[key].reasons.append("이미 등록된 행입니다(같은 내용을 전에 올렸습니다).")


PROGRESS_KIND = "courses-import"
PROGRESS_STEPS = 4


def _progress(batch: ImportBatch, step: int, label: str) -> None:
    progress_note(kind=PROGRESS_KIND, pk=batch.pk, step=step, steps=PROGRESS_STEPS, label=label)


def import_confirm(
    *,
    batch: ImportBatch,
    confirmed_by: User,
    only_if: tuple[str, ...] = (
        ImportBatch.Status.PREVIEW,
        ImportBatch.Status.CONFIRMING,
        ImportBatch.Status.FAILED,
    ),
) -> ImportBatch:
    """Write the valid rows of a previewed upload in one transaction.

    courses.md: "nothing is written until staff confirm, and then the valid set is
    written in one transaction"; drivers without an account get a roster entry (if
    needed) and a pre-provisioned account (accounts.md, "Pre-provisioned accounts").
    Confirming twice writes nothing the second time; rows that became invalid since
    the preview (uploaded meanwhile, or an attempt opened meanwhile) are skipped. A
    batch whose status is not in ``only_if`` is left as it is (a worker's task that
    arrives after its batch was marked failed writes nothing).
    """
    from accounts import services as accounts_services

    with collector_paused(), transaction.atomic():
        locked = ImportBatch.objects.select_for_update().defer("errors").get(pk=batch.pk)
        if locked.status == ImportBatch.Status.CONFIRMED or locked.status not in only_if:
            return locked
        _progress(locked, 1, "이미 등록된 줄을 확인하고 있습니다")
        rows = rows_unpack(locked.packed_rows)
        taken: set[str] = set()
        for chunk in any_chunks([row[R_KEY] for row in rows]):
            taken.update(
                Enrollment.objects.filter(import_key__any=chunk).values_list(
                    "import_key", flat=True
                )
            )
        rows = [row for row in rows if row[R_KEY] not in taken]

        users = _users_by_phone(sorted({row[R_PHONE] for row in rows}))
        missing = [row for row in rows if row[R_PHONE] not in users]
        _progress(locked, 2, f"새 기사님 계정을 만들고 있습니다({len(missing):,}줄)")
        new_user_ids = _accounts_provision(missing, users, by_id=confirmed_by.pk)
        # Accounts made here have no attempts yet: nothing to look up for them.
        open_pairs = open_attempt_pairs(
            user_ids=[user[0] for user in users.values() if user[0] not in new_user_ids]
        )
        specs = []
        # A file repeats a few dates: each is read once.
        days = _Days()
        for row in rows:
            user_id, needs_first_login = users[row[R_PHONE]]
            if (user_id, row[R_COURSE]) in open_pairs:
                continue
            specs.append(
                EnrollmentSpec(
                    user_id=user_id,
                    phone=row[R_PHONE],
                    course_id=row[R_COURSE],
                    deadline=days[row[R_DEADLINE]],
                    window_start=days[row[R_START]],
                    new_account=needs_first_login,
                    import_key=row[R_KEY],
                )
            )
        _progress(locked, 3, f"수강을 등록하고 안내 문자를 준비하고 있습니다({len(specs):,}건)")
        created = enrollments_create(
            specs=specs,
            created_by_id=confirmed_by.pk,
            batch=locked,
            first_login_url=accounts_services.first_login_url(),
            new_user_ids=new_user_ids,
        )
        locked.status = ImportBatch.Status.CONFIRMED
        locked.confirmed_at = clock.now()
        locked.confirmed_by = confirmed_by
        locked.created_count = len(created)
        locked.accounts_created = len(new_user_ids)
        locked.failure = ""
        locked.save(
            update_fields=[
                "status",
                "confirmed_at",
                "confirmed_by",
                "created_count",
                "accounts_created",
                "failure",
            ]
        )
        _progress(locked, 4, "마무리하고 있습니다")
    return locked


class _Days(dict):
    """ISO date text → ``date``, each text parsed once."""

    def __missing__(self, text: str) -> dt.date:
        day = self[text] = dt.date.fromisoformat(text)
        return day


def import_confirm_request(*, batch: ImportBatch, confirmed_by: User) -> bool:
    """Staff pressed `등록하기`: confirm now, or hand a large file to a worker.

    Files of up to ``COURSES_IMPORT_INLINE_ROWS`` rows are written within the request
    (returns True). Larger ones would outlast a web request: the batch turns
    ``confirming`` and a Celery task runs ``import_confirm_run`` after commit (returns
    False); the preview page shows the progress. Pressing twice queues nothing twice.
    Either way a confirmation that fails marks its batch failed, with the reason, and
    writes nothing (``import_confirm_run``); staff may press again.
    """
    from django.conf import settings

    if batch.valid_count <= settings.COURSES_IMPORT_INLINE_ROWS:
        import_confirm_run(batch_id=batch.pk, user_id=confirmed_by.pk, background=False)
        return True
    with transaction.atomic():
        moved = ImportBatch.objects.filter(
            pk=batch.pk, status__in=[ImportBatch.Status.PREVIEW, ImportBatch.Status.FAILED]
        ).update(
            status=ImportBatch.Status.CONFIRMING,
            confirmed_by=confirmed_by,
            failure="",
            confirm_started_at=clock.now(),
        )
        if moved:
            from courses.tasks import confirm_import

            batch_id, user_id = batch.pk, confirmed_by.pk
            transaction.on_commit(lambda: confirm_import.delay(batch_id=batch_id, user_id=user_id))
    return False


CONFLICT_REASON = "그사이 다른 등록과 겹쳐 아무것도 등록하지 않았습니다. 다시 눌러 주세요."
ERROR_REASON = "등록 중 오류가 나서 아무것도 등록하지 않았습니다({}). 다시 눌러 주세요."
STALE_REASON = (
    "등록 작업이 끝나지 않았습니다(작업 서버가 멈춤). "
    "아무것도 등록하지 않았습니다. 다시 눌러 주세요."
)


def failure_reason(error: BaseException) -> str:
    """The reason staff read for a confirmation that raised ``error``: a conflict with
    another write, or the error's kind (its text may hold drivers' data)."""
    from django.db import IntegrityError

    if isinstance(error, IntegrityError):
        return CONFLICT_REASON
    return ERROR_REASON.format(type(error).__name__)


def import_confirm_run(*, batch_id: int, user_id: int, background: bool = True) -> ImportBatch:
    """Confirm a batch; any error marks it failed with its reason.

    The confirmation is one transaction, so a failure has written nothing. In the
    background only a batch still ``confirming`` is written (see ``import_confirm``),
    and the error is raised again for the worker's log; within a request the failed
    batch is returned for its page to show.
    """
    batch = ImportBatch.objects.defer("packed_rows", "errors").get(pk=batch_id)
    only_if = (
        (ImportBatch.Status.CONFIRMING,)
        if background
        else (
            ImportBatch.Status.PREVIEW,
            ImportBatch.Status.FAILED,
        )
    )
    try:
        return import_confirm(
            batch=batch, confirmed_by=User.objects.get(pk=user_id), only_if=only_if
        )
    except Exception as error:
        logger.exception("confirmation of upload %s failed", batch_id)
        import_confirm_failed(batch_id=batch_id, reason=failure_reason(error))
        if background:
            raise
        batch.refresh_from_db()
        return batch


def import_confirm_failed(*, batch_id: int, reason: str) -> None:
    """A confirmation could not be written: the batch is failed, with the reason."""
    ImportBatch.objects.filter(pk=batch_id).exclude(status=ImportBatch.Status.CONFIRMED).update(
        status=ImportBatch.Status.FAILED, failure=reason[:300]
    )


def imports_stale_fail(*, now: dt.datetime | None = None) -> int:
    """Mark failed the batches still ``confirming`` long after their worker was asked.

    ``UPLOADS_CONFIRM_TIMEOUT_MINUTES`` after the request: the worker died mid-way (its
    transaction was rolled back, nothing is written). A confirmation that is still
    writing holds its batch's row locked and is skipped (``SKIP LOCKED``). Run by the
    job ``courses-imports-sweep`` and by the pages that show a batch.
    """
    from django.conf import settings

    now = now or clock.now()
    limit = now - dt.timedelta(minutes=settings.UPLOADS_CONFIRM_TIMEOUT_MINUTES)
    with transaction.atomic():
        stale = list(
            ImportBatch.objects.select_for_update(skip_locked=True)
            .filter(status=ImportBatch.Status.CONFIRMING, confirm_started_at__lt=limit)
            .values_list("pk", flat=True)
        )
        if stale:
            ImportBatch.objects.filter(pk__in=stale).update(
                status=ImportBatch.Status.FAILED, failure=STALE_REASON
            )
    return len(stale)


def _users_by_phone(phones: Sequence[str]) -> dict[str, tuple[int, bool]]:
    """phone → (user id, still needs first login) for drivers who have an account."""
    found: dict[str, tuple[int, bool]] = {}
    for chunk in any_chunks(phones):
        for pk, phone, password in User.objects.filter(phone__any=chunk).values_list(
            "pk", "phone", "password"
        ):
            found[phone] = (pk, not password or password.startswith("!"))
    return found


HISTORY_REASON = "필수 교육 일괄 등록"


def _accounts_provision(
    rows: list[list], users: dict[str, tuple[int, bool]], *, by_id: int
) -> frozenset[int]:
    """Roster entries and pre-provisioned accounts for drivers without an account.

    accounts.md, "Pre-provisioned accounts": a driver on the roster gets the account
    ``accounts_preprovision_many`` makes from the entry; a driver not on the roster gets
    a roster entry from the row, written with its new account by
    ``roster_entries_preprovision_new`` (set-based, ``COPY`` on PostgreSQL, with history
    rows). Adds the drivers' accounts to ``users``; returns the ids of those created.
    """
    from accounts.services.provisioning import (
        accounts_preprovision_many,
        roster_entries_preprovision_new,
    )

    wanted: dict[str, list] = {}
    for row in rows:
        if row[R_PHONE] not in users:
            wanted.setdefault(row[R_PHONE], row)
    if not wanted:
        return frozenset()
    phones = sorted(wanted)
    days = _Days()
    entry_of: dict[str, int] = {}
    for chunk in any_chunks(phones):
        entry_of.update(RosterEntry.objects.filter(phone__any=chunk).values_list("phone", "pk"))
    made_new = roster_entries_preprovision_new(
        entries=[
            (
                phone,
                wanted[phone][R_NAME],
                days[wanted[phone][R_BIRTH]],
                wanted[phone][R_QUAL],
                "",
                wanted[phone][R_COMPANY],
            )
            for phone in phones
            if phone not in entry_of
        ],
        created_by_id=by_id,
        reason=HISTORY_REASON,
    )
    for phone, (_, user_id) in made_new.items():
        users[phone] = (user_id, True)
    created = frozenset(user_id for _, user_id in made_new.values())
    if not entry_of:
        return created
    made = accounts_preprovision_many(
        roster_entry_ids=list(entry_of.values()), created_by_id=by_id, reason=HISTORY_REASON
    )
    kept = [user_id for user_id, new in made.values() if not new]
    needs_first_login = {user_id: True for user_id, new in made.values() if new}
    for chunk in any_chunks(kept):
        for pk, password in User.objects.filter(pk__any=chunk).values_list("pk", "password"):
            needs_first_login[pk] = not password or password.startswith("!")
    for phone, entry_id in entry_of.items():
        user_id = made[entry_id][0]
        users[phone] = (user_id, needs_first_login[user_id])
    return created | {user_id for user_id, new in made.values() if new}
