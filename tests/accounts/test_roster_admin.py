"""Roster import (preview, bad rows, confirm, one transaction) and staff tools in admin."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from accounts.models import AccessRequest, RosterEntry, RosterImport, SignupInquiry, User
from accounts.services.access import access_request_create
from accounts.services.inquiries import inquiry_create
from portal.sms.models import OutboxMessage
from tests.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db

HEADER = "휴대폰 번호,이름,생년월일,운수사,자격번호,기사 유형,서비스\n"
GOOD = (
    "010-1111-2222,홍길동,1970-01-02,한빛운수,Q1,가맹,카카오 T 블루\n"
    "+82 10 3333 4444,이순신,19750505,,Q2,일반,venti;taxi\n"
)


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser(username="staff", password="Staff1234!")
    client.force_login(user)
    return user


def _upload(client, name: str, content: bytes, **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("admin:accounts_rosterentry_import"),
        {"file": SimpleUploadedFile(name, content), **extra},
    )


def test_preview_lists_every_bad_row_and_writes_nothing(client, staff, services, company):
    bad = (
        HEADER
        + GOOD
        + "02-123-4567,김,1970-01-01,,,,\n"
        + "010-1111-2222,중복,1970-13-01,없는운수,,택시,없는서비스\n"
        + ",,,,,,\n"
        + "010-5555-6666,,1970-01-01,,,,\n"
    )
    page = _upload(client, "roster.csv", bad.encode())
    text = page.content.decode()
    assert page.status_code == 200
    assert "고칠 줄이 3개" in text
    for row_number in ("<td>4</td>", "<td>5</td>", "<td>7</td>"):
        assert row_number in text
    for reason in (
        "010으로 시작하는 11자리",
        "2번째 줄과 휴대폰 번호가 같습니다",
        "생년월일을",
        "등록되지 않은 운수사",
        "기사 유형은",
        "없는 서비스",
        "이름이 비어",
    ):
        assert reason in text
    assert not RosterEntry.objects.exists()
    assert not RosterImport.objects.exists()  # a file with a bad row is not kept


def _confirm(client, upload_page):
    return client.post(upload_page["Location"], {"confirm": "1"})


def test_clean_file_is_written_only_after_confirming(client, staff, services, company):
    upload = _upload(client, "roster.csv", (HEADER + GOOD).encode())
    page = client.get(upload["Location"]).content.decode()
    assert "2줄 저장" in page and "010-0000-0000" not in page
    assert "01011112222" in page and "이순신" in page  # the preview's rows
    assert not RosterEntry.objects.exists()
    done = _confirm(client, upload)
    assert done.status_code == 302
    assert "저장을 마쳤습니다" in client.get(done["Location"]).content.decode()
    hong = RosterEntry.objects.get(phone="01011112222")
    assert hong.transport_company == company and hong.driver_type == "franchise"
    assert list(hong.services.values_list("code", flat=True)) == ["blue"]
    lee = RosterEntry.objects.get(phone="01033334444")
    assert lee.birth_date == dt.date(1975, 5, 5)
    assert set(lee.services.values_list("code", flat=True)) == {"venti", "taxi"}
    assert hong.history.count() >= 1  # staff edits are recorded


def test_xlsx_import(client, staff, services, company):
    book = Workbook()
    sheet = book.active
    sheet.append(["휴대폰 번호", "이름", "생년월일", "운수사", "자격번호", "기사 유형", "서비스"])
    sheet.append(
        ["010-7777-8888", "강감찬", dt.datetime(1980, 2, 3), "한빛운수", 12345, "일반", "blue"]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    upload = _upload(client, "roster.xlsx", buffer.getvalue())
    assert "1줄 저장" in client.get(upload["Location"]).content.decode()
    _confirm(client, upload)
    entry = RosterEntry.objects.get(phone="01077778888")
    assert entry.qualification_no == "12345" and entry.birth_date == dt.date(1980, 2, 3)


def test_broken_file_is_an_answer_not_an_error(client, staff):
    page = _upload(client, "roster.xlsx", b"not a spreadsheet")
    assert page.status_code == 200
    assert "파일을 읽을 수 없습니다" in page.content.decode()


def test_force_register(client, staff, company):
    response = client.post(
        reverse("admin:accounts_rosterentry_force_register"),
        {
            "phone": "010-4444-5555",
            "name": "유관순",
            "birth_date": "19690101",
            "transport_company": company.pk,
            "password": "Temp1234!",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(phone="01044445555")
    assert user.check_password("Temp1234!")
    assert user.roster_entry.name == "유관순"
    # the partner is asked to choose their own password after logging in
    from django.test import Client

    login = Client().post(
        reverse("account_login"), {"login": "01044445555", "password": "Temp1234!"}
    )
    assert login["Location"].startswith(reverse("accounts:password_prompt"))


def test_access_request_approve_and_reject_text_the_partner(client, staff, partner, services):
    wanted = access_request_create(user=partner, service=services["blue"], reason="블루 운행")
    other = access_request_create(user=partner, service=services["taxi"], reason="택시도")
    url = reverse("admin:accounts_accessrequest_changelist")
    client.post(url, {"action": "approve", "_selected_action": [wanted.pk]})
    client.post(
        url,
        {"action": "reject", "_selected_action": [other.pk], "apply": "1", "rejection_reason": "x"},
    )
    assert AccessRequest.objects.get(pk=wanted.pk).status == "approved"
    assert AccessRequest.objects.get(pk=other.pk).status == "rejected"
    assert partner.roster_entry.services.filter(code="blue").exists()
    bodies = list(
        OutboxMessage.objects.filter(kind="access_request").values_list("body", flat=True)
    )
    assert any("승인되었어요" in b for b in bodies) and any(
        "승인되지 않았어요" in b for b in bodies
    )


def test_partner_asks_for_access_and_sees_the_badge_after_approval(client, partner, services):
    client.post(reverse("account_login"), {"login": partner.phone, "password": PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("accounts:member_info")).content.decode()
    assert page.count("badge--member") == 1
    client.post(
        reverse("accounts:access_request"), {"service": services["blue"].pk, "reason": "블루 운행"}
    )
    assert "권한 신청 검토 중" in client.get(reverse("accounts:member_info")).content.decode()
    from accounts.services.access import access_request_decide

    staff = User.objects.create_user(username="s", password="x", is_staff=True)
    access_request_decide(access_request=AccessRequest.objects.get(), approve=True, staff=staff)
    assert client.get(reverse("accounts:member_info")).content.decode().count("badge--member") == 2


def test_inquiry_answer_texts_the_asker(client, staff, services):
    inquiry = inquiry_create(
        service=services["blue"], name="문의자", phone="01090001000", question="?"
    )
    url = reverse("admin:accounts_signupinquiry_change", args=[inquiry.pk])
    response = client.post(url, {"answer": "운수사에 문의해 주세요."})
    assert response.status_code == 302
    assert SignupInquiry.objects.get().answered_by == staff
    assert OutboxMessage.objects.get(kind="signup_inquiry").to == "01090001000"


def test_admin_login_goes_through_allauth(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_staff_log_in_with_their_username_through_the_same_form(client, django_user_model):
    django_user_model.objects.create_superuser(username="staff", password="Staff1234!")
    response = client.post(
        reverse("account_login") + "?next=/admin/", {"login": "staff", "password": "Staff1234!"}
    )
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_admin_edits_store_the_phone_normalised(client, staff, roster, partner):
    url = reverse("admin:accounts_rosterentry_change", args=[roster.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "services"}
    data.update(
        phone="010 3333 2222",
        name=roster.name,
        birth_date="1965-03-12",
        created_at_0="2026-01-01",
        created_at_1="00:00:00",
        updated_at_0="2026-01-01",
        updated_at_1="00:00:00",
        services=[s.pk for s in roster.services.all()],
        user=partner.pk,
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert RosterEntry.objects.get(pk=roster.pk).phone == "01033332222"
    bad = client.post(url, {**data, "phone": "02-123-4567"})
    assert bad.status_code == 200
    assert "010" in str(bad.context["adminform"].form.errors["phone"])


def test_partner_admin_pages_open(client, staff, partner):
    for url in (
        reverse("admin:accounts_user_change", args=[partner.pk]),
        reverse("admin:accounts_user_changelist") + "?q=김기사",
        reverse("admin:accounts_rosterentry_changelist"),
        reverse("admin:accounts_accessrequest_changelist"),
        reverse("admin:accounts_signupinquiry_changelist"),
        reverse("admin:accounts_rosterentry_force_register"),
        reverse("admin:accounts_rosterentry_import"),
        reverse("admin:accounts_user_history", args=[partner.pk]),
    ):
        assert client.get(url).status_code == 200, url
