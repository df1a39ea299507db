"""회원정보 (member info) behind a password check, and withdrawal.

accounts.md, "Member info" and "Withdrawal"; seed 000 Q7 and Q8 (`회원정보 수정` →
비밀번호 확인 → the gray underlined `회원탈퇴` above the blue `수정`).
"""

from __future__ import annotations

import time
from functools import wraps
from urllib.parse import urlencode

from allauth.account.internal.flows.reauthentication import did_recently_reauthenticate
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.adapters import KAKAO_REAUTH_SESSION_KEY
from accounts.forms import (
    AccessRequestForm,
    NewPasswordForm,
    PhoneChangeForm,
    SmsCodeForm,
)
from accounts.models import CodePurpose, Service
from accounts.phone import phone_display
from accounts.ratelimits import LIMITED_MESSAGE, rate_allow
from accounts.selectors import member_roster_entry, member_services
from accounts.services.access import AccessRequestRefused, access_request_create
from accounts.services.codes import CodeError, code_check, code_issue
from accounts.services.passwords import password_prompt_postpone, password_set
from accounts.services.profile import PhoneChangeRefused, account_phone_change
from accounts.services.withdrawal import (
    WithdrawalBlocked,
    account_withdraw,
    withdrawal_blocker,
)

SMS_REAUTH_KEY = "accounts_sms_reauth_at"
PHONE_CHANGE_KEY = "accounts_phone_change"


def _recently_confirmed(request: HttpRequest) -> bool:
    if request.user.has_usable_password():
        return did_recently_reauthenticate(request)
    at = max(
        float(request.session.get(SMS_REAUTH_KEY) or 0),
        float(request.session.get(KAKAO_REAUTH_SESSION_KEY) or 0),
    )
    return time.time() - at < settings.ACCOUNT_REAUTHENTICATION_TIMEOUT


