"""The period staff choose on reports and lists (portal/periods.py)."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from courses.models import Enrollment
from portal import clock
from portal.periods import Period, PeriodForm
from portal.sms.models import OutboxMessage
from tests.courses import factories

MARCH_1, MARCH_31 = dt.date(2026, 3, 1), dt.date(2026, 3, 31)


def test_form_reads_dates_as_staff_type_them():
    for start, end in (("2026-03-01", "2026-03-31"), ("2026.03.01", "2026.03.31")):
        form = PeriodForm({"start": start, "end": end})
        assert form.is_valid()
        assert form.period() == Period(MARCH_1, MARCH_31)
    assert PeriodForm({"start": "", "end": ""}).is_valid()  # both ends open


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"start": "2026-03-31", "end": "2026-03-01"}, "end", "끝일은 시작일과 같거나"),
        ({"start": "2026-13-01", "end": ""}, "start", "2026-03-01처럼"),
        ({"start": "어제", "end": ""}, "start", "2026-03-01처럼"),
        ({"start": "2026-01-01", "end": "2027-01-05"}, "end", "366일까지"),
    ],
)
def test_form_refuses_a_bad_period_next_to_its_field(data, field, message):
    form = PeriodForm(data, max_days=366)
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])


@pytest.mark.django_db
def test_a_period_holds_both_whole_days_in_seoul_time():
    def message(key: str, at: dt.datetime) -> None:
        OutboxMessage.objects.create(
            to="01012345678", body="b", kind="k", idempotency_key=key, created_at=at
        )

    message("before", clock.at(MARCH_1) - dt.timedelta(microseconds=1))
    message("first", clock.at(MARCH_1))
    message("last", clock.end_of_day(MARCH_31))
    message("after", clock.at(MARCH_31 + dt.timedelta(days=1)))
    inside = OutboxMessage.objects.filter(Period(MARCH_1, MARCH_31).q("created_at", moments=True))
    assert sorted(inside.values_list("idempotency_key", flat=True)) == ["first", "last"]
    from_first = Period(MARCH_1, None).q("created_at", moments=True)
    assert OutboxMessage.objects.filter(from_first).count() == 3


@pytest.mark.django_db
def test_a_period_of_dates_includes_both_ends():
    course = factories.course(videos=0, texts=1)
    for day in (MARCH_1 - dt.timedelta(days=1), MARCH_1, MARCH_31, MARCH_31 + dt.timedelta(days=1)):
        with clock.travel(clock.at(day - dt.timedelta(days=5), 9)):
            factories.enroll(factories.partner(), course, deadline=day)
    inside = Enrollment.objects.filter(Period(MARCH_1, MARCH_31).q("deadline", moments=False))
    assert sorted(inside.values_list("deadline", flat=True)) == [MARCH_1, MARCH_31]


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser(username="ops", password="x-Secret-123")
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_outbox_list_filters_by_period_and_keeps_other_filters(staff_client):
    for key, day, kind in (
        ("feb", dt.date(2026, 2, 28), "notice"),
        ("mar-notice", dt.date(2026, 3, 15), "notice"),
        ("mar-code", dt.date(2026, 3, 15), "code"),
    ):
        OutboxMessage.objects.create(
            to="01012345678", body="b", kind=kind, idempotency_key=key, created_at=clock.at(day, 12)
        )
    url = reverse("admin:sms_outboxmessage_changelist")
    query = {"created_at-start": "2026-03-01", "created_at-end": "2026-03-31"}
    page = staff_client.get(url, {**query, "kind__exact": "notice"})
    assert [m.idempotency_key for m in page.context["cl"].result_list] == ["mar-notice"]
    html = page.content.decode()
    # The period's form carries the other filters along.
    assert '<input type="hidden" name="kind__exact" value="notice">' in html
    assert 'value="2026-03-01"' in html
    assert len(staff_client.get(url, query).context["cl"].result_list) == 2


@pytest.mark.django_db
def test_a_bad_period_on_a_list_is_explained_and_filters_nothing(staff_client):
    OutboxMessage.objects.create(to="01012345678", body="b", kind="k", idempotency_key="a")
    url = reverse("admin:sms_outboxmessage_changelist")
    page = staff_client.get(url, {"created_at-start": "2026-03-31", "created_at-end": "2026-03-01"})
    assert page.status_code == 200
    assert "끝일은 시작일과 같거나 그 뒤여야 합니다." in page.content.decode()
    assert len(page.context["cl"].result_list) == 1
    page = staff_client.get(url, {"created_at-start": "3월"})
    assert "2026-03-01처럼" in page.content.decode()


@pytest.mark.django_db
def test_enrollment_list_filters_by_deadline_period(staff_client):
    course = factories.course(videos=0, texts=1)
    today = clock.today()
    near = factories.enroll(factories.partner(), course, deadline=today + dt.timedelta(days=2))
    factories.enroll(factories.partner(), course, deadline=today + dt.timedelta(days=40))
    page = staff_client.get(
        reverse("admin:courses_enrollment_changelist"),
        {"deadline-start": today.isoformat(), "deadline-end": str(today + dt.timedelta(days=7))},
    )
    assert [e.pk for e in page.context["cl"].result_list] == [near.pk]
