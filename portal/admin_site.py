"""The staff admin site: a home built around today's tasks (docs/admin.md, "Staff home
and reports").

The home shows the task counts of :mod:`portal.admin_home` first, then the work apps
(education and roster first), then a 설정 section with allauth's e-mail addresses,
social accounts, apps and tokens and Django's groups, which only superusers see.
"""

from django.contrib import admin

from portal import admin_home

# Work apps in the order staff meet them; apps not named here follow, by name.
APP_ORDER = ("courses", "accounts", "sms", "portal", "membership")
# Sign-in machinery, not daily work: a 설정 section, for superusers only.
SETTINGS_APPS = frozenset({"auth", "account", "socialaccount", "sites"})


class PortalAdminSite(admin.AdminSite):
    site_header = "파트너플레이스 관리"
    site_title = "파트너플레이스 관리"
    index_title = "업무 메뉴"
    index_template = "admin/portal/index.html"

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        if not request.user.is_superuser:
            apps = [app for app in apps if app["app_label"] not in SETTINGS_APPS]
        rank = {label: position for position, label in enumerate(APP_ORDER)}
        apps.sort(
            key=lambda app: (
                app["app_label"] in SETTINGS_APPS,
                rank.get(app["app_label"], len(rank)),
                app["name"],
            )
        )
        return apps

    def index(self, request, extra_context=None):
        apps = self.get_app_list(request)
        context = {
            "staff_tasks": admin_home.staff_tasks(request),
            "staff_shortcuts": admin_home.staff_shortcuts(request),
            "app_list": [app for app in apps if app["app_label"] not in SETTINGS_APPS],
            "settings_apps": [app for app in apps if app["app_label"] in SETTINGS_APPS],
            **(extra_context or {}),
        }
        return super().index(request, extra_context=context)
