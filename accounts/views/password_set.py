"""비밀번호 설정: the first-login set-up and the reset, one flow of four steps.

accounts.md, "Pre-provisioned accounts and first login" and "Password reset"; the
steps and button labels follow seed 001 Q2 word for word (`아이디 확인`,
`비밀번호 설정`, `인증요청`, `확인`, `변경`). No step reveals whether an ID exists:
the code goes out only when ID, birth date, phone and name all match, and every
answer reads the same either way.
"""

from __future__ import annotations

import time

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.adapters import PASSWORD_SET_SESSION_KEY as STATE_KEY
from accounts.forms import (
    LOGIN_PREFILL_SESSION_KEY,
    NewPasswordForm,
    PasswordSetIdentityForm,
    PasswordSetIdForm,
    PasswordSetNameForm,
    SmsCodeForm,
)
from accounts.models import CodePurpose, User
from accounts.phone import phone_display
from accounts.ratelimits import LIMITED_MESSAGE, rate_allow
from accounts.services.codes import CodeError, code_check, code_issue
from accounts.services.passwords import password_set

VERIFIED_FOR_SECONDS = 600
SENT_MESSAGE = (
    "입력하신 정보가 맞으면 인증번호 6자리를 문자로 보냈어요. 3분 안에 아래 칸에 입력하고 "
    "'확인'을 눌러 주세요."
)


def _state(request: HttpRequest) -> dict:
    return dict(request.session.get(STATE_KEY) or {})


def _save(request: HttpRequest, state: dict) -> None:
    request.session[STATE_KEY] = state


def _same_name(a: str, b: str) -> bool:
    return a.replace(" ", "") == b.replace(" ", "")


def _matching_user(state: dict, name: str) -> User | None:
    """The account the four answers describe, or None (never told to the visitor)."""
    if state.get("phone") != state.get("id"):
        return None
    user = User.objects.filter(phone=state.get("id"), is_active=True).first()
    if user is None or user.birth_date is None:
        return None
    if user.birth_date.isoformat() != state.get("birth") or not _same_name(user.name, name):
        return None
    return user


@never_cache
@require_http_methods(["GET", "POST"])
def step_id(request: HttpRequest) -> HttpResponse:
    """Step 1: ID (11 digits) → 아이디 확인."""
    state = _state(request)
    if request.method == "POST":
        if not rate_allow(request, action="password_set_step"):
            messages.error(request, LIMITED_MESSAGE)
            return redirect("accounts:password_set")
        form = PasswordSetIdForm(request.POST)
        if form.is_valid():
            _save(request, {"id": form.cleaned_data["login_id"]})
            return redirect("accounts:password_set_identity")
    else:
        form = PasswordSetIdForm(initial={"login_id": state.get("id", "")})
    return render(request, "accounts/password_set/step_id.html", {"form": form, "step": 1})


@never_cache
@require_http_methods(["GET", "POST"])
def step_identity(request: HttpRequest) -> HttpResponse:
    """Step 2: birth date and phone → 비밀번호 설정."""
    state = _state(request)
    if not state.get("id"):
        return redirect("accounts:password_set")
    if request.method == "POST":
        form = PasswordSetIdentityForm(request.POST)
        if form.is_valid():
            if form.cleaned_data["phone"] != state["id"]:
                form.add_error("phone", "아이디와 같은 휴대폰 번호 11자리를 다시 입력해 주세요.")
            else:
                state.update(
                    birth=form.cleaned_data["birth_date"].isoformat(),
                    phone=form.cleaned_data["phone"],
                )
                state.pop("verified_user", None)
                _save(request, state)
                return redirect("accounts:password_set_code")
    else:
        form = PasswordSetIdentityForm()
    context = {"form": form, "step": 2, "login_id": phone_display(state["id"])}
    return render(request, "accounts/password_set/step_identity.html", context)


def _purpose(user: User) -> str:
    return CodePurpose.RESET if user.has_usable_password() else CodePurpose.FIRST_LOGIN


@never_cache
@require_http_methods(["GET", "POST"])
def step_code(request: HttpRequest) -> HttpResponse:
    """Step 3: name → 인증요청 (SMS code); the code below it → 확인."""
    state = _state(request)
    if not state.get("birth"):
        return redirect("accounts:password_set_identity")
    action = request.POST.get("action") if request.method == "POST" else None
    name_form = PasswordSetNameForm(
        request.POST if action == "send" else None, initial={"name": state.get("name", "")}
    )
    code_form = SmsCodeForm(request.POST if action == "verify" else None)
    if action == "send" and name_form.is_valid():
        state["name"] = name_form.cleaned_data["name"]
        _save(request, state)
        if not rate_allow(request, action="sms_code", key=state["id"]):
            name_form.add_error(None, LIMITED_MESSAGE)
        else:
            user = _matching_user(state, state["name"])
            if user is not None:
                code_issue(phone=user.phone, purpose=_purpose(user), user=user)
            messages.info(request, SENT_MESSAGE)
            return redirect("accounts:password_set_code")
    elif action == "verify" and code_form.is_valid():
        code = code_form.cleaned_data.get("code") or ""
        if not state.get("name"):
            code_form.add_error("code", "이름을 입력하고 '인증요청'을 먼저 눌러 주세요.")
        elif not code:
            code_form.add_error("code", "문자로 받은 인증번호 6자리를 입력해 주세요.")
        elif not rate_allow(request, action="sms_code_check"):
            code_form.add_error("code", LIMITED_MESSAGE)
        else:
            user = _matching_user(state, state["name"])
            error: CodeError | None = CodeError("mismatch")
            if user is not None:
                try:
                    code_check(phone=user.phone, purpose=_purpose(user), code=code)
                    error = None
                except CodeError as failed:
                    # "Ask for a code first" would tell a stranger the details matched.
                    error = failed if failed.reason != "missing" else CodeError("mismatch")
            if error is None:
                state.update(verified_user=user.pk, verified_at=time.time())
                _save(request, state)
                return redirect("accounts:password_set_new")
            code_form.add_error("code", error.message)
    context = {
        "name_form": name_form,
        "code_form": code_form,
        "step": 3,
        "birth": state["birth"].replace("-", ""),
        "phone": phone_display(state["phone"]),
    }
    return render(request, "accounts/password_set/step_code.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def step_new(request: HttpRequest) -> HttpResponse:
    """Step 4: new password twice → 변경; then log in with the ID and the new password."""
    state = _state(request)
    fresh = time.time() - float(state.get("verified_at") or 0) < VERIFIED_FOR_SECONDS
    user = User.objects.filter(pk=state.get("verified_user"), is_active=True).first()
    if user is None or not fresh:
        request.session.pop(STATE_KEY, None)
        messages.error(request, "시간이 지나 처음부터 다시 해야 해요. 아이디를 입력해 주세요.")
        return redirect("accounts:password_set")
    form = NewPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        password_set(user=user, password=form.cleaned_data["password1"])
        request.session.pop(STATE_KEY, None)
        request.session[LOGIN_PREFILL_SESSION_KEY] = user.phone
        messages.success(
            request,
            "비밀번호를 설정했어요. 아이디(휴대폰 번호)와 방금 정한 비밀번호로 로그인해 주세요.",
        )
        return redirect("account_login")
    return render(request, "accounts/password_set/step_new.html", {"form": form, "step": 4})
