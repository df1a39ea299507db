"""The player's progress API (``/api/courses/…``): an ordinary view on the page stack,
answering JSON."""

import datetime as dt

import pytest
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.urls import reverse

from courses.models import Enrollment, LessonProgress
from portal import clock
from tests.courses import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def watching():
    """A partner with a video lesson open, and the URL of its progress reports."""
    partner = factories.partner(name="앨리스")
    enrollment, _, url = factories.video_opened(partner, duration=20)
    return partner, enrollment, url


def test_the_route_keeps_its_address():
    assert reverse("courses_api:progress", args=[1, 2]) == "/api/courses/1/progress/2"


def test_a_report_needs_its_csrf_token(watching):
    partner, _, url = watching
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(partner)
    # The token the lesson page's form carries.
    token = get_token(RequestFactory().get("/"))
    browser.cookies["csrftoken"] = token
    later = clock.now() + dt.timedelta(seconds=10)
    with clock.travel(later):
        assert browser.post(url, {"s": "0-5", "pos": "5"}).status_code == 403
        assert LessonProgress.objects.get().watched == []
        answer = browser.post(url, {"s": "0-5", "pos": "5"}, headers={"X-CSRFToken": token})
    assert answer.status_code == 200
    assert answer.json()["watched"] == 5


def test_a_report_to_a_host_not_allowed_is_a_bad_request(watching, client):
    partner, _, url = watching
    client.force_login(partner)
    answer = client.post(url, {"s": "0-5", "pos": "5"}, headers={"Host": "evil.example"})
    assert answer.status_code == 400
    assert LessonProgress.objects.get().watched == []


def test_answers_carry_the_security_headers(watching, client):
    partner, _, url = watching
    client.force_login(partner)
    answer = client.post(url, {"s": "0-5", "pos": "5"})
    assert answer.status_code == 200
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert answer["Referrer-Policy"] == "same-origin"
    assert answer["X-Frame-Options"] == "DENY"
    assert int(answer["Content-Length"]) == len(answer.content)


def test_an_unknown_api_address_is_a_friendly_404(client):
    answer = client.get("/api/no-such-thing")
    assert answer.status_code == 404
    assert "페이지를 찾을 수 없어요" in answer.content.decode()


def test_a_report_that_completes_the_course_records_the_partner_in_its_history(watching, client):
    partner, enrollment, url = watching
    client.force_login(partner)
    with clock.travel(clock.now() + dt.timedelta(seconds=30)):
        answer = client.post(url, {"s": "0-19", "pos": "19"}).json()
    assert answer["course_completed"] is True
    latest = Enrollment.history.filter(id=enrollment.pk).order_by("history_id").last()
    assert latest.status == "completed"
    assert latest.history_user_id == partner.pk
