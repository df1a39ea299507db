"""The home page and the header menu in a real browser, with and without JavaScript."""

import pytest

from tests.support.browser import assert_accessible, assert_no_horizontal_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_is_accessible(any_page, live_server):
    any_page.goto(live_server.url + "/")
    assert any_page.get_by_role("heading", level=1).inner_text() == "파트너플레이스"
    assert_accessible(any_page)
    assert_no_horizontal_scroll(any_page)
    any_page.get_by_label("회원 메뉴").first.click()
    assert any_page.get_by_role("link", name="로그인", exact=True).first.is_visible()
    assert_accessible(any_page)


def test_home_has_no_horizontal_scroll_at_320(browser, live_server):
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="ko-KR")
    page = context.new_page()
    page.goto(live_server.url + "/")
    assert_no_horizontal_scroll(page)
    context.close()


def test_member_menu_works_without_javascript(no_js_page, live_server):
    no_js_page.goto(live_server.url + "/")
    menu_login = no_js_page.locator("nav[aria-label='회원 메뉴']").get_by_role(
        "link", name="로그인"
    )
    assert not menu_login.is_visible()
    no_js_page.locator("summary[aria-label='회원 메뉴']").click()
    assert menu_login.is_visible()
    menu_login.click()
    no_js_page.wait_for_url("**/accounts/login/**")


def test_member_menu_closes_with_escape(phone_page, live_server):
    phone_page.goto(live_server.url + "/")
    summary = phone_page.locator("summary[aria-label='회원 메뉴']")
    summary.click()
    assert phone_page.locator("details[data-member-menu]").get_attribute("open") is not None
    phone_page.keyboard.press("Escape")
    assert phone_page.locator("details[data-member-menu]").get_attribute("open") is None


def _lands_on(page, heading: str) -> None:
    page.get_by_role("heading", name=heading, level=1).wait_for()
    assert_accessible(page)


def test_partner_join_from_the_home_page(any_page, live_server):
    # Seed 000 Q2: "파트너 플레이스 내 [파트너 가입] 카테고리".
    any_page.goto(live_server.url + "/")
    any_page.locator("main").get_by_role("link", name="파트너 가입", exact=True).click()
    _lands_on(any_page, "파트너 가입")


def test_partner_join_from_the_member_menu(any_page, live_server):
    any_page.goto(live_server.url + "/")
    any_page.locator("summary[aria-label='회원 메뉴']").click()
    menu = any_page.get_by_role("navigation", name="회원 메뉴")
    menu.get_by_role("link", name="파트너 가입", exact=True).click()
    _lands_on(any_page, "파트너 가입")


def test_partner_join_and_the_guide_centre_from_the_footer(any_page, live_server):
    any_page.goto(live_server.url + "/accounts/login/")
    footer = any_page.locator("footer")
    assert "상담" in footer.locator(".footer-status").inner_text()
    footer.get_by_role("link", name="파트너 가입", exact=True).click()
    _lands_on(any_page, "파트너 가입")
    any_page.locator("footer").get_by_role("link", name="상담 안내", exact=True).click()
    _lands_on(any_page, "고객 상담 안내")
    # The footer and the page say the same about now: one rule (accounts.selectors).
    status = any_page.locator(".centre__status strong").inner_text()
    assert any_page.locator("footer .footer-status strong").inner_text() == status
