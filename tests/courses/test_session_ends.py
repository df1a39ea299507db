"""Every way a partner's session ends, on the dashboard, the lesson page and the
player's progress reports: the pages send the partner to the login page, a report is
answered 403 JSON (the player cannot follow a redirect), and nothing is written.

The pages use Django's own session checks (``AuthenticationMiddleware``,
``login_required``), so these are the checks every other page gets too."""

import datetime as dt
import time

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.services.withdrawal import account_withdraw
from courses.models import Enrollment, LessonProgress
from courses.services.progress import lesson_open
from portal import clock
from tests.accounts.conftest import last_code
from tests.courses import factories

pytestmark = pytest.mark.django_db

PASSWORD = "Blue1234!x"
NEW_PASSWORD = "Venti5678@"


@pytest.fixture
def partner():
    user = factories.partner(name="앨리스", password=PASSWORD)
    factories.organisation(user)  # the roster entry that a password reset checks
    course = factories.course(videos=1, texts=1, duration=300)
    enrollment = factories.enroll(user, course)
    video = course.lessons.get(position=1)
    lesson_open(enrollment=enrollment, lesson=video)
    return user, enrollment, video


@pytest.fixture
def browser(partner):
    """The partner's browser, logged in, with the video lesson playing: one report was
    written."""
    user, enrollment, video = partner
    browser = Client()
    browser.force_login(user)
    url = reverse("courses_api:progress", args=[enrollment.pk, video.pk])
    with clock.travel(clock.now() + dt.timedelta(seconds=10)):
        assert browser.post(url, {"s": "0-5", "pos": "5"}).status_code == 200
    assert browser.get(reverse("courses:dashboard")).status_code == 200
    return browser


def _logout(browser, user):
    # The player still holds the session's key (another tab, a copied cookie).
    player = Client()
    player.cookies["sessionid"] = browser.cookies["sessionid"].value
    assert browser.post(reverse("account_logout")).status_code == 302
    return player


def _password_change_elsewhere(browser, user):
    phone = Client()
    phone.force_login(user)
    changed = phone.post(
        reverse("accounts:password_prompt"),
        {"action": "change", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "next": "/"},
    )
    assert changed.status_code == 302
    assert phone.get(reverse("courses:dashboard")).status_code == 200  # that one goes on
    return browser


def _password_reset(browser, user):
    other = Client()
    other.post(reverse("accounts:password_set"), {"login_id": user.phone})
    other.post(
        reverse("accounts:password_set_identity"), {"birth_date": "19700101", "phone": user.phone}
    )
    other.post(reverse("accounts:password_set_code"), {"action": "send", "name": user.name})
    other.post(
        reverse("accounts:password_set_code"), {"action": "verify", "code": last_code(user.phone)}
    )
    done = other.post(
        reverse("accounts:password_set_new"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert done["Location"] == reverse("account_login")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    return browser


def _withdrawal(browser, user):
    account_withdraw(user=user)
    return browser


def _deactivation(browser, user):
    # Staff untick "active" for the partner.
    user.is_active = False
    user.save(update_fields=["is_active"])
    return browser


def _expiry(browser, user):
    session = browser.session
    session.set_expiry(1)
    session.save()
    time.sleep(1.5)
    return browser


ENDS = {
    "logout": _logout,
    "password change elsewhere": _password_change_elsewhere,
    "password reset": _password_reset,
    "withdrawal": _withdrawal,
    "deactivation": _deactivation,
    "expiry": _expiry,
}


def _written() -> list:
    return [
        list(LessonProgress.objects.order_by("pk").values()),
        list(Enrollment.objects.order_by("pk").values()),
    ]


@pytest.mark.parametrize("end", ENDS)
@pytest.mark.parametrize("page", ["dashboard", "lesson", "progress"])
def test_an_ended_session_is_refused_and_writes_nothing(partner, browser, end, page):
    user, enrollment, video = partner
    player = ENDS[end](browser, user)
    before = _written()
    login = reverse("account_login")
    if page == "dashboard":
        response = player.get(reverse("courses:dashboard"))
        assert response.status_code == 302 and response["Location"].startswith(login)
    elif page == "lesson":
        # The text lesson was never opened: opening it would create its progress row.
        response = player.get(reverse("courses:lesson", args=[enrollment.pk, 2]))
        assert response.status_code == 302 and response["Location"].startswith(login)
    else:
        url = reverse("courses_api:progress", args=[enrollment.pk, video.pk])
        with clock.travel(clock.now() + dt.timedelta(seconds=60)):
            response = player.post(url, {"s": "0-30", "pos": "30"})
        assert response.status_code == 403
        assert response.json() == {"error": "login"}
    assert _written() == before
    assert LessonProgress.objects.get(lesson=video).watched_seconds == 5


def test_a_new_login_after_the_end_is_served_again(partner, browser):
    user, enrollment, video = partner
    _deactivation(browser, user)
    User.objects.filter(pk=user.pk).update(is_active=True)
    browser.force_login(User.objects.get(pk=user.pk))
    url = reverse("courses_api:progress", args=[enrollment.pk, video.pk])
    with clock.travel(clock.now() + dt.timedelta(seconds=60)):
        assert browser.post(url, {"s": "5-30", "pos": "30"}).status_code == 200
    assert browser.get(reverse("courses:dashboard")).status_code == 200
    assert LessonProgress.objects.get(lesson=video).watched_seconds == 30
