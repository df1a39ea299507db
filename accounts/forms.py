"""Forms: validate at the edge, in plain Korean, errors next to the field."""

from __future__ import annotations

import datetime as dt

from allauth.account.forms import LoginForm, ReauthenticateForm, SignupForm
from allauth.core import context
from allauth.socialaccount.forms import SignupForm as SocialSignupForm
from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AccessRequest, RosterEntry, Service, User
from accounts.phone import normalize_phone, phone_display
from accounts.services.codes import CodeError, code_check
from accounts.services.kakao import KakaoOutcome, kakao_match, kakao_profile
from accounts.services.signup import SignupRefused, account_signup, roster_match
from portal import clock

SIGNUP_PREFILL_SESSION_KEY = "accounts_signup_prefill"

PHONE_ATTRS = {"inputmode": "tel", "autocomplete": "tel", "maxlength": "20"}


class PhoneField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(attrs=dict(PHONE_ATTRS)))
        kwargs.setdefault("help_text", "숫자 11자리 (예: 010-1234-5678)")
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        return normalize_phone(value)


class BirthDateField(forms.CharField):
    """생년월일 as 8 digits (19650312) or with dots or hyphens."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "bday", "maxlength": "12"}
            ),
        )
        kwargs.setdefault("help_text", "8자리 숫자 (예: 19650312)")
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        text = value.strip().replace(".", "").replace("-", "").replace("/", "").replace(" ", "")
        try:
            if len(text) != 8 or not text.isdigit():
                raise ValueError(text)
            day = dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            raise ValidationError(
                "생년월일 8자리를 숫자로 입력해 주세요. 예: 19650312", code="invalid_birth_date"
            ) from None
        if not dt.date(1900, 1, 1) <= day <= clock.today():
            raise ValidationError("생년월일을 다시 확인해 주세요.", code="invalid_birth_date")
        return day

    def prepare_value(self, value):
        if isinstance(value, dt.date):
            return value.strftime("%Y%m%d")
        return value


class CodeField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", "인증번호")
        kwargs.setdefault("max_length", 6)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"}
            ),
        )
        kwargs.setdefault("help_text", "문자로 받은 숫자 6자리")
        super().__init__(**kwargs)


def _new_password_fields(form: forms.Form) -> None:
    help_text = password_validation.password_validators_help_text_html()
    form.fields["password1"] = forms.CharField(
        label="새 비밀번호",
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=help_text,
    )
    form.fields["password2"] = forms.CharField(
        label="새 비밀번호 확인",
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="같은 비밀번호를 한 번 더 입력해 주세요.",
    )


def _check_new_passwords(form: forms.Form, user: User) -> None:
    password1 = form.cleaned_data.get("password1")
    password2 = form.cleaned_data.get("password2")
    if password1:
        try:
            password_validation.validate_password(password1, user=user)
        except ValidationError as error:
            form.add_error("password1", error)
    if password1 and password2 and password1 != password2:
        form.add_error("password2", "두 비밀번호가 달라요. 같은 비밀번호를 두 번 입력해 주세요.")


# --- Login, sign-up, re-authentication (allauth forms, customised) ------------------------


LOGIN_PREFILL_SESSION_KEY = "accounts_login_prefill"


def is_staff_sign_in(request) -> bool:
    """The login was asked for by the admin (allauth's ``secure_admin_login`` sends staff
    here with ``next`` inside it): staff IDs are usernames, not phone numbers."""
    if request is None:
        return False
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target.startswith(reverse("admin:index"))


class PartnerLoginForm(LoginForm):
    """allauth's login with the partner's labels, or the staff's on the admin's way in.

    One form and one view for both, so the admin login keeps allauth's rate limits.
    """

    def __init__(self, *args, **kwargs) -> None:
        request = context.request
        if not args and "data" not in kwargs and request is not None:
            prefill = request.session.get(LOGIN_PREFILL_SESSION_KEY)
            if prefill:
                kwargs.setdefault("initial", {})["login"] = prefill
        super().__init__(*args, **kwargs)
        self.staff_sign_in = is_staff_sign_in(request)
        login = self.fields["login"]
        if self.staff_sign_in:
            login.label = "아이디"
            login.help_text = "직원 계정의 아이디"
            login.widget.attrs.update({"autocomplete": "username"})
        else:
            login.label = "아이디 (휴대폰 번호)"
            login.help_text = "숫자 11자리 (예: 010-1234-5678)"
            login.widget.attrs.update({"inputmode": "tel", "autocomplete": "username"})
        login.widget.attrs.pop("placeholder", None)
        password = self.fields["password"]
        password.label = "비밀번호"
        password.help_text = ""
        password.widget.attrs.pop("placeholder", None)

    def clean_login(self) -> str:
        raw = super().clean_login()
        try:
            return normalize_phone(raw)
        except ValidationError:
            return raw  # staff log in with a plain username


class SignupConsentMixin(forms.Form):
    agree_terms = forms.BooleanField(
        label="[필수] 이용약관에 동의합니다",
        error_messages={"required": "이용약관에 동의해야 가입할 수 있어요."},
    )
    agree_privacy = forms.BooleanField(
        label="[필수] 개인정보 수집·이용에 동의합니다 (휴대폰 번호, 이름, 생년월일)",
        error_messages={"required": "개인정보 수집·이용에 동의해야 가입할 수 있어요."},
    )


class PartnerSignupForm(SignupForm):
    """회원가입: phone (ID), name, birth date, SMS code, password twice, consents."""

    name = forms.CharField(
        label="이름", max_length=50, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    birth_date = BirthDateField(label="생년월일")
    code = CodeField(
        help_text="휴대폰 번호·이름·생년월일을 입력하고 '인증요청'을 누르면 문자로 옵니다."
    )
    agree_terms = SignupConsentMixin.base_fields["agree_terms"]
    agree_privacy = SignupConsentMixin.base_fields["agree_privacy"]

    field_order = [
        "username",
        "name",
        "birth_date",
        "code",
        "password1",
        "password2",
        "agree_terms",
        "agree_privacy",
    ]

    def __init__(self, *args, **kwargs) -> None:
        request = context.request
        if not args and "data" not in kwargs and request is not None:
            prefill = request.session.get(SIGNUP_PREFILL_SESSION_KEY) or {}
            initial = kwargs.setdefault("initial", {})
            for key in ("username", "name", "birth_date"):
                if prefill.get(key):
                    initial[key] = prefill[key]
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.label = "휴대폰 번호 (아이디)"
        username.help_text = "운수사에 등록한 휴대폰 번호만 가입할 수 있어요. 숫자 11자리."
        username.widget.attrs.update(PHONE_ATTRS)
        username.widget.attrs.pop("placeholder", None)
        username.validators = []
        for key in ("password1", "password2"):
            self.fields[key].widget.attrs.pop("placeholder", None)
        self.fields["password1"].label = "비밀번호"
        self.fields["password2"].label = "비밀번호 확인"
        self.fields["password2"].help_text = "같은 비밀번호를 한 번 더 입력해 주세요."
        self._code_row = None
        self._roster_entry = None

    def clean_username(self) -> str:
        # No uniqueness check here: whether a number has an account is never shown.
        return normalize_phone(self.cleaned_data["username"])

    def clean(self) -> dict:
        cleaned = super().clean()
        phone = cleaned.get("username")
        if phone and cleaned.get("code") and not self.has_error("code"):
            try:
                self._code_row = code_check(
                    phone=phone, purpose="signup", code=cleaned["code"], consume=False
                )
            except CodeError as error:
                # "Ask for a code first" would tell that this number got no code, i.e.
                # that it already has an account: answer as for a wrong code.
                reason = "mismatch" if error.reason == "missing" else error.reason
                self.add_error("code", CodeError(reason).message)
        if self._code_row is not None and cleaned.get("name") and cleaned.get("birth_date"):
            self._roster_entry = roster_match(
                phone=phone, name=cleaned["name"], birth_date=cleaned["birth_date"]
            )
            if self._roster_entry is None:
                self.add_error(
                    "name",
                    "이름과 생년월일이 운수사에 등록된 정보와 달라요. 다시 확인하거나 "
                    "소속 운수사에 문의해 주세요.",
                )
        return cleaned

    def save(self, request) -> User:
        try:
            user = account_signup(
                roster_entry=self._roster_entry,
                password=self.cleaned_data["password1"],
                code_id=self._code_row.pk,
            )
        except SignupRefused:
            from allauth.core.exceptions import ImmediateHttpResponse
            from django.contrib import messages
            from django.shortcuts import redirect

            messages.error(
                request,
                "가입을 마치지 못했어요. 이미 가입한 번호라면 '비밀번호 설정'으로 비밀번호를 "
                "정해 주세요.",
            )
            raise ImmediateHttpResponse(redirect("account_login")) from None
        request.session.pop(SIGNUP_PREFILL_SESSION_KEY, None)
        return user


class SignupCodeRequestForm(forms.Form):
    """The 인증요청 button of 회원가입 (posted to its own address)."""

    username = PhoneField(label="휴대폰 번호 (아이디)")


class PartnerReauthenticateForm(ReauthenticateForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].label = "비밀번호"
        self.fields["password"].help_text = ""
        self.fields["password"].widget.attrs.pop("placeholder", None)


class KakaoSignupForm(SocialSignupForm):
    """Outcome 3 of Kakao login: sign-up prefilled with what Kakao gave."""

    name = forms.CharField(label="이름", max_length=50)
    birth_date = BirthDateField(label="생년월일")
    agree_terms = SignupConsentMixin.base_fields["agree_terms"]
    agree_privacy = SignupConsentMixin.base_fields["agree_privacy"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields.pop("username", None)
        self.fields.pop("email", None)
        self.profile = kakao_profile(self.sociallogin.account.extra_data or {})
        if self.profile.name:
            self.initial["name"] = self.profile.name
        if self.profile.birth_date:
            self.initial["birth_date"] = self.profile.birth_date
        if self.profile.lunar_birthday:
            self.fields[
                "birth_date"
            ].help_text = (
                "카카오에는 음력 생일로 등록되어 있어요. 양력 생년월일 8자리 (예: 19650312)"
            )
        # The ID the account gets: the phone Kakao gave.
        self.login_id = phone_display(self.profile.phone)
        self._roster_entry: RosterEntry | None = None

    def _get_signup_fields(self, kwargs) -> dict:
        # Partners have no e-mail address: the ID is the phone Kakao gave.
        kwargs.pop("email_required", None)
        return super()._get_signup_fields(kwargs)

    def clean(self) -> dict:
        cleaned = self.cleaned_data
        if cleaned.get("name") and cleaned.get("birth_date"):
            self._roster_entry = roster_match(
                phone=self.profile.phone, name=cleaned["name"], birth_date=cleaned["birth_date"]
            )
            if self._roster_entry is None:
                self.add_error(
                    "name",
                    "이름과 생년월일이 운수사에 등록된 정보와 달라요. 파트너교육가이드센터로 "
                    "문의해 주세요.",
                )
        return cleaned

    def save(self, request) -> User:
        match = kakao_match(profile=self.profile)
        if match.outcome is not KakaoOutcome.SIGNUP or self._roster_entry is None:
            raise SignupRefused("exists")
        user = account_signup(roster_entry=self._roster_entry, password=None)
        self.sociallogin.user = user
        self.sociallogin.save(request)
        return user


# --- 비밀번호 설정 (first login and reset) ----------------------------------------------


class PasswordSetIdForm(forms.Form):
    login_id = PhoneField(label="아이디 (휴대폰 번호)")


class PasswordSetIdentityForm(forms.Form):
    birth_date = BirthDateField(label="생년월일")
    phone = PhoneField(label="휴대폰 번호", help_text="아이디와 같은 휴대폰 번호 11자리")


class PasswordSetNameForm(forms.Form):
    name = forms.CharField(
        label="이름", max_length=50, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )


class NewPasswordForm(forms.Form):
    def __init__(self, *args, user: User, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        _new_password_fields(self)

    def clean(self) -> dict:
        cleaned = super().clean()
        _check_new_passwords(self, self.user)
        return cleaned


# --- Member info -------------------------------------------------------------------------


class SmsCodeForm(forms.Form):
    code = CodeField(required=False)


class PhoneChangeForm(forms.Form):
    new_phone = PhoneField(label="새 휴대폰 번호")
    code = CodeField(required=False, help_text="'인증요청'을 누르면 새 번호로 문자가 옵니다.")


class AccessRequestForm(forms.ModelForm):
    class Meta:
        model = AccessRequest
        fields = ["service", "reason"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 4, "maxlength": "1000"})}
        help_texts = {"reason": "이 서비스 권한이 필요한 이유를 적어 주세요."}
        error_messages = {
            "service": {
                "required": "서비스를 골라 주세요.",
                "invalid_choice": "서비스를 다시 골라 주세요.",
            },
            "reason": {"required": "사유를 적어 주세요."},
        }

    def __init__(self, *args, services, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services
        self.fields["service"].empty_label = "서비스를 고르세요"

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if len(reason) > 1000:
            raise ValidationError("사유는 1000자까지 적을 수 있어요.")
        if not reason:
            raise ValidationError("사유를 적어 주세요.")
        return reason


class SignupInquiryForm(forms.Form):
    service = forms.ModelChoiceField(
        label="서비스", queryset=Service.objects.all(), required=False, empty_label="골라 주세요"
    )
    name = forms.CharField(label="이름", max_length=50)
    phone = PhoneField(label="연락받을 휴대폰 번호")
    question = forms.CharField(
        label="문의 내용",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": "2000"}),
    )
    agree_privacy = forms.BooleanField(
        label="[필수] 답변을 위한 이름·연락처 수집에 동의합니다",
        error_messages={"required": "연락처 수집에 동의해야 문의를 남길 수 있어요."},
    )

    def clean_question(self) -> str:
        question = self.cleaned_data["question"].strip()
        if not question:
            raise ValidationError("문의 내용을 적어 주세요.")
        return question
