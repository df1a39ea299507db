from django.contrib import admin
from django.urls import include, path

from portal import views

admin.site.site_header = "파트너플레이스 관리"
admin.site.site_title = "파트너플레이스 관리"
admin.site.index_title = "업무 메뉴"

urlpatterns = [
    path("", views.home, name="home"),
    # The player's progress reports (JSON answers for the player script).
    path("api/courses/", include("courses.api_urls")),
    # The partner pages called most come before the account pages' unprefixed include,
    # so that resolving them does not try every account page first.
    path("courses/", include("courses.urls")),
    path("", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("membership/", include("membership.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
