"""Bulk enrollment upload: preview with every bad row, one-transaction confirm."""

import datetime as dt
import io

import openpyxl
import pytest

from accounts.models import RosterEntry, TransportCompany, User
from courses.models import Enrollment, ImportBatch
from courses.services.imports import (
    ImportFileError,
    import_confirm,
    import_preview,
    rows_pack,
    rows_unpack,
)
from portal import clock
from portal.sms.models import OutboxMessage
from tests.courses import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)
HEADER = "휴대폰,이름,생년월일,과정코드,수강기한,수강시작일,운수사,자격번호"


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode("utf-8")


@pytest.fixture
def world():
    with clock.travel(clock.at(TODAY, 9)):
        course = factories.course(code="BLUE-INTRO")
        closed = factories.course(code="OLD")
        closed.is_active = False
        closed.save()
        TransportCompany.objects.create(name="한빛운수")
        busy = factories.partner(phone="01099990000", name="박수강")
        factories.enroll(busy, course)
        known = factories.partner(phone="01088880000", name="이회원")
        RosterEntry.objects.create(
            phone="01077770000", name="최명단", birth_date=dt.date(1980, 5, 5)
        )
        staff = factories.staff()
    return {"course": course, "staff": staff, "known": known}


def preview(data: bytes, staff, name="drivers.csv") -> ImportBatch:
    with clock.travel(clock.at(TODAY, 9)):
        return import_preview(file_name=name, data=data, uploaded_by=staff)


def confirm(batch, staff) -> ImportBatch:
    with clock.travel(clock.at(TODAY, 9, 30)):
        return import_confirm(batch=batch, confirmed_by=staff)


def test_preview_lists_every_bad_row_with_its_reason_and_writes_nothing(world):
    data = csv_bytes(
        "010-1111-0001,홍길동,1975-01-02,BLUE-INTRO,2026-03-20,,한빛운수,A-1",  # 2 ok
        "010-123,김번호,1975-01-02,BLUE-INTRO,2026-03-20,,,",  # 3 bad phone
        "01011110003,,1975-01-02,BLUE-INTRO,2026-03-20,,,",  # 4 no name
        "01011110004,김생일,1975-13-40,BLUE-INTRO,2026-03-20,,,",  # 5 bad birth date
        "01011110005,김과정,1975-01-02,NOPE,2026-03-20,,,",  # 6 unknown course
        "01011110006,김중단,1975-01-02,OLD,2026-03-20,,,",  # 7 inactive course
        "01011110007,김기한,1975-01-02,BLUE-INTRO,2026-03-01,,,",  # 8 deadline past
        "01011110008,김형식,1975-01-02,BLUE-INTRO,다음달,,,",  # 9 deadline unreadable
        "01011110009,김시작,1975-01-02,BLUE-INTRO,2026-03-20,2026-03-25,,",  # 10 start > deadline
        "010-1111-0001,홍길동,1975-01-02,BLUE-INTRO,2026-03-21,,,",  # 11 duplicate of line 2
        "01099990000,박수강,1970-01-01,BLUE-INTRO,2026-03-20,,,",  # 12 open attempt exists
        "01011110012,김운수,1975-01-02,BLUE-INTRO,2026-03-20,,없는운수,",  # 13 unknown company
        "01077770000,최다름,1980-05-05,BLUE-INTRO,2026-03-20,,,",  # 14 roster name differs
        "01088880000,이회원,1970-01-01,BLUE-INTRO,2026-03-20,,,",  # 15 ok (has account)
        ",,,,,,,",  # blank line: ignored
    )
    batch = preview(data, world["staff"])
    reasons = {error["line"]: " ".join(error["reasons"]) for error in batch.errors}
    assert sorted(reasons) == list(range(3, 15))
    assert "휴대폰 번호" in reasons[3]
    assert "이름이 비어" in reasons[4]
    assert "생년월일" in reasons[5]
    assert "없는 과정코드" in reasons[6]
    assert "사용하지 않는 과정" in reasons[7]
    assert "이미 지났습니다" in reasons[8]
    assert "수강기한을" in reasons[9]
    assert "수강시작일이 수강기한보다 늦습니다" in reasons[10]
    assert "2행과 같은 사람·과정" in reasons[11]
    assert "이미 수강 중" in reasons[12]
    assert "등록되지 않은 운수사" in reasons[13]
    assert "등록된 정보와 다릅니다" in reasons[14]
    assert batch.total_rows == 14
    assert batch.valid_count == 2
    assert [row[0] for row in rows_unpack(batch.packed_rows)] == [2, 15]
    assert Enrollment.objects.count() == 1
    assert not User.objects.filter(phone="01011110001").exists()
    assert (
        not OutboxMessage.objects.filter(kind="courses.enrolled").exclude(to="01099990000").exists()
    )


