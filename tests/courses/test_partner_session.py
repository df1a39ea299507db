"""The busy partner pages read a known session's row with their data
(courses.partner_session): that row decides, so logging out, expiry, a password change
or a withdrawal elsewhere ends the session there at once."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts.models import User
from courses.models import LessonProgress
from portal import clock
from tests.courses import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def video(alice):
    _, lesson, url = factories.video_opened(alice, duration=300)
    return url, lesson


def _known(client, url, seconds=10):
    """Visit both pages once, so that this process knows the session's user."""
    assert client.get(reverse("courses:dashboard")).status_code == 200
    with clock.travel(clock.now() + dt.timedelta(seconds=seconds)):
        assert client.post(url, {"s": "0-1", "pos": "1"}).status_code == 200


def _refused(browser, url, lesson, *, seconds=60):
    dashboard = browser.get(reverse("courses:dashboard"))
    assert dashboard.status_code == 302 and "/accounts/login/" in dashboard["Location"]
    with clock.travel(clock.now() + dt.timedelta(seconds=seconds)):
        report = browser.post(url, {"s": "0-30", "pos": "30"})
    assert report.status_code == 403 and report.json() == {"error": "login"}
    assert LessonProgress.objects.get(lesson=lesson).watched_seconds == 1


def test_logging_out_elsewhere_ends_the_known_session(client, alice, video):
    url, lesson = video
    _known(client, url)
    # The same cookie in a second browser (a copied cookie, a tab kept open).
    copy = Client()
    copy.cookies["sessionid"] = client.cookies["sessionid"].value
    assert copy.get(reverse("courses:dashboard")).status_code == 200
    client.post(reverse("account_logout"))
    _refused(copy, url, lesson)


def test_an_expired_session_is_refused(client, alice, video):
    url, lesson = video
    _known(client, url)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=clock.now() - dt.timedelta(seconds=1)
    )
    _refused(client, url, lesson)


def test_a_password_change_ends_the_known_session(client, alice, video):
    url, lesson = video
    _known(client, url)
    alice.set_password("Another-pass1!")
    alice.save()
    _refused(client, url, lesson)
    assert "_auth_user_id" not in client.session


def test_a_withdrawal_ends_the_known_session(client, alice, video):
    url, lesson = video
    _known(client, url)
    User.objects.filter(pk=alice.pk).update(is_active=False)
    _refused(client, url, lesson)


def test_a_session_changed_since_is_read_as_it_is_now(client, alice, video):
    url, lesson = video
    _known(client, url)
    session = client.session
    del session["_auth_user_hash"]
    session.save()
    _refused(client, url, lesson)


def test_a_known_session_still_reaches_only_its_own_attempts(client, alice, video):
    url, _ = video
    _known(client, url)
    bob = factories.partner(name="밥")
    theirs, their_lesson, other = factories.video_opened(bob, duration=300)
    with clock.travel(clock.now() + dt.timedelta(seconds=60)):
        assert client.post(other, {"s": "0-30", "pos": "30"}).status_code == 404
    assert LessonProgress.objects.get(lesson=their_lesson).watched == []
    page = client.get(reverse("courses:dashboard")).content.decode()
    assert reverse("courses:enrollment", args=[theirs.pk]) not in page


def test_a_new_login_is_a_new_session(alice, video):
    url, lesson = video
    first = Client()
    first.force_login(alice)
    _known(first, url)
    key = first.session.session_key
    first.post(reverse("account_logout"))
    second = Client()
    second.force_login(alice)
    assert second.session.session_key != key
    assert second.get(reverse("courses:dashboard")).status_code == 200
    stale = Client()
    stale.cookies["sessionid"] = key
    _refused(stale, url, lesson)


def test_unchanged_rows_are_accepted_without_checking_again(client, alice, video, monkeypatch):
    from django.contrib.sessions.backends.base import SessionBase

    url, _ = video
    _known(client, url)
    assert client.get(reverse("courses:dashboard")).status_code == 200
    calls = {"decode": 0, "hash": 0}
    decode, auth_hash = SessionBase.decode, User.get_session_auth_hash

    def counting_decode(self, data):
        calls["decode"] += 1
        return decode(self, data)

    def counting_hash(self):
        calls["hash"] += 1
        return auth_hash(self)

    monkeypatch.setattr(SessionBase, "decode", counting_decode)
    monkeypatch.setattr(User, "get_session_auth_hash", counting_hash)
    for seconds in (20, 30):
        assert client.get(reverse("courses:dashboard")).status_code == 200
        with clock.travel(clock.now() + dt.timedelta(seconds=seconds)):
            assert client.post(url, {"s": "0-2", "pos": "2"}).status_code == 200
    assert calls == {"decode": 0, "hash": 0}
    # A write of the session (here a value of its own) makes its row differ: read anew.
    session = client.session
    session["seen"] = True
    session.save()
    calls.update(decode=0, hash=0)
    assert client.get(reverse("courses:dashboard")).status_code == 200
    assert calls == {"decode": 1, "hash": 1}
    assert client.get(reverse("courses:dashboard")).status_code == 200
    assert calls == {"decode": 1, "hash": 1}
