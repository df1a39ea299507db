"""Bulk-enrollment uploads: templates, date formats, course codes, progress, failures."""

import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import RosterEntry, User
from courses.models import Course, Enrollment, ImportBatch
from courses.services.imports import (
    import_confirm_request,
    import_confirm_run,
    import_preview,
    imports_stale_fail,
    rows_unpack,
)
from portal import clock
from portal.progress import progress_note
from portal.sms.models import OutboxMessage
from tests.courses import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)
NOON = clock.at(TODAY, 12)
HEADER = "휴대폰,이름,생년월일,과정코드,수강기한"


@pytest.fixture
def staff_client(client):
    staff = factories.staff()
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    client.staff = staff
    return client


def _preview(data: bytes, staff, name="drivers.csv") -> ImportBatch:
    with clock.travel(NOON):
        return import_preview(file_name=name, data=data, uploaded_by=staff)


def _written() -> tuple[int, int, int, int]:
    return (
        User.objects.filter(phone__startswith="0103333").count(),
        RosterEntry.objects.filter(phone__startswith="0103333").count(),
        Enrollment.objects.count(),
        OutboxMessage.objects.filter(kind="courses.enrolled").count(),
    )


def test_a_failed_confirmation_marks_its_batch_failed_with_nothing_written(staff_client):
    staff = staff_client.staff
    with clock.travel(NOON):
        course = factories.course(code="GONE-SOON")
    data = f"{HEADER}\n01033330001,새기사,1975-01-02,GONE-SOON,2026-03-20\n".encode()
    batch = _preview(data, staff)
    assert batch.valid_count == 1
    # Between the preview and the confirmation the course is deleted: the write fails
    # half-way, after the driver's roster entry and account were made.
    course.delete()
    before = _written()
    with clock.travel(NOON):
        response = staff_client.post(
            reverse("admin:courses_upload_preview", args=[batch.pk]), follow=True
        )
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert "아무것도 등록하지 않았습니다" in batch.failure
    assert _written() == before  # nothing half-written
    page = response.content.decode()
    assert "등록하지 못했습니다" in page and batch.failure in page
    assert "1줄 다시 등록하기" in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_confirmation_that_fails_on_a_lock_marks_the_batch_failed_and_writes_nothing():
    """Not an IntegrityError: the write waits for a roster row another session holds."""
    import psycopg
    from django.conf import settings

    with clock.travel(NOON):
        factories.course(code="BLUE-INTRO")
        staff = factories.staff()
        RosterEntry.objects.create(
            phone="01033330002", name="명단기사", birth_date=dt.date(1970, 1, 1)
        )
    data = (
        f"{HEADER}\n01033330001,새기사,1975-01-02,BLUE-INTRO,2026-03-20\n"
        "01033330002,명단기사,1970-01-01,BLUE-INTRO,2026-03-20\n"
    ).encode()
    batch = _preview(data, staff)
    before = _written()
    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"] or "postgres",
        dbname=db["NAME"],
    ) as other:
        other.execute(
            f"SELECT id FROM {RosterEntry._meta.db_table} WHERE phone = %s FOR UPDATE",  # noqa: S608
            ["01033330002"],
        )
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        try:
            with clock.travel(NOON):
                done = import_confirm_run(batch_id=batch.pk, user_id=staff.pk, background=False)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
        other.rollback()
    assert done.status == ImportBatch.Status.FAILED
    assert "OperationalError" in done.failure
    assert _written() == before


def test_a_stalled_confirmation_is_failed_on_view_and_can_be_confirmed_again(
    staff_client, settings
):
    from courses.tasks import confirm_import

    staff = staff_client.staff
    settings.COURSES_IMPORT_INLINE_ROWS = 1
    with clock.travel(NOON):
        factories.course(code="BLUE-INTRO")
    data = (
        f"{HEADER}\n01033330001,가기사,1975-01-02,BLUE-INTRO,2026-03-20\n"
        "01033330003,나기사,1975-01-02,BLUE-INTRO,2026-03-20\n"
    ).encode()
    batch = _preview(data, staff)
    url = reverse("admin:courses_upload_preview", args=[batch.pk])
    with clock.travel(NOON):
        # The task is queued after commit; here its worker never runs it (it died).
        assert import_confirm_request(batch=batch, confirmed_by=staff) is False
    timeout = dt.timedelta(minutes=settings.UPLOADS_CONFIRM_TIMEOUT_MINUTES)
    with clock.travel(NOON + timeout - dt.timedelta(minutes=1)):
        page = staff_client.get(url)
        assert page["Refresh"] == "3"
        assert "등록하고 있습니다" in page.content.decode()
    with clock.travel(NOON + timeout + dt.timedelta(minutes=1)):
        page = staff_client.get(url)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and "작업 서버가 멈춤" in batch.failure
    assert "Refresh" not in page and "등록하지 못했습니다" in page.content.decode()
    # The lost task, handed out again by the broker, finds the batch failed.
    confirm_import.apply(kwargs={"batch_id": batch.pk, "user_id": staff.pk})
    assert Enrollment.objects.count() == 0
    # Staff press again: a new worker writes it.
    with clock.travel(NOON + timeout + dt.timedelta(minutes=2)):
        assert import_confirm_request(batch=batch, confirmed_by=staff) is False
        confirm_import.apply(kwargs={"batch_id": batch.pk, "user_id": staff.pk})
    batch.refresh_from_db()
    assert (batch.status, batch.created_count) == (ImportBatch.Status.CONFIRMED, 2)


