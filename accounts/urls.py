from django.urls import path

from accounts.views import help as help_views
from accounts.views import kakao, member, password_set, signup

app_name = "accounts"

urlpatterns = [
    path("accounts/signup/code/", signup.signup_code, name="signup_code"),
    path("accounts/kakao/confirm/", kakao.kakao_confirm, name="kakao_confirm"),
    path("accounts/password/setup/", password_set.step_id, name="password_set"),
    path(
        "accounts/password/setup/identity/",
        password_set.step_identity,
        name="password_set_identity",
    ),
    path("accounts/password/setup/code/", password_set.step_code, name="password_set_code"),
    path("accounts/password/setup/new/", password_set.step_new, name="password_set_new"),
    path("accounts/password/old/", member.password_prompt, name="password_prompt"),
    path("accounts/member/", member.member_info, name="member_info"),
    path("accounts/member/confirm/", member.reauth_sms, name="reauth_sms"),
    path("accounts/member/phone/", member.phone_change, name="phone_change"),
    path("accounts/member/services/", member.access_request, name="access_request"),
    path("accounts/member/withdraw/", member.withdraw_notice, name="withdraw_notice"),
    path("accounts/member/withdraw/confirm/", member.withdraw_confirm, name="withdraw_confirm"),
    path("accounts/withdrawn/", member.withdraw_done, name="withdraw_done"),
    path("join/", help_views.join_index, name="join_index"),
    path("join/<slug:code>/", help_views.join_service, name="join_service"),
    path("help/centre/", help_views.guide_centre, name="guide_centre"),
]
