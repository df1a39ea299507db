"""Roster import: set-based confirmation, background confirmation, failures, expiry."""

from __future__ import annotations

import datetime as dt
import io
import os

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import RosterEntry, RosterImport, User
from accounts.services.roster_import import (
    roster_import_confirm_request,
    roster_import_create,
    roster_import_preview,
    roster_import_run,
    roster_imports_sweep,
    rows_unpack,
)
from portal import clock

pytestmark = pytest.mark.django_db

HEADER = "휴대폰 번호,이름,생년월일,운수사,자격번호,기사 유형,서비스\n"
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def staff(db):
    return User.objects.create_superuser(username="staff", password="Staff1234!")


def _csv(*lines: str) -> bytes:
    return (HEADER + "".join(line + "\n" for line in lines)).encode()


def _kept(content: bytes, staff, name="roster.csv") -> RosterImport:
    preview = roster_import_preview(filename=name, content=content)
    assert preview.ok, [row.errors for row in preview.bad_rows] or preview.file_error
    return roster_import_create(preview=preview, file_name=name, uploaded_by=staff)


def _drivers(first: int, count: int) -> list[str]:
    return [
        f"0105555{i:04d},기사{i},1970.01.{1 + i % 28:02d},,,일반,taxi" for i in range(first, count)
    ]


def test_confirm_updates_known_entries_adds_new_ones_and_only_adds_services(
    staff, services, company, partner
):
    upload = _kept(
        _csv(
            # The partner's entry: new name and qualification, company and type left blank.
            "010-1234-5678,김기사님,1965-03-12,,Q-2002,,blue",
            "010-2222-3333,새기사,19800131,한빛운수,,가맹,venti;카카오 T 택시",
            "01044445555,엑셀날짜,29251,,,,",  # 1980-01-31 as an Excel serial number
        ),
        staff,
    )
    assert (upload.row_count, upload.new_count) == (3, 2)
    done = roster_import_run(upload_id=upload.pk, user_id=staff.pk, background=False)
    assert (done.status, done.created_count, done.updated_count) == ("confirmed", 2, 1)
    kept = RosterImport.objects.get(pk=upload.pk)
    assert (bytes(kept.packed_rows), kept.sample) == (b"", [])  # not kept once written

    known = RosterEntry.objects.get(phone="01012345678")
    assert (known.name, known.qualification_no, known.driver_type) == (
        "김기사님",
        "Q-2002",
        "franchise",
    )
    assert known.transport_company == company  # a blank cell keeps the company
    assert set(known.services.values_list("code", flat=True)) == {"venti", "blue"}
    partner.refresh_from_db()
    assert partner.qualification_no == "Q-2002"  # the account follows its entry

    new = RosterEntry.objects.get(phone="01022223333")
    assert new.birth_date == dt.date(1980, 1, 31) and new.transport_company == company
    assert set(new.services.values_list("code", flat=True)) == {"venti", "taxi"}
    assert RosterEntry.objects.get(phone="01044445555").birth_date == dt.date(1980, 1, 31)

    latest = known.history.latest("history_id")
    assert (latest.history_type, latest.history_user_id) == ("~", staff.pk)
    assert latest.history_change_reason == "명단 올리기"
    assert {s.service.code for s in latest.services.all()} == {"venti", "blue"}
    created = new.history.get()
    assert created.history_type == "+"
    assert {s.service.code for s in created.services.all()} == {"venti", "taxi"}


def test_confirmation_takes_the_same_statements_for_10_rows_as_for_200(staff, services):
    def statements(first: int, count: int) -> int:
        upload = _kept(_csv(*_drivers(first, first + count)), staff)
        with CaptureQueriesContext(connection) as queries:
            roster_import_run(upload_id=upload.pk, user_id=staff.pk, background=False)
        assert RosterImport.objects.get(pk=upload.pk).status == "confirmed"
        return len(queries)

    # Not one query per row: 20 times the rows, the same statements (SQLite splits a
    # bulk insert by its limit of 999 parameters: a few more there).
    slack = 0 if connection.vendor == "postgresql" else 4
    small, large = statements(0, 10), statements(1000, 200)
    assert small <= large <= small + slack
    # Again, now every phone is known: updates instead of inserts, still set-based.
    small, large = statements(0, 10), statements(1000, 200)
    assert small <= large <= small + slack
    assert RosterEntry.objects.filter(phone__startswith="0105555").count() == 210


def test_a_large_file_is_confirmed_by_a_worker_once(
    staff, services, settings, django_capture_on_commit_callbacks
):
    from accounts.tasks import confirm_roster_import

    settings.ROSTER_IMPORT_INLINE_ROWS = 5
    upload = _kept(_csv(*_drivers(0, 12)), staff)
    with django_capture_on_commit_callbacks() as callbacks:
        assert roster_import_confirm_request(upload=upload, confirmed_by=staff) is False
        assert roster_import_confirm_request(upload=upload, confirmed_by=staff) is False
    assert len(callbacks) == 1  # pressed twice, queued once
    upload.refresh_from_db()
    assert upload.status == "confirming" and not RosterEntry.objects.exists()
    # The worker's job, run here in-process.
    assert confirm_roster_import.apply(kwargs={"upload_id": upload.pk, "user_id": staff.pk}).get()
    upload.refresh_from_db()
    assert (upload.status, upload.created_count) == ("confirmed", 12)