def test_confirm_creates_accounts_attempts_and_the_right_sms(world):
    data = csv_bytes(
        "010-1111-0001,홍길동,1975-01-02,BLUE-INTRO,2026-03-20,,한빛운수,A-1",
        "01077770000,최명단,1980-05-05,BLUE-INTRO,2026-03-21,,,",
        "01088880000,이회원,1970-01-01,BLUE-INTRO,2026-03-22,,,",
    )
    batch = confirm(preview(data, world["staff"]), world["staff"])
    assert (batch.status, batch.created_count, batch.accounts_created) == ("confirmed", 3, 2)

    new_user = User.objects.get(phone="01011110001")
    assert new_user.username == "01011110001" and not new_user.has_usable_password()
    entry = RosterEntry.objects.get(phone="01011110001")
    assert entry.user == new_user and entry.transport_company.name == "한빛운수"
    assert RosterEntry.objects.get(phone="01077770000").user.phone == "01077770000"

    enrollments = Enrollment.objects.filter(import_batch=batch).select_related("user")
    assert {e.user.phone: e.deadline.day for e in enrollments} == {
        "01011110001": 20,
        "01077770000": 21,
        "01088880000": 22,
    }
    assert all(e.created_by == world["staff"] and e.window_start == TODAY for e in enrollments)

    first_login = OutboxMessage.objects.get(to="01011110001")
    assert "아이디: 01011110001" in first_login.body
    assert (
        "[블루교육 로그인]" in first_login.body and "/accounts/password/setup/" in first_login.body
    )
    assert "2026년 3월 20일" in first_login.body
    member = OutboxMessage.objects.get(to="01088880000")
    assert "아이디" not in member.body and "/accounts/login/" in member.body
    assert world["course"].title in member.body


def test_an_upload_numbers_attempts_after_earlier_ones_and_new_accounts_from_one(world):
    # 이회원's earlier attempt expired: the upload's is the second. The accounts the
    # confirmation makes (a new driver, a roster entry) start at the first.
    earlier = factories.enroll(world["known"], world["course"])
    Enrollment.objects.filter(pk=earlier.pk).update(status="expired")
    data = csv_bytes(
        "01011110001,홍길동,1975-01-02,BLUE-INTRO,2026-03-20,,,",
        "01077770000,최명단,1980-05-05,BLUE-INTRO,2026-03-21,,,",
        "01088880000,이회원,1970-01-01,BLUE-INTRO,2026-03-22,,,",
    )
    batch = confirm(preview(data, world["staff"]), world["staff"])
    assert (batch.created_count, batch.accounts_created) == (3, 2)
    attempts = Enrollment.objects.filter(import_batch=batch).values_list("user__phone", "attempt")
    assert dict(attempts) == {"01011110001": 1, "01077770000": 1, "01088880000": 2}


def test_confirm_keeps_the_history_of_what_it_wrote(world):
    data = csv_bytes(
        "01011110001,홍길동,1975-01-02,BLUE-INTRO,2026-03-20,,한빛운수,A-1",
        "01077770000,최명단,1980-05-05,BLUE-INTRO,2026-03-21,,,",
    )
    staff = world["staff"]
    batch = confirm(preview(data, staff), staff)
    new_user = User.objects.get(phone="01011110001")
    listed_user = User.objects.get(phone="01077770000")
    reason = "필수 교육 일괄 등록"
    for user in (new_user, listed_user):
        (made,) = user.history.all()
        assert (made.history_type, made.history_user, made.history_change_reason) == (
            "+",
            staff,
            reason,
        )
        assert made.name == user.name and made.provisioned_at == user.provisioned_at
    # A driver new to the roster: the entry is written already linked to the new account.
    (added,) = RosterEntry.objects.get(phone="01011110001").history.all()
    assert (added.history_type, added.user_id, added.qualification_no) == ("+", new_user.pk, "A-1")
    # A driver already on the roster: the entry is linked to the new account ("~").
    linked = RosterEntry.objects.get(phone="01077770000").history.order_by("history_id").last()
    assert (linked.history_type, linked.user_id, linked.history_user) == (
        "~",
        listed_user.pk,
        staff,
    )
    for enrollment in Enrollment.objects.filter(import_batch=batch):
        (created,) = enrollment.history.all()
        assert (created.history_type, created.history_user, created.deadline) == (
            "+",
            staff,
            enrollment.deadline,
        )


