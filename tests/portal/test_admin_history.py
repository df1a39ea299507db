"""The history pages of admin (docs/admin.md, "Rules in admin, history and reviews"):
Korean, with the reason the service gave and values as people read them, no inline
style; and no admin with a history can restore a past version."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import AccessRequest
from accounts.services.access import access_request_create, access_request_decide
from courses.services.enrollments import enrollments_deadline_change
from portal import clock
from portal.admin_history import HistoryAdmin
from tests.courses import factories

pytestmark = pytest.mark.django_db

ENGLISH = ["Changed", "Created", "Change reason", "Revert", "Choose a date", "None", "Object"]


def _history_admins():
    return {
        model: admin.site.get_model_admin(model)
        for model in apps.get_models()
        if admin.site.is_registered(model)
        and isinstance(admin.site.get_model_admin(model), SimpleHistoryAdmin)
    }


def test_every_admin_with_a_history_refuses_to_restore_a_version():
    found = _history_admins()
    assert {m._meta.label for m in found} >= {
        "courses.Enrollment",
        "accounts.AccessRequest",
        "accounts.SignupInquiry",
        "accounts.User",
        "accounts.RosterEntry",
    }
    wrong = [m._meta.label for m, a in found.items() if not isinstance(a, HistoryAdmin)]
    assert wrong == []


@pytest.fixture
def staff_client(client):
    user = factories.staff()
    client.force_login(user)
    client.staff = user
    return client


def test_enrollment_history_reads_in_korean_with_the_reason(staff_client):
    with clock.travel(dt.datetime(2026, 12, 1, 9, 30, 15, 470643, tzinfo=dt.UTC)):
        enrollment = factories.enroll(
            factories.partner(), factories.course(), deadline=dt.date(2026, 12, 21)
        )
        enrollments_deadline_change(
            enrollment_ids=[enrollment.pk],
            new_deadline=dt.date(2026, 12, 24),
            reason="가이드센터 일정 변경 요청",
            changed_by_id=staff_client.staff.pk,
        )
    page = staff_client.get(reverse("admin:courses_enrollment_history", args=[enrollment.pk]))
    html = page.content.decode()
    main = html.split('id="content-main"')[1]
    assert "기한 변경: 가이드센터 일정 변경 요청" in main
    assert "수강 기한:</strong> 2026년 12월 21일 &rarr; 2026년 12월 24일" in main
    assert "2026년 12월 1일 18:30" in main  # the change's time, in Seoul
    assert "변경 기록" in html
    for word in ENGLISH:
        assert word not in main, word
    assert not re.search(r"\d\d:\d\d:\d\d\.\d+", main)
    assert "style=" not in html


def test_status_and_times_show_as_labels_and_plain_seoul_times(staff_client, settings):
    user = factories.partner()
    service = factories.service()
    with clock.travel(dt.datetime(2026, 12, 7, 3, 22, 31, 470643, tzinfo=dt.UTC)):
        row = access_request_create(user=user, service=service, reason="블루 운행")
        access_request_decide(
            access_request=row,
            approve=False,
            staff=staff_client.staff,
            rejection_reason="서류 부족",
        )
    row = AccessRequest.objects.get()
    html = staff_client.get(
        reverse("admin:accounts_accessrequest_history", args=[row.pk])
    ).content.decode()
    main = html.split('id="content-main"')[1]
    assert "상태:</strong> 검토 중 &rarr; 반려" in main
    assert "처리한 때:</strong> 없음 &rarr; 2026년 12월 7일 12:22" in main
    assert "반려: 서류 부족" in main
    assert "pending" not in main and "rejected" not in main
    assert not re.search(r"\d\d:\d\d:\d\d", main)

    first = row.history.get(history_type="+")
    version = staff_client.get(
        reverse("admin:accounts_accessrequest_simple_history", args=[row.pk, first.pk])
    )
    text = version.content.decode().split('id="content-main"')[1]
    assert "검토 중" in text and "보기만 합니다" in text and "<form" not in text
