"""The shell every page shares: header menu, home page, error pages, security headers."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.sessions import session_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(django_user_model):
    return django_user_model.objects.create_user(
        username="01012345678", phone="01012345678", name="김기사", password="Blue1234!x"
    )


def test_home_says_what_the_portal_is(client, django_assert_num_queries):
    # An anonymous visitor costs no query: no session cookie, nothing to look up.
    with django_assert_num_queries(0):
        response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>파트너플레이스</h1>" in html
    assert "교육" in html and "1533-0301" in html


def test_member_menu_for_a_visitor_offers_login(client):
    html = client.get("/").content.decode()
    assert 'aria-label="회원 메뉴"' in html
    assert f'href="{reverse("account_login")}">로그인</a>' in html
    assert ">로그아웃</button>" not in html


def test_member_menu_for_a_partner(client, partner, django_assert_num_queries):
    client.force_login(partner)
    # 1 session (none when cached), 2 user
    with django_assert_num_queries(session_queries() + 1):
        html = client.get("/").content.decode()
    assert "회원정보 수정" in html
    assert ">로그아웃</button>" in html
    assert ">로그인</a>" not in html
    assert "김기사 님" in html


def test_unknown_page_is_friendly_and_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "페이지를 찾을 수 없어요" in response.content.decode()


def test_server_error_page_is_friendly(settings):
    from portal.views import server_error

    response = server_error(None)
    assert response.status_code == 500
    assert "잠시 문제가 생겼어요" in response.content.decode()
    assert settings.GUIDE_CENTRE_PHONE in response.content.decode()


def test_csp_forbids_inline_script(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_pages_carry_no_inline_script_or_style(client, partner):
    for c in (client, Client()):
        if c is client:
            c.force_login(partner)
        html = c.get("/").content.decode()
        assert "<script>" not in html and "<script " not in html.replace("<script src=", "")
        assert " style=" not in html
        assert " onclick=" not in html


def test_security_headers(client):
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_healthz(client):
    assert client.get("/healthz").content == b"ok"


def test_logout_needs_post_and_csrf(partner):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(partner)
    response = csrf_client.post(reverse("account_logout"))
    assert response.status_code == 403


def test_json_answers_carry_the_closed_data_policy_and_pages_the_configured_one(client):
    """A progress report's answer (also an error) closes everything; pages keep the
    configured policy."""
    from courses.models import Enrollment
    from portal.csp import DATA_POLICY
    from tests.courses import factories

    partner = factories.partner(name="앨리스")
    course = factories.course(videos=1, texts=0)
    enrollment: Enrollment = factories.enroll(partner, course)
    client.force_login(partner)
    assert client.get(reverse("courses:lesson", args=[enrollment.pk, 1])).status_code == 200
    url = reverse("courses_api:progress", args=[enrollment.pk, course.lessons.get().pk])
    answers = [client.post(url, {"s": "0-1", "pos": "1"}), client.post(url, {"s": "9-3"})]
    assert [answer.status_code for answer in answers] == [200, 400]
    for answer in answers:
        assert answer["Content-Type"] == "application/json"
        assert answer["Content-Security-Policy"] == DATA_POLICY
        assert answer["X-Content-Type-Options"] == "nosniff"
        assert answer["X-Frame-Options"] == "DENY"
    page = client.get(reverse("courses:dashboard"))
    assert "script-src 'self'" in page["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("when", "shown"),
    [
        ((2026, 11, 23, 10, 0), "지금 상담 가능"),  # Monday
        ((2026, 11, 22, 10, 0), "지금은 상담 시간이 아니에요"),  # Sunday
        ((2026, 10, 9, 10, 0), "지금은 상담 시간이 아니에요"),  # 한글날
    ],
)
def test_footer_says_whether_the_guide_centre_is_open_now(client, when, shown):
    from portal import clock

    with clock.travel(clock.aware(dt.datetime(*when))):
        footer = client.get("/").content.decode().split('<footer class="site-footer">')[1]
    assert shown in footer
    assert f'href="{reverse("accounts:join_index")}">파트너 가입</a>' in footer
    assert f'href="{reverse("accounts:guide_centre")}">상담 안내</a>' in footer


def test_partner_join_is_linked_from_home_menu_login_and_signup(client):
    join = f'href="{reverse("accounts:join_index")}">파트너 가입</a>'
    home = client.get("/").content.decode()
    main = home.split('<main id="main"')[1].split("</main>")[0]
    menu = home.split('<nav class="member-menu__panel" aria-label="회원 메뉴">')[1].split("</nav>")[
        0
    ]
    assert join in main and join in menu
    for name in ("account_login", "account_signup"):
        page = client.get(reverse(name)).content.decode()
        assert join in page.split('<main id="main"')[1].split("</main>")[0], name
