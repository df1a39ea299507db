"""Kakao login's own pages: the refusals, each with its next step, and the step where a
partner types what Kakao did not give before the account is linked (accounts.md, "Log in
with Kakao"). The rest of the flow is allauth's, through the adapter."""

from __future__ import annotations

import datetime as dt

from allauth.socialaccount.helpers import complete_social_login
from allauth.socialaccount.models import SocialLogin
from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from accounts.forms import BirthDateField
from accounts.phone import phone_display
from accounts.ratelimits import LIMITED_MESSAGE, rate_allow
from accounts.services.kakao import KakaoProfile, kakao_profile

PENDING_SESSION_KEY = "accounts_kakao_pending"
CONFIRMED_SESSION_KEY = "accounts_kakao_confirmed"


def kakao_login_profile(request: HttpRequest, sociallogin: SocialLogin) -> KakaoProfile:
    """What Kakao gave, with what the partner typed on the confirmation step for this
    same Kakao account."""
    profile = kakao_profile(sociallogin.account.extra_data or {})
    typed = request.session.get(CONFIRMED_SESSION_KEY)
    if not typed or typed.get("uid") != sociallogin.account.uid:
        return profile
    birth_date = dt.date.fromisoformat(typed["birth_date"]) if typed.get("birth_date") else None
    return profile.confirmed(name=typed.get("name", ""), birth_date=birth_date)


def kakao_confirm_ask(request: HttpRequest, sociallogin: SocialLogin, *, missing) -> None:
    """Keep the Kakao login for the confirmation step, which asks for ``missing``."""
    request.session.pop(CONFIRMED_SESSION_KEY, None)
    request.session[PENDING_SESSION_KEY] = {
        "sociallogin": sociallogin.serialize(),
        "missing": list(missing),
    }


def kakao_refused(request: HttpRequest, sociallogin: SocialLogin, outcome) -> HttpResponse:
    """The refusal page for a Kakao account that cannot be linked, saying why and what
    to do next."""
    request.session.pop(PENDING_SESSION_KEY, None)
    request.session.pop(CONFIRMED_SESSION_KEY, None)
    profile = kakao_profile(sociallogin.account.extra_data or {})
    context = {
        "reason": outcome.value,
        "phone": phone_display(profile.phone),
    }
    return render(request, "socialaccount/kakao_refused.html", context)


class KakaoConfirmForm(forms.Form):
    name = forms.CharField(
        label="이름", max_length=50, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    birth_date = BirthDateField(label="생년월일 (양력)")

    def __init__(self, *args, missing: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in missing:
                del self.fields[name]


@never_cache
def kakao_confirm(request: HttpRequest) -> HttpResponse:
    """이름·생년월일 확인: Kakao gave the phone of a partner with an account, but not the
    name or a solar birth date (not agreed to, or a lunar birthday). What the partner
    types is matched as Kakao's own answer would be."""
    pending = request.session.get(PENDING_SESSION_KEY)
    if pending is None:
        messages.info(request, "카카오 로그인을 처음부터 다시 해 주세요.")
        return redirect("account_login")
    sociallogin = SocialLogin.deserialize(pending["sociallogin"])
    profile = kakao_profile(sociallogin.account.extra_data or {})
    form = KakaoConfirmForm(request.POST or None, missing=pending["missing"])
    if request.method == "POST" and form.is_valid():
        if not rate_allow(request, action="kakao_confirm", key=profile.phone):
            form.add_error(None, LIMITED_MESSAGE)
        else:
            del request.session[PENDING_SESSION_KEY]
            birth_date = form.cleaned_data.get("birth_date")
            request.session[CONFIRMED_SESSION_KEY] = {
                "uid": sociallogin.account.uid,
                "name": form.cleaned_data.get("name", ""),
                "birth_date": birth_date.isoformat() if birth_date else "",
            }
            try:
                return complete_social_login(request, sociallogin)
            finally:
                request.session.pop(CONFIRMED_SESSION_KEY, None)
    context = {
        "form": form,
        "phone": phone_display(profile.phone),
        "lunar": profile.lunar_birthday,
        "missing": pending["missing"],
    }
    return render(request, "socialaccount/kakao_confirm.html", context)