def test_reuploading_the_same_file_creates_nothing_twice(world):
    data = csv_bytes(
        "010-1111-0001,홍길동,1975-01-02,BLUE-INTRO,2026-03-20,,,",
        "01088880000,이회원,1970-01-01,BLUE-INTRO,2026-03-22,,,",
    )
    first = preview(data, world["staff"])
    second = preview(data, world["staff"])  # uploaded twice before confirming either
    confirm(first, world["staff"])
    confirm(first, world["staff"])  # double click
    again = confirm(second, world["staff"])
    assert again.created_count == 0
    third = preview(data, world["staff"])
    assert third.valid_count == 0 and rows_unpack(third.packed_rows) == []
    assert all("이미" in " ".join(e["reasons"]) for e in third.errors)
    confirm(third, world["staff"])
    assert Enrollment.objects.filter(import_batch__isnull=False).count() == 2
    assert User.objects.filter(phone="01011110001").count() == 1
    assert OutboxMessage.objects.filter(kind="courses.enrolled").count() == 3  # + the fixture's


def test_xlsx_with_real_dates(world):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["휴대폰 번호", "이름", "생년월일", "과정코드", "수강기한"])
    sheet.append(
        ["+82 10-1111-0001", "홍길동", dt.datetime(1975, 1, 2), "BLUE-INTRO", dt.date(2026, 3, 20)]
    )
    sheet.append([1011110002, "숫자칸", "19750102", "BLUE-INTRO", "2026.3.20"])
    buffer = io.BytesIO()
    book.save(buffer)
    batch = preview(buffer.getvalue(), world["staff"], name="drivers.xlsx")
    # A number cell that lost its leading zero in Excel is still read as the phone.
    assert batch.errors == []
    rows = rows_unpack(batch.packed_rows)
    assert rows[1][1:4] == ["01011110002", "숫자칸", "1975-01-02"]
    assert rows[0][1:4] == ["01011110001", "홍길동", "1975-01-02"]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.csv", b"phone,name\n01011110001,x\n", "생년월일, 과정코드, 수강기한"),
        ("a.txt", b"x", "CSV 또는 XLSX"),
        ("a.csv", b"", "빈 파일"),
        ("a.csv", (HEADER + "\n").encode(), "수강자 줄이 없습니다"),
        ("a.xlsx", b"not a zip", "엑셀 파일을 열 수 없습니다"),
        ("a.csv", b"\xff\xfe\x00garbage\x81", "인코딩"),
    ],
)
def test_unreadable_files_are_refused_with_a_message(world, name, data, message):
    with pytest.raises(ImportFileError, match=message):
        preview(data, world["staff"], name=name)
    assert not ImportBatch.objects.exists()


def test_a_large_upload_is_confirmed_by_a_worker_once(
    world, settings, django_capture_on_commit_callbacks
):
    from courses.services.imports import import_confirm_request
    from courses.tasks import confirm_import

    settings.COURSES_IMPORT_INLINE_ROWS = 1
    data = csv_bytes(
        "010-1111-0001,홍길동,1975-01-02,BLUE-INTRO,2026-03-20,,,",
        "01088880000,이회원,1970-01-01,BLUE-INTRO,2026-03-22,,,",
    )
    batch = preview(data, world["staff"])
    with clock.travel(clock.at(TODAY, 9, 30)):
        with django_capture_on_commit_callbacks() as callbacks:
            assert import_confirm_request(batch=batch, confirmed_by=world["staff"]) is False
            assert import_confirm_request(batch=batch, confirmed_by=world["staff"]) is False
        assert len(callbacks) == 1  # pressed twice, queued once
        batch.refresh_from_db()
        assert batch.status == "confirming"
        assert Enrollment.objects.filter(import_batch=batch).count() == 0
        # The worker's job, run here in-process.
        assert (
            confirm_import.apply(kwargs={"batch_id": batch.pk, "user_id": world["staff"].pk}).get()
            == 2
        )
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.confirmed_by) == (
        "confirmed",
        2,
        world["staff"],
    )


def test_packed_rows_come_back_as_they_were_written():
    rows = [
        [2, "01011110001", '홍\n길동 "따옴표" \\', "1975-01-02", 7, "2026-03-20", "2026-03-01"],
        [3, "01011110002", "숫자칸", "1975-01-02", 7, "2026-03-20", "2026-03-01", None, ""],
    ]
    packed = rows_pack(rows)
    assert rows_unpack(packed) == rows
    assert rows_unpack(memoryview(packed)) == rows  # as PostgreSQL's driver gives it
    assert rows_unpack(b"") == [] and rows_unpack(rows_pack([])) == []
    many = [
        [i, f"0101111{i:04d}", "기사", "1975-01-02", 7, "2026-03-20", "2026-03-01"]
        for i in range(5000)
    ]
    assert len(rows_pack(many)) < len(str(many).encode()) / 4