def test_the_job_fails_only_confirmations_past_the_timeout(settings):
    with clock.travel(NOON):
        staff = factories.staff()
        old, recent = (
            ImportBatch.objects.create(
                file_name=name,
                status=ImportBatch.Status.CONFIRMING,
                uploaded_by=staff,
                uploaded_at=clock.now(),
                confirm_started_at=clock.now() - dt.timedelta(minutes=minutes),
            )
            for name, minutes in (("old.csv", 45), ("recent.csv", 5))
        )
    from django.core.management import call_command

    with clock.travel(NOON):
        call_command("courses_imports_sweep")
        assert imports_stale_fail() == 0
    assert ImportBatch.objects.get(pk=old.pk).status == ImportBatch.Status.FAILED
    assert ImportBatch.objects.get(pk=recent.pk).status == ImportBatch.Status.CONFIRMING


def test_the_progress_page_shows_the_step_and_can_stop_refreshing(staff_client, settings):
    settings.COURSES_IMPORT_INLINE_ROWS = 0
    with clock.travel(NOON):
        factories.course(code="BLUE-INTRO")
    data = f"{HEADER}\n01033330001,가기사,1975-01-02,BLUE-INTRO,2026-03-20\n".encode()
    batch = _preview(data, staff_client.staff)
    with clock.travel(NOON):
        import_confirm_request(batch=batch, confirmed_by=staff_client.staff)
        progress_note(
            kind="courses-import", pk=batch.pk, step=3, steps=4, label="수강을 등록하고 있습니다"
        )
    url = reverse("admin:courses_upload_preview", args=[batch.pk])
    with clock.travel(NOON + dt.timedelta(seconds=42)):
        page = staff_client.get(url)
        still = staff_client.get(url + "?auto=0")
    text = page.content.decode()
    assert page["Refresh"] == "3"
    assert "3/4 단계" in text and "수강을 등록하고 있습니다" in text and "42초" in text
    assert '<progress max="4" value="3"' in text
    assert "Refresh" not in still and "지금 새로 고치기" in still.content.decode()


def test_the_upload_page_states_date_formats_lists_course_codes_and_offers_templates(
    staff_client,
):
    with clock.travel(NOON):
        factories.course(code="BLUE-INTRO")
        closed = factories.course(code="OLD-ONE")
        Course.objects.filter(pk=closed.pk).update(is_active=False)
    page = staff_client.get(reverse("admin:courses_upload")).content.decode()
    for text in ("2026-03-31", "2026.03.31", "엑셀 날짜", "<code>BLUE-INTRO</code>"):
        assert text in page
    assert "OLD-ONE" not in page  # only courses that can be uploaded
    assert reverse("admin:courses_upload_template", args=["xlsx"]) in page
    assert reverse("admin:courses_upload_template", args=["csv"]) in page


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_template_filled_in_is_accepted_and_its_example_row_is_not(staff_client, kind):
    with clock.travel(NOON):
        factories.course(code="BLUE-INTRO")
        response = staff_client.get(reverse("admin:courses_upload_template", args=[kind]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    as_is = _preview(response.content, staff_client.staff, name=f"t.{kind}")
    assert as_is.valid_count == 0
    assert "양식의 예시 줄입니다" in " ".join(as_is.errors[0]["reasons"])
    if kind == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        sheet = book.active
        assert [c.value for c in sheet[1]][:5] == [
            "휴대폰",
            "이름",
            "생년월일",
            "과정코드",
            "수강기한",
        ]
        assert isinstance(sheet["E2"].value, dt.datetime)  # dates are date cells
        sheet["A2"] = "010-3333-0001"
        sheet.append(["010-3333-0002", "일련번호", 27396, "BLUE-INTRO", 46101])  # serials
        buffer = io.BytesIO()
        book.save(buffer)
        filled = buffer.getvalue()
    else:
        lines = response.content.decode("utf-8-sig").splitlines()
        assert lines[0].startswith("휴대폰,이름,생년월일,과정코드,수강기한")
        lines[1] = lines[1].replace("010-0000-0000", "010-3333-0001")
        lines.append("010-3333-0002,점날짜,1975.01.02,BLUE-INTRO,2026.03.20")
        lines.append("010-3333-0003,일련번호,27396,BLUE-INTRO,46101")
        filled = ("\n".join(lines) + "\n").encode()
    batch = _preview(filled, staff_client.staff, name=f"t.{kind}")
    assert batch.errors == []
    rows = rows_unpack(batch.packed_rows)
    assert rows[0][1] == "01033330001"
    for row in rows[1:]:
        assert (row[3], row[5]) == ("1975-01-02", "2026-03-20")