def test_a_stalled_confirmation_is_failed_and_its_late_task_writes_nothing(
    staff, services, settings
):
    from accounts.tasks import confirm_roster_import

    settings.ROSTER_IMPORT_INLINE_ROWS = 1
    with clock.travel(T0):
        upload = _kept(_csv(*_drivers(0, 3)), staff)
        roster_import_confirm_request(upload=upload, confirmed_by=staff)
    # The worker died: nothing happened for longer than the timeout.
    with clock.travel(T0 + dt.timedelta(minutes=settings.UPLOADS_CONFIRM_TIMEOUT_MINUTES - 1)):
        assert roster_imports_sweep() == (0, 0)
    with clock.travel(T0 + dt.timedelta(minutes=settings.UPLOADS_CONFIRM_TIMEOUT_MINUTES + 1)):
        assert roster_imports_sweep() == (1, 0)
    upload.refresh_from_db()
    assert upload.status == "failed" and "작업 서버가 멈춤" in upload.failure
    # The broker hands the lost task out again later: it finds the upload failed.
    confirm_roster_import.apply(kwargs={"upload_id": upload.pk, "user_id": staff.pk})
    assert not RosterEntry.objects.exists()
    assert RosterImport.objects.get(pk=upload.pk).status == "failed"


def test_an_expired_roster_upload_is_deleted_with_its_rows_and_files(
    staff, services, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    settings.ROSTER_IMPORT_KEEP_HOURS = 24
    with clock.travel(T0):
        stale = _kept(_csv("010-2222-3333,새기사,19800131,,,,"), staff)
        confirmed = _kept(_csv("010-2222-4444,저장됨,19800131,,,,"), staff)
        roster_import_run(upload_id=confirmed.pk, user_id=staff.pk, background=False)
    with clock.travel(T0 + dt.timedelta(hours=20)):
        fresh = _kept(_csv("010-2222-5555,나중,19800131,,,,"), staff)
    # A file the former import flow left on disk, with a driver's data in it.
    legacy = tmp_path / "roster_imports"
    legacy.mkdir()
    left = legacy / "0f3c.csv"
    left.write_bytes(_csv("010-9999-0000,남은파일,19800131,,,,"))
    os.utime(left, (T0.timestamp(), T0.timestamp()))
    assert rows_unpack(RosterImport.objects.get(pk=stale.pk).packed_rows)[0][1] == "01022223333"

    with clock.travel(T0 + dt.timedelta(hours=23)):
        call_command("accounts_roster_imports_sweep")
    assert RosterImport.objects.filter(pk=stale.pk).exists() and left.exists()
    with clock.travel(T0 + dt.timedelta(hours=25)):
        call_command("accounts_roster_imports_sweep")
    assert not RosterImport.objects.filter(pk=stale.pk).exists()
    assert not left.exists()
    assert set(RosterImport.objects.values_list("pk", flat=True)) == {confirmed.pk, fresh.pk}
    assert not RosterEntry.objects.filter(phone="01022223333").exists()
    # No row anywhere still holds the expired upload's driver.
    assert not RosterImport.objects.filter(sample__icontains="01022223333").exists()


def test_the_page_of_an_expired_upload_says_so(client, staff, services, settings):
    client.force_login(staff)
    with clock.travel(T0):
        upload = _kept(_csv("010-2222-3333,새기사,19800131,,,,"), staff)
    with clock.travel(T0 + dt.timedelta(hours=settings.ROSTER_IMPORT_KEEP_HOURS + 1)):
        page = client.get(
            reverse("admin:accounts_rosterentry_import_detail", args=[upload.pk]), follow=True
        )
    assert "기한이 지나 지웠습니다" in page.content.decode()
    assert not RosterImport.objects.exists()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_templates_carry_the_header_and_an_example_row_that_is_refused(
    client, staff, services, company, kind
):
    client.force_login(staff)
    response = client.get(reverse("admin:accounts_rosterentry_import_template", args=[kind]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    if kind == "xlsx":
        sheet = load_workbook(io.BytesIO(response.content)).active
        header, example = (list(row) for row in sheet.iter_rows(max_row=2, values_only=True))
        assert example[0] == "010-0000-0000" and isinstance(example[2], dt.datetime)
        assert sheet.column_dimensions["A"].number_format == "@"  # typed phones stay text
    else:
        text = response.content.decode("utf-8-sig").splitlines()
        header, example = text[0].split(","), text[1].split(",")
        assert example[2] == "1975-01-02"
    assert header[:3] == ["휴대폰 번호", "이름", "생년월일"]
    preview = roster_import_preview(filename=f"t.{kind}", content=response.content)
    assert [row.errors for row in preview.rows] == [
        ["양식의 예시 줄입니다. 지우거나 실제 기사님 정보로 바꿔 주세요."]
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_confirmation_that_fails_on_a_lock_marks_the_upload_failed_and_writes_nothing(
    services, partner
):
    """Not an IntegrityError: the write waits for a roster row another session holds."""
    import psycopg
    from django.conf import settings as django_settings

    staff = User.objects.create_superuser(username="staff", password="Staff1234!")
    upload = _kept(
        _csv("010-2222-3333,새기사,19800131,,,,blue", "010-1234-5678,김기사,1965-03-12,,,,"),
        staff,
    )
    history_before = RosterEntry.objects.get(phone="01012345678").history.count()
    db = django_settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"] or "postgres",
        dbname=db["NAME"],
    ) as other:
        other.execute(
            f"SELECT id FROM {RosterEntry._meta.db_table} WHERE phone = %s FOR UPDATE",  # noqa: S608
            ["01012345678"],
        )
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        try:
            done = roster_import_run(upload_id=upload.pk, user_id=staff.pk, background=False)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
        other.rollback()
    assert done.status == "failed"
    assert "OperationalError" in done.failure and "아무것도 저장하지 않았습니다" in done.failure
    assert not RosterEntry.objects.filter(phone="01022223333").exists()
    assert RosterEntry.objects.get(phone="01012345678").history.count() == history_before
