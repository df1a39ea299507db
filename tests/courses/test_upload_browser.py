"""Staff at 1280×800: template download → upload → progress → done, axe on every page.

With a real Celery worker: the confirmation is queued before any worker runs, so the
progress page is seen for certain; then a worker starts and the page, reloading itself
by its Refresh header (no script), ends on the result. Without Redis (the embedded
default) the task runs in-process and the page ends on the result at once.
"""

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from django.test import Client

from accounts.models import User
from courses.models import Enrollment, ImportBatch
from portal import clock
from tests.courses import factories
from tests.support.browser import VIEWPORTS, axe_violations
from tests.support.celery_worker import celery_workers, eager_tasks, use_broker  # noqa: F401
from tests.support.redis_server import redis_server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _staff_page(browser, live_server):
    boss = User.objects.create_user(
        username="boss", password="Staff1234!x", is_staff=True, is_superuser=True
    )
    client = Client()
    client.force_login(boss)
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="ko-KR")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _accessible(page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"axe violations on {page.url}:\n" + "\n".join(violations)


def _template_filled(page, live_server) -> bytes:
    """Download the XLSX template from the upload page and fill in two drivers."""
    page.goto(live_server.url + "/admin/courses/enrollment/upload/")
    _accessible(page)
    assert "BLUE-INTRO" in page.inner_text("#course-codes")
    assert "2026.03.31" in page.inner_text("#date-formats")
    with page.expect_download() as download:
        page.get_by_role("link", name="엑셀 양식 받기 (XLSX)").click()
    assert download.value.suggested_filename == "수강자_일괄등록_양식.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    sheet = book.active
    assert sheet["A2"].value == "010-0000-0000"  # the example row
    deadline = clock.today() + dt.timedelta(days=10)
    sheet["A2"], sheet["B2"] = "010-2468-1001", "홍길동"
    # A date typed as Excel's serial number, as a cell can hold it.
    serial = (deadline - dt.date(1899, 12, 30)).days
    sheet.append(["010-2468-1002", "김영희", dt.date(1970, 5, 6), "BLUE-INTRO", serial])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload_and_confirm(page, data: bytes) -> None:
    page.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": "drivers.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": data,
            }
        ],
    )
    page.get_by_role("button", name="미리보기").click()
    assert page.locator("[data-valid-count]").inner_text() == "2"
    _accessible(page)
    page.get_by_role("button", name="2줄 등록하기").click()


def _done(page) -> None:
    page.locator("[data-upload-status=confirmed]").wait_for(timeout=90_000)
    assert "수강 2건" in page.inner_text("[data-upload-status=confirmed]")
    _accessible(page)
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.created_count) == (ImportBatch.Status.CONFIRMED, 2)
    assert set(Enrollment.objects.values_list("user__phone", flat=True)) == {
        "01024681001",
        "01024681002",
    }


@pytest.mark.celery_worker
def test_template_upload_progress_done_with_a_worker(
    browser,
    live_server,
    settings,
    redis_server,  # noqa: F811
    celery_workers,  # noqa: F811
):
    settings.COURSES_IMPORT_INLINE_ROWS = 1  # two rows: the worker writes them
    factories.course(code="BLUE-INTRO")
    context, page = _staff_page(browser, live_server)
    try:
        with use_broker(redis_server.url):
            _upload_and_confirm(page, _template_filled(page, live_server))
            # Queued; no worker runs yet: the page shows the progress and reloads itself.
            page.get_by_role("heading", name="등록하고 있습니다").wait_for()
            assert "저절로 새로 고쳐집니다" in page.inner_text("#content")
            assert ImportBatch.objects.get().status == ImportBatch.Status.CONFIRMING
            _accessible(page)
            assert Enrollment.objects.count() == 0
            celery_workers.start(broker_url=redis_server.url)
            _done(page)
    finally:
        context.close()


def test_template_upload_done_with_tasks_in_process(browser, live_server, settings):
    settings.COURSES_IMPORT_INLINE_ROWS = 1
    factories.course(code="BLUE-INTRO")
    context, page = _staff_page(browser, live_server)
    try:
        with eager_tasks():
            _upload_and_confirm(page, _template_filled(page, live_server))
            _done(page)
    finally:
        context.close()
