"""The staff home: counts of waiting work, each the size of the list it links to; work
apps first; sign-in machinery only for superusers (portal/admin_site.py, admin_home.py)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import User
from portal import admin_home
from tests.courses import factories
from tests.portal.staff_work import make_staff_work
from tests.support.sessions import session_queries

pytestmark = pytest.mark.django_db

HOME = reverse("admin:index")


def _tasks(page) -> dict[str, tuple[int, str]]:
    return {task.label: (task.count, task.url) for task in page.context["staff_tasks"]}


def test_each_count_is_the_size_of_its_list(client):
    boss = factories.staff()
    expected = make_staff_work(boss)
    client.force_login(boss)
    tasks = _tasks(client.get(HOME))
    assert {label: count for label, (count, _) in tasks.items()} == expected
    for label, (count, url) in tasks.items():
        listed = client.get(url).context["cl"]
        assert listed.result_count == count, label
        # ... and the filter matters: the whole list holds done work of the same kind too.
        whole = client.get(url.partition("?")[0]).context["cl"]
        assert whole.result_count > count, label


def test_home_costs_one_query_per_count(client, django_assert_num_queries):
    boss = factories.staff()
    make_staff_work(boss)
    client.force_login(boss)
    # session (when not cached), user, one count per task, the admin log of "my actions"
    with django_assert_num_queries(session_queries() + 1 + len(admin_home.STAFF_TASKS) + 1):
        assert client.get(HOME).status_code == 200


def test_staff_see_the_counts_they_may_open_and_no_sign_in_settings(client):
    clerk = User.objects.create_user(username="clerk", password="x-Secret-123", is_staff=True)
    clerk.user_permissions.set(
        Permission.objects.filter(
            codename__in=["view_enrollment", "view_accessrequest", "view_emailaddress"]
        )
    )
    client.force_login(clerk)
    page = client.get(HOME)
    assert list(_tasks(page)) == [
        "운행 가능 안내를 기다리는 입문 수료자",
        "검토할 정회원 권한 신청",
    ]
    assert [app["app_label"] for app in page.context["app_list"]] == ["courses", "accounts"]
    assert page.context["settings_apps"] == []
    assert "이메일 주소" not in page.content.decode()
    # Nor in the side menu of other pages, nor by the app's own page.
    assert client.get(reverse("admin:app_list", args=["account"])).status_code == 404


def test_superusers_find_sign_in_settings_last(client):
    boss = factories.staff()
    client.force_login(boss)
    page = client.get(HOME)
    work = [app["app_label"] for app in page.context["app_list"]]
    assert work[:3] == ["courses", "accounts", "sms"]
    assert not {"auth", "account", "socialaccount"} & set(work)
    settings = {app["app_label"] for app in page.context["settings_apps"]}
    assert {"auth", "account", "socialaccount"} <= settings
    html = page.content.decode()
    order = [html.index(f'id="staff-{name}-title"') for name in ("tasks", "menus", "settings")]
    assert order == sorted(order)