def member_confirmed(view):
    """Ask for the password again first (Kakao-only partners: Kakao or an SMS code)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not _recently_confirmed(request):
            query = urlencode({"next": request.get_full_path()})
            if request.user.has_usable_password():
                return redirect(reverse("account_reauthenticate") + "?" + query)
            return redirect(reverse("accounts:reauth_sms") + "?" + query)
        return view(request, *args, **kwargs)

    return wrapper


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path on this site: a bare word would be taken by redirect() for a view name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def reauth_sms(request: HttpRequest) -> HttpResponse:
    """본인 확인 for partners who log in with Kakao only: Kakao again, or an SMS code."""
    user = request.user
    form = SmsCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and user.phone:
        if request.POST.get("action") == "send":
            if rate_allow(request, action="sms_code", key=user.phone):
                code_issue(phone=user.phone, purpose=CodePurpose.REAUTH, user=user)
                messages.info(request, "인증번호 6자리를 문자로 보냈어요. 3분 안에 입력해 주세요.")
            else:
                messages.error(request, LIMITED_MESSAGE)
            return redirect(
                reverse("accounts:reauth_sms") + "?" + urlencode({"next": _next(request, "")})
            )
        if not rate_allow(request, action="sms_code_check"):
            form.add_error("code", LIMITED_MESSAGE)
        else:
            try:
                code_check(
                    phone=user.phone,
                    purpose=CodePurpose.REAUTH,
                    code=form.cleaned_data.get("code") or "",
                )
            except CodeError as error:
                form.add_error("code", error.message)
            else:
                request.session[SMS_REAUTH_KEY] = time.time()
                return redirect(_next(request, reverse("accounts:member_info")))
    context = {"form": form, "next": _next(request, ""), "phone": phone_display(user.phone or "")}
    return render(request, "accounts/reauth_sms.html", context)


@never_cache
@member_confirmed
@require_http_methods(["GET", "POST"])
def member_info(request: HttpRequest) -> HttpResponse:
    """The member-info form: profile, services with 정회원 badges, 회원탈퇴, 수정."""
    user = request.user
    form = NewPasswordForm(request.POST or None, user=user)
    if request.method == "POST":
        wants_change = any(request.POST.get(k) for k in ("password1", "password2"))
        if not wants_change:
            messages.info(request, "바뀐 내용이 없어요.")
            return redirect("accounts:member_info")
        if form.is_valid():
            password_set(user=user, password=form.cleaned_data["password1"])
            update_session_auth_hash(request, user)
            messages.success(request, "비밀번호를 바꿨어요. 다른 기기의 로그인은 모두 끝났어요.")
            return redirect("accounts:member_info")
    context = {
        "form": form,
        "entry": member_roster_entry(user=user),
        "services": member_services(user=user),
        "phone": phone_display(user.phone or ""),
    }
    return render(request, "accounts/member_info.html", context)


@never_cache
@member_confirmed
@require_http_methods(["GET", "POST"])
def phone_change(request: HttpRequest) -> HttpResponse:
    """휴대폰 번호 변경: a code goes to the new number; the ID changes with it."""
    user = request.user
    form = PhoneChangeForm(
        request.POST or None, initial={"new_phone": request.session.get(PHONE_CHANGE_KEY, "")}
    )
    if request.method == "POST" and form.is_valid():
        new_phone = form.cleaned_data["new_phone"]
        request.session[PHONE_CHANGE_KEY] = new_phone
        if new_phone == user.phone:
            form.add_error("new_phone", "지금 쓰는 번호와 같아요. 새 번호를 입력해 주세요.")
        elif request.POST.get("action") == "send":
            if rate_allow(request, action="sms_code", key=new_phone):
                code_issue(phone=new_phone, purpose=CodePurpose.PHONE_CHANGE, user=user)
                messages.info(
                    request, "새 번호로 인증번호 6자리를 보냈어요. 3분 안에 입력해 주세요."
                )
                return redirect("accounts:phone_change")
            form.add_error(None, LIMITED_MESSAGE)
        elif not rate_allow(request, action="sms_code_check"):
            form.add_error("code", LIMITED_MESSAGE)
        else:
            try:
                row = code_check(
                    phone=new_phone,
                    purpose=CodePurpose.PHONE_CHANGE,
                    code=form.cleaned_data.get("code") or "",
                    consume=False,
                )
                account_phone_change(user=user, new_phone=new_phone, code_id=row.pk)
            except CodeError as error:
                form.add_error("code", error.message)
            except PhoneChangeRefused as refused:
                form.add_error("new_phone", refused.message)
            else:
                request.session.pop(PHONE_CHANGE_KEY, None)
                messages.success(
                    request,
                    "휴대폰 번호(아이디)를 바꿨어요. 다음 로그인부터 새 번호로 로그인하세요.",
                )
                return redirect("accounts:member_info")
    return render(request, "accounts/phone_change.html", {"form": form})


@never_cache
@member_confirmed
@require_http_methods(["GET", "POST"])
def access_request(request: HttpRequest) -> HttpResponse:
    """서비스 권한 신청: service and reason, reviewed by staff."""
    user = request.user
    badges = member_services(user=user)
    open_ids = [b.service.id for b in badges if not b.member and not b.pending]
    services = Service.objects.filter(id__in=open_ids)
    initial = (
        {"service": request.GET.get("service")} if request.GET.get("service", "").isdigit() else {}
    )
    form = AccessRequestForm(request.POST or None, services=services, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            access_request_create(
                user=user, service=form.cleaned_data["service"], reason=form.cleaned_data["reason"]
            )
        except AccessRequestRefused as refused:
            form.add_error("service", refused.message)
        else:
            messages.success(request, "신청했어요. 담당 부서에서 확인한 뒤 문자로 알려 드려요.")
            return redirect("accounts:member_info")
    return render(request, "accounts/access_request.html", {"form": form})


@never_cache
@member_confirmed
def withdraw_notice(request: HttpRequest) -> HttpResponse:
    """회원탈퇴 유의사항: what will happen, before the final confirmation."""
    blocked = withdrawal_blocker(user=request.user)
    context = {"blocked": WithdrawalBlocked(blocked).message if blocked else ""}
    return render(request, "accounts/withdraw_notice.html", context)


@never_cache
@member_confirmed
@require_http_methods(["GET", "POST"])
def withdraw_confirm(request: HttpRequest) -> HttpResponse:
    """The final confirmation; on 탈퇴하기 the account is withdrawn at once."""
    if request.method == "POST":
        try:
            account_withdraw(user=request.user)
        except WithdrawalBlocked as blocked:
            messages.error(request, blocked.message)
            return redirect("accounts:withdraw_notice")
        logout(request)
        return redirect("accounts:withdraw_done")
    return render(request, "accounts/withdraw_confirm.html")


def withdraw_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/withdraw_done.html")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def password_prompt(request: HttpRequest) -> HttpResponse:
    """The 180-day prompt right after login: change now, or 다음에 변경하기."""
    user = request.user
    target = _next(request, reverse("home"))
    form = NewPasswordForm(request.POST or None, user=user)
    if request.method == "POST":
        if request.POST.get("action") == "later":
            password_prompt_postpone(user=user)
            return redirect(target)
        if form.is_valid():
            password_set(user=user, password=form.cleaned_data["password1"])
            update_session_auth_hash(request, user)
            messages.success(request, "비밀번호를 바꿨어요.")
            return redirect(target)
    return render(request, "accounts/password_prompt.html", {"form": form, "next": target})
