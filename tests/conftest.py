"""The harness every test uses: the service rule, real-service fixtures, the browser."""

import os

import pytest

from tests.support import services
from tests.support.browser import CHROMIUM_ARGS, VIEWPORTS

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests in a run whose database is SQLite.

    Locally they skip with the reason. Under CI=true the SQLite pass of .ci/run leaves
    them out (they run in its PostgreSQL pass, where a missing server fails the run).
    """
    if services.database_is_postgres():
        return
    pg_items = [item for item in items if item.get_closest_marker("postgres")]
    if not pg_items:
        return
    reason = "needs PostgreSQL: this run uses SQLite (set DATABASE_URL=postgres://...)"
    if services.in_ci():
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]
        config.hook.pytest_deselected(items=pg_items)
        config._portal_pg_deselected = len(pg_items)
        return
    for item in pg_items:
        item.add_marker(pytest.mark.skip(reason=reason))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    count = getattr(config, "_portal_pg_deselected", 0)
    if count:
        terminalreporter.write_line(
            f"{count} PostgreSQL-only tests left out of this SQLite pass; "
            "they run in the PostgreSQL pass of .ci/run."
        )


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres"):
        services.require(services.database_is_postgres(), "needs PostgreSQL (DATABASE_URL)")
    if item.get_closest_marker("redis") or item.get_closest_marker("celery_worker"):
        services.require(services.redis_reachable(), f"needs Redis at {services.test_redis_url()}")
    if item.get_closest_marker("browser"):
        services.require(
            services.chromium_path() is not None, "needs Chromium at /usr/bin/chromium"
        )


@pytest.fixture(autouse=True)
def _sms_to_memory(settings):
    """Every test starts with the in-memory SMS backend and an empty outbox."""
    settings.SMS_BACKEND = "portal.sms.backends.locmem.LocmemBackend"
    from portal.sms.backends import locmem

    locmem.outbox.clear()
    yield
    locmem.outbox.clear()


@pytest.fixture(autouse=True)
def _ledger_emptied_before_flush(request):
    """A transactional test ends with a flush, which the ledger's guards refuse while
    ledger rows exist: the harness empties the ledger first (tests.support.ledger)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        "transactional_db" in request.fixturenames
    )
    if not transactional:
        yield
        return
    # Set up first, so that its flush comes after this fixture's teardown.
    request.getfixturevalue("transactional_db")
    yield
    from tests.support.ledger import ledger_emptied

    ledger_emptied()


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield


# --- Browser ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    path = services.chromium_path()
    services.require(path is not None, "needs Chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _new_page(browser, viewport: str, javascript: bool = True):
    context = browser.new_context(
        viewport=VIEWPORTS[viewport], locale="ko-KR", java_script_enabled=javascript
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


@pytest.fixture(params=["phone", "desktop"])
def any_page(request, browser):
    """A page at 360×640 and again at 1280×800."""
    context, page = _new_page(browser, request.param)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    context, page = _new_page(browser, "phone")
    yield page
    context.close()


@pytest.fixture
def no_js_page(browser):
    context, page = _new_page(browser, "phone", javascript=False)
    yield page
    context.close()
