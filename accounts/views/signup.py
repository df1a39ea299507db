"""회원가입's 인증요청 button (the rest of sign-up is allauth's view with our form)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.forms import SIGNUP_PREFILL_SESSION_KEY, SignupCodeRequestForm
from accounts.models import CodePurpose, RosterEntry, User
from accounts.phone import INVALID_MESSAGE
from accounts.ratelimits import LIMITED_MESSAGE, rate_allow
from accounts.services.codes import code_issue
from accounts.services.signup_notices import signup_already_registered_notify

NOT_ON_ROSTER = (
    "운수사에 등록된 휴대폰 번호가 아니에요. 소속 운수사에 번호 등록을 요청한 뒤 다시 "
    "가입해 주세요."
)
SENT = "인증번호 6자리를 문자로 보냈어요. 3분 안에 인증번호 칸에 입력해 주세요."


@require_POST
def signup_code(request: HttpRequest) -> HttpResponse:
    """Send the sign-up code to a roster number.

    accounts.md, "Sign-up": only roster numbers may sign up, and a rejected number is
    told to ask its transport company. Whether the number already has an account is
    not shown: such a number gets a text saying so instead of a code.
    """
    form = SignupCodeRequestForm(request.POST)
    prefill = {
        "username": request.POST.get("username", "")[:20],
        "name": request.POST.get("name", "")[:50],
        "birth_date": request.POST.get("birth_date", "")[:12],
    }
    request.session[SIGNUP_PREFILL_SESSION_KEY] = prefill
    if not form.is_valid():
        messages.error(request, form.errors.get("username", [INVALID_MESSAGE])[0])
        return redirect("account_signup")
    phone = form.cleaned_data["username"]
    prefill["username"] = phone
    request.session[SIGNUP_PREFILL_SESSION_KEY] = prefill
    if not rate_allow(request, action="sms_code", key=phone):
        messages.error(request, LIMITED_MESSAGE)
        return redirect("account_signup")
    if not RosterEntry.objects.filter(phone=phone).exists():
        messages.error(request, NOT_ON_ROSTER)
        return redirect("account_signup")
    if User.objects.filter(phone=phone).exists():
        signup_already_registered_notify(phone=phone)
    else:
        code_issue(phone=phone, purpose=CodePurpose.SIGNUP)
    messages.success(request, SENT)
    return redirect("account_signup")
