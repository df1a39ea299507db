"""The partner's read-only membership page (login required), its query count, and an
axe-clean render at 360×640 and 1280×800."""

import pytest
from django.urls import reverse

from membership.services.joining import subscription_join
from membership.services.lifecycle import subscription_terminate
from portal import clock
from tests.membership.conftest import seoul
from tests.support.browser import assert_accessible, assert_no_horizontal_scroll
from tests.support.sessions import session_queries


@pytest.fixture
def history_partner(make_partner):
    partner = make_partner(phone="01055556666")
    with clock.travel(seoul("2024-06-03T10:00")):
        subscription_join(user=partner, method="kakaopay_card")
    with clock.travel(seoul("2024-06-04T10:00")):
        subscription_terminate(user=partner, ticket="CS-1")
    with clock.travel(seoul("2024-08-01T10:00")):
        subscription_join(user=partner, method="phone")
    with clock.travel(seoul("2024-08-05T15:00")):
        subscription_terminate(user=partner, ticket="CS-2")
    return partner


@pytest.mark.django_db
def test_login_required(client):
    response = client.get(reverse("membership:history"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.django_db
def test_history_shows_periods_charges_refunds_points_and_the_end_notice(
    client, history_partner, django_assert_num_queries
):
    client.force_login(history_partner)
    # session (none when cached), user, subscriptions, attempts, paid periods, refunds,
    # point entries
    with django_assert_num_queries(session_queries() + 6):
        response = client.get(reverse("membership:history"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "프로멤버십 서비스가 끝났습니다" in html
    assert "2024년 8월 1일 ~ 2024년 8월 31일" in html
    assert "30,759원" in html  # the termination refund as points
    assert "69,759원" in html  # points: payback 39,000 + refund 30,759
    assert "즉시 해지 환불" in html


@pytest.mark.django_db
def test_history_of_someone_without_membership(client, make_partner):
    client.force_login(make_partner())
    html = client.get(reverse("membership:history")).content.decode()
    assert "프로멤버십 이용 기록이 없습니다" in html


@pytest.mark.django_db
def test_query_count_does_not_grow_with_history(client, history_partner, django_assert_num_queries):
    with clock.travel(seoul("2024-09-01T10:00")):
        subscription_join(user=history_partner, method="phone")
    client.force_login(history_partner)
    with django_assert_num_queries(session_queries() + 6):
        client.get(reverse("membership:history"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_history_page_is_accessible(live_server, any_page, history_partner, client):
    client.force_login(history_partner)
    cookie = client.cookies["sessionid"]
    any_page.context.add_cookies(
        [{"name": "sessionid", "value": cookie.value, "url": live_server.url}]
    )
    any_page.goto(f"{live_server.url}{reverse('membership:history')}")
    assert any_page.get_by_role("heading", name="프로멤버십 이용 내역").is_visible()
    assert_accessible(any_page)
    assert_no_horizontal_scroll(any_page)


@pytest.mark.django_db
def test_member_menu_links_general_drivers_to_the_page(client, make_partner):
    client.force_login(make_partner(phone="01077778888"))
    html = client.get(reverse("membership:history")).content.decode()
    assert f'href="{reverse("membership:history")}"' in html
    client.force_login(make_partner(driver_type="franchise", phone="01077778889"))
    html = client.get(reverse("home")).content.decode()
    assert "프로멤버십 이용 내역" not in html
