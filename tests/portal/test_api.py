"""The JSON endpoints' shorter middleware stack (portal/api.py): what it keeps of the
page stack, what it leaves out, and that pages keep the whole stack."""

import datetime as dt

import pytest
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import reverse

from courses.models import Enrollment, LessonProgress
from portal import clock
from portal.api import PREFIX
from tests.courses import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def watching():
    """A partner with a video lesson open, and the URL of its progress reports."""
    partner = factories.partner(name="앨리스")
    enrollment, _, url = factories.video_opened(partner, duration=20)
    return partner, enrollment, url


def test_the_progress_report_is_an_api_route():
    assert reverse("courses_api:progress", args=[1, 2]) == f"{PREFIX}courses/1/progress/2"


def test_api_stack_leaves_out_the_page_middleware():
    left_out = set(settings.MIDDLEWARE) - set(settings.API_MIDDLEWARE)
    assert "django.middleware.locale.LocaleMiddleware" in left_out
    assert "django.contrib.messages.middleware.MessageMiddleware" in left_out
    # Everything it keeps runs for pages too, in the same order.
    pages = [path for path in settings.MIDDLEWARE if path in settings.API_MIDDLEWARE]
    assert pages == settings.API_MIDDLEWARE


def test_a_report_needs_its_csrf_token(watching):
    partner, _, url = watching
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(partner)
    token = _get_new_csrf_string()
    browser.cookies["csrftoken"] = token
    assert browser.post(url, {"s": "0-5", "pos": "5"}).status_code == 403
    assert LessonProgress.objects.get().watched == []
    answer = browser.post(url, {"s": "0-5", "pos": "5"}, headers={"X-CSRFToken": token})
    assert answer.status_code == 200
    assert answer.json()["watched"] == 5


def test_a_report_without_a_session_is_refused(watching):
    _, _, url = watching
    answer = Client().post(url, {"s": "0-5", "pos": "5"})
    assert answer.status_code == 403
    assert answer.json() == {"error": "login"}
    assert LessonProgress.objects.get().watched == []


def test_a_report_to_a_host_not_allowed_is_a_bad_request(watching, client):
    partner, _, url = watching
    client.force_login(partner)
    answer = client.post(url, {"s": "0-5", "pos": "5"}, headers={"Host": "evil.example"})
    assert answer.status_code == 400
    assert LessonProgress.objects.get().watched == []


def test_api_answers_carry_security_headers_and_their_length_but_no_page_headers(watching, client):
    partner, _, url = watching
    client.force_login(partner)
    answer = client.post(url, {"s": "0-5", "pos": "5"})
    assert answer.status_code == 200
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert answer["Referrer-Policy"] == "same-origin"
    assert answer["Cross-Origin-Opener-Policy"] == "same-origin"
    assert answer["X-Frame-Options"] == "DENY"
    assert int(answer["Content-Length"]) == len(answer.content)
    # No language negotiation for an answer without text.
    assert "Content-Language" not in answer
    page = client.get(reverse("courses:dashboard"))
    assert page["Content-Language"] == "ko"


def test_an_unknown_api_address_is_a_friendly_404(client):
    answer = client.get(f"{PREFIX}no-such-thing")
    assert answer.status_code == 404
    assert "페이지를 찾을 수 없어요" in answer.content.decode()
    assert "script-src 'self'" in answer["Content-Security-Policy"]


def test_a_report_that_completes_the_course_records_the_partner_in_its_history(watching, client):
    partner, enrollment, url = watching
    client.force_login(partner)
    with clock.travel(clock.now() + dt.timedelta(seconds=30)):
        answer = client.post(url, {"s": "0-19", "pos": "19"}).json()
    assert answer["course_completed"] is True
    latest = Enrollment.history.filter(id=enrollment.pk).order_by("history_id").last()
    assert latest.status == "completed"
    assert latest.history_user_id == partner.pk


def test_an_api_stack_of_async_only_middleware_is_refused(settings):
    from django.core.exceptions import ImproperlyConfigured

    from portal.api import ApiMiddleware

    settings.API_MIDDLEWARE = ["tests.portal.test_api.async_only"]
    with pytest.raises(ImproperlyConfigured, match="cannot run synchronously"):
        ApiMiddleware(lambda request: None)


def async_only(get_response):
    async def middleware(request):
        return await get_response(request)

    return middleware


async_only.sync_capable = False
async_only.async_capable = True
