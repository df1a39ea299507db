"""Query counts on the partner pages (STYLE.md 7): each query listed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.accounts.conftest import PASSWORD
from tests.support.sessions import session_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def confirmed(client, partner):
    client.post(reverse("account_login"), {"login": partner.phone, "password": PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    return client


def test_login_page(client, django_assert_num_queries, services):
    # 1. the Kakao app from the database (allauth also reads it from settings)
    with django_assert_num_queries(1):
        assert client.get(reverse("account_login")).status_code == 200


def test_login_post(client, partner, django_assert_max_num_queries):
    client.get(reverse("account_login"))
    # user by username; session exists?; insert session; last_login update; session save
    # (+ savepoints around the session writes)
    with django_assert_max_num_queries(10):
        response = client.post(
            reverse("account_login"), {"login": partner.phone, "password": PASSWORD}
        )
    assert response.status_code == 302


def test_home_page_for_a_partner(confirmed, django_assert_num_queries):
    # 1. session (none when cached)  2. user
    with django_assert_num_queries(session_queries() + 1):
        assert confirmed.get(reverse("home")).status_code == 200


def test_member_info_page(confirmed, django_assert_num_queries, services):
    # 1. session (none when cached)  2. user  3. roster entry with company, office and HQ
    # 4. service catalogue  5. the partner's services  6. their access requests
    with django_assert_num_queries(session_queries() + 5):
        page = confirmed.get(reverse("accounts:member_info"))
    assert page.status_code == 200
    assert "정회원" in page.content.decode()
