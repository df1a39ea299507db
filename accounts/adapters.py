"""allauth customised through its adapters (platform.md: do not copy its views)."""

from __future__ import annotations

import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib import messages
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse

from accounts.models import User
from accounts.phone import normalize_phone
from accounts.services.kakao import KakaoOutcome, kakao_match
from accounts.services.passwords import password_prompt_due
from accounts.views.kakao import kakao_confirm_ask, kakao_login_profile, kakao_refused
from portal.client_ip import client_ip

PASSWORD_SET_SESSION_KEY = "accounts_password_set"  # noqa: S105 (a session key)
KAKAO_REAUTH_SESSION_KEY = "accounts_kakao_reauth_at"


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": (
            "아이디(휴대폰 번호) 또는 비밀번호가 맞지 않아요. 다시 입력하거나, "
            "비밀번호가 기억나지 않으면 아래 '비밀번호 설정'을 눌러 주세요."
        ),
        "too_many_login_attempts": (
            "로그인을 너무 많이 시도했어요. 5분 뒤에 다시 하거나 '비밀번호 설정'으로 "
            "비밀번호를 새로 정해 주세요."
        ),
        "password_mismatch": "비밀번호가 맞지 않아요. 다시 입력해 주세요.",
        "incorrect_password": (
            "비밀번호가 맞지 않아요. 다시 입력하거나, 기억나지 않으면 로그아웃한 뒤 "
            "'비밀번호 설정'으로 새로 정해 주세요."
        ),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True

    def get_client_ip(self, request: HttpRequest) -> str:
        # Every per-IP limit of allauth (and of the portal, through allauth's limiter).
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def login(self, request: HttpRequest, user) -> None:
        # Logging in only stamps last_login: not a change worth a history row.
        user.skip_history_when_saving = True
        try:
            super().login(request, user)
        finally:
            del user.skip_history_when_saving

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        url = super().get_login_redirect_url(request)
        if password_prompt_due(user=request.user):
            return reverse("accounts:password_prompt") + "?next=" + url
        return url

    def authentication_failed(self, request: HttpRequest, **credentials) -> None:
        """A pre-provisioned ID without a password goes into 비밀번호 설정.

        accounts.md, "Pre-provisioned accounts": a login attempt with such an ID leads
        into the set-up flow instead of a bare "wrong password". The attempt has already
        counted against the login rate limit.
        """
        login_id = credentials.get("username") or ""
        try:
            phone = normalize_phone(login_id)
        except Exception:
            return
        # Django marks an unusable password with a leading "!".
        waiting = User.objects.filter(
            phone=phone, is_active=True, password__startswith=UNUSABLE_PASSWORD_PREFIX
        ).exists()
        if waiting:
            request.session[PASSWORD_SET_SESSION_KEY] = {"id": phone}
            messages.info(
                request,
                "처음 로그인하시는군요. 비밀번호를 먼저 설정해 주세요. "
                "아이디를 확인하고 '아이디 확인'을 누르세요.",
            )
            raise ImmediateHttpResponse(redirect("accounts:password_set"))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request: HttpRequest, sociallogin) -> None:
        """Outcomes 2–4 of accounts.md, "Log in with Kakao" (1 is allauth's own).

        With ``process=redirect`` a logged-in partner re-authenticates with Kakao
        (member info, withdrawal): only their own linked Kakao account counts, and
        nothing is linked or logged in.
        """
        if sociallogin.state.get("process") == "redirect":
            user = request.user
            if sociallogin.is_existing and user.is_authenticated and sociallogin.user == user:
                request.session[KAKAO_REAUTH_SESSION_KEY] = time.time()
                return
            messages.error(request, "로그인한 회원의 카카오 계정이 아니에요. 다시 확인해 주세요.")
            raise ImmediateHttpResponse(redirect("accounts:reauth_sms"))
        if sociallogin.is_existing:
            return
        match = kakao_match(profile=kakao_login_profile(request, sociallogin))
        if match.outcome is KakaoOutcome.LINK:
            sociallogin.connect(request, match.user)
            return
        if match.outcome is KakaoOutcome.SIGNUP:
            return
        if match.outcome is KakaoOutcome.CONFIRM:
            kakao_confirm_ask(request, sociallogin, missing=match.missing)
            raise ImmediateHttpResponse(redirect("accounts:kakao_confirm"))
        raise ImmediateHttpResponse(kakao_refused(request, sociallogin, match.outcome))

    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        match = kakao_match(profile=kakao_login_profile(request, sociallogin))
        return match.outcome is KakaoOutcome.SIGNUP

    def populate_user(self, request: HttpRequest, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.username = ""
        user.email = ""
        return user
