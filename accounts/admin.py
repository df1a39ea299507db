"""Staff tools (accounts.md, "Staff"): roster import, partners, 강제 가입, access
requests and sign-up inquiries. Staff edits are recorded with django-simple-history.
"""

from __future__ import annotations

import contextlib

from allauth.account.decorators import secure_admin_login
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts.forms import BirthDateField, PhoneField
from accounts.models import (
    AccessRequest,
    AccessRequestStatus,
    DriverType,
    FranchiseOffice,
    RegionalHQ,
    RosterEntry,
    RosterImport,
    Service,
    SignupInquiry,
    TransportCompany,
    User,
)
from accounts.phone import normalize_phone
from accounts.services.access import AccessRequestRefused, access_request_decide
from accounts.services.inquiries import inquiry_answer
from accounts.services.provisioning import account_force_register
from accounts.services.roster import roster_upsert
from accounts.services.roster_import import (
    PROGRESS_KIND as ROSTER_PROGRESS_KIND,
)
from accounts.services.roster_import import (
    roster_import_confirm_request,
    roster_import_create,
    roster_import_preview,
    roster_imports_sweep,
)
from accounts.upload_templates import roster_template_response
from portal.admin_history import HistoryAdmin
from portal.progress import progress_refresh, upload_progress_context
from portal.spreadsheets import DATE_FORMATS

# The admin login goes through allauth's login, with its rate limits.
admin.site.login = secure_admin_login(admin.site.login)


def _saved_message(upload: RosterImport) -> str:
    return (
        f"명단 {upload.created_count + upload.updated_count:,}줄을 저장했습니다"
        f"(새 명단 {upload.created_count:,}줄, 고친 명단 {upload.updated_count:,}줄)."
    )


@admin.register(RegionalHQ)
class RegionalHQAdmin(HistoryAdmin):
    list_display = ["name", "phone"]
    search_fields = ["name"]


@admin.register(FranchiseOffice)
class FranchiseOfficeAdmin(HistoryAdmin):
    list_display = ["name", "phone", "regional_hq"]
    list_select_related = ["regional_hq"]
    search_fields = ["name"]


@admin.register(TransportCompany)
class TransportCompanyAdmin(HistoryAdmin):
    list_display = ["name", "phone", "franchise_office", "regional_hq"]
    list_select_related = ["franchise_office", "regional_hq"]
    search_fields = ["name"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "position"]
    prepopulated_fields = {"code": ["name"]}


class RosterImportForm(forms.Form):
    file = forms.FileField(
        label="명단 파일 (CSV 또는 XLSX)",
        help_text="첫 줄 제목: 휴대폰 번호, 이름, 생년월일, 운수사, 자격번호, 기사 유형, 서비스. "
        "날짜: " + DATE_FORMATS,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise ValidationError("CSV 또는 XLSX 파일만 올릴 수 있습니다.")
        if upload.size > 20 * 1024 * 1024:
            raise ValidationError("20MB보다 작은 파일만 올릴 수 있습니다.")
        return upload


class ForceRegisterForm(forms.Form):
    phone = PhoneField(label="휴대폰 번호 (아이디)")
    name = forms.CharField(label="이름", max_length=50)
    birth_date = BirthDateField(label="생년월일")
    transport_company = forms.ModelChoiceField(
        label="운수사", queryset=TransportCompany.objects.all(), required=False
    )
    qualification_no = forms.CharField(label="자격번호", max_length=30, required=False)
    driver_type = forms.ChoiceField(
        label="기사 유형", choices=[("", "-"), *DriverType.choices], required=False
    )
    password = forms.CharField(label="처음 비밀번호 (파트너에게 전달)", max_length=128, strip=False)

    def clean(self):
        cleaned = super().clean()
        phone, password = cleaned.get("phone"), cleaned.get("password")
        if phone and password:
            from django.contrib.auth import password_validation

            try:
                password_validation.validate_password(
                    password, user=User(username=phone, phone=phone, name=cleaned.get("name", ""))
                )
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned


class RosterEntryForm(forms.ModelForm):
    """Admin edits store the phone the same way every other path does."""

    phone = PhoneField(label="휴대폰 번호")

    class Meta:
        model = RosterEntry
        fields = [
            "phone",
            "name",
            "birth_date",
            "transport_company",
            "qualification_no",
            "driver_type",
            "services",
            "user",
            "created_at",
            "updated_at",
        ]


@admin.register(RosterEntry)
class RosterEntryAdmin(HistoryAdmin):
    form = RosterEntryForm
    list_display = ["phone", "name", "birth_date", "transport_company", "driver_type", "user"]
    list_select_related = ["transport_company", "user"]
    list_filter = ["driver_type", "services", "transport_company"]
    search_fields = ["phone", "name", "qualification_no"]
    filter_horizontal = ["services"]
    raw_id_fields = ["user"]
    change_list_template = "admin/accounts/rosterentry/change_list.html"

    def get_urls(self):
        extra = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="accounts_rosterentry_import",
            ),
            path(
                "import/template.<str:kind>",
                self.admin_site.admin_view(self.import_template_view),
                name="accounts_rosterentry_import_template",
            ),
            path(
                "import/<int:upload_id>/",
                self.admin_site.admin_view(self.import_detail_view),
                name="accounts_rosterentry_import_detail",
            ),
            path(
                "force-register/",
                self.admin_site.admin_view(self.force_register_view),
                name="accounts_rosterentry_force_register",
            ),
        ]
        return extra + super().get_urls()

    def import_view(self, request):
        """Upload → preview every row (bad rows with number and reason) → its page."""
        if not self.has_add_permission(request):
            return redirect("admin:index")
        roster_imports_sweep()
        context = {**self.admin_site.each_context(request), "opts": self.model._meta}
        form = RosterImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            preview = roster_import_preview(filename=upload.name, content=upload.read())
            if preview.ok:
                kept = roster_import_create(
                    preview=preview, file_name=upload.name, uploaded_by=request.user
                )
                return redirect("admin:accounts_rosterentry_import_detail", kept.pk)
            context.update(preview=preview)
        context.update(
            form=form,
            title="명단 올리기",
            date_formats=DATE_FORMATS,
            services=Service.objects.order_by("position", "name"),
            keep_hours=settings.ROSTER_IMPORT_KEEP_HOURS,
            recent=RosterImport.objects.defer("packed_rows", "sample")[:10],
        )
        return TemplateResponse(request, "admin/accounts/rosterentry/import.html", context)

    def import_template_view(self, request, kind: str):
        return roster_template_response(kind=kind)

    def import_detail_view(self, request, upload_id: int):
        """One kept upload: its preview and `N줄 저장`, its progress, or how it ended."""
        if not self.has_add_permission(request):
            return redirect("admin:index")
        roster_imports_sweep()
        upload = RosterImport.objects.defer("packed_rows").filter(pk=upload_id).first()
        if upload is None:
            messages.error(
                request, "이 파일은 저장하지 않은 채 기한이 지나 지웠습니다. 다시 올려 주세요."
            )
            return redirect("admin:accounts_rosterentry_import")
        if request.method == "POST":
            roster_import_confirm_request(upload=upload, confirmed_by=request.user)
            upload.refresh_from_db()
            if upload.status == RosterImport.Status.CONFIRMED:
                messages.success(request, _saved_message(upload))
            elif upload.status == RosterImport.Status.FAILED:
                messages.error(request, upload.failure)
            return redirect("admin:accounts_rosterentry_import_detail", upload.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"명단 올리기: {upload.file_name}",
            "upload": upload,
            "known_count": upload.row_count - upload.new_count,
            "saved_message": _saved_message(upload),
            **upload_progress_context(
                kind=ROSTER_PROGRESS_KIND,
                pk=upload.pk,
                running=upload.status == RosterImport.Status.CONFIRMING,
                started_at=upload.confirm_started_at,
                request=request,
            ),
        }
        return progress_refresh(
            TemplateResponse(request, "admin/accounts/rosterentry/import_detail.html", context),
            context,
        )

    def force_register_view(self, request):
        """강제 가입: staff create the account and hand over the ID."""
        if not (self.has_add_permission(request) and request.user.has_perm("accounts.add_user")):
            return redirect("admin:index")
        form = ForceRegisterForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            entry = roster_upsert(
                phone=data["phone"],
                name=data["name"],
                birth_date=data["birth_date"],
                transport_company=data["transport_company"],
                qualification_no=data["qualification_no"],
                driver_type=data["driver_type"],
            )
            user = account_force_register(
                roster_entry=entry, password=data["password"], staff=request.user
            )
            messages.success(
                request,
                f"강제 가입했습니다. 아이디 {user.phone} 와 처음 비밀번호를 파트너에게 전달하세요.",
            )
            return redirect(reverse("admin:accounts_user_change", args=[user.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": "강제 가입",
        }
        return TemplateResponse(request, "admin/accounts/rosterentry/force_register.html", context)


class PartnerChangeForm(UserChangeForm):
    phone = PhoneField(label="휴대폰 번호", required=False)

    class Meta(UserChangeForm.Meta):
        model = User

    def clean_phone(self):
        return self.cleaned_data.get("phone") or None


@admin.register(User)
class PartnerAdmin(HistoryAdmin, UserAdmin):
    form = PartnerChangeForm
    list_display = [
        "username",
        "name",
        "phone",
        "driver_type",
        "is_staff",
        "is_active",
        "withdrawn_at",
    ]
    list_filter = ["is_staff", "is_active", "driver_type"]
    search_fields = ["username", "name", "phone", "qualification_no"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (
            "파트너",
            {
                "fields": [
                    "phone",
                    "name",
                    "birth_date",
                    "qualification_no",
                    "driver_type",
                    "password_changed_at",
                    "password_prompt_snoozed_until",
                    "provisioned_at",
                    "withdrawn_at",
                ]
            },
        ),
    ]
    readonly_fields = ["password_changed_at", "provisioned_at", "withdrawn_at"]


class RejectForm(forms.Form):
    rejection_reason = forms.CharField(
        label="반려 사유 (파트너에게 문자로 보내고 회원정보 화면에 보입니다)",
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "반려 사유를 적어 주세요. 파트너에게 문자로 갑니다."},
    )


@admin.register(AccessRequest)
class AccessRequestAdmin(HistoryAdmin):
    list_display = [
        "created_at",
        "partner_name",
        "partner_phone",
        "service",
        "status",
        "decided_by",
    ]
    list_filter = ["status", "service"]
    list_select_related = ["user", "service", "decided_by"]
    search_fields = ["user__name", "user__phone", "service__name"]
    search_help_text = "이름, 휴대폰 번호(하이픈 있어도 됨), 서비스 이름으로 찾습니다."
    readonly_fields = [
        "user",
        "service",
        "reason",
        "status",
        "rejection_reason",
        "created_at",
        "decided_at",
        "decided_by",
    ]
    fields = [
        "user",
        "service",
        "reason",
        "status",
        "rejection_reason",
        "staff_note",
        "created_at",
        "decided_at",
        "decided_by",
    ]
    actions = ["approve", "reject"]

    @admin.display(description="이름", ordering="user__name")
    def partner_name(self, obj: AccessRequest) -> str:
        return obj.user.name

    @admin.display(description="휴대폰", ordering="user__phone")
    def partner_phone(self, obj: AccessRequest) -> str:
        return obj.user.phone or ""

    def get_search_results(self, request, queryset, search_term):
        # A whole phone number however typed; else a name, a service or part of a number.
        with contextlib.suppress(ValidationError):
            search_term = normalize_phone(search_term)
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request) -> bool:
        return False

    def _decide(self, request, queryset, approve: bool, rejection_reason: str = "") -> None:
        done = 0
        for row in queryset.filter(status=AccessRequestStatus.PENDING):
            try:
                access_request_decide(
                    access_request=row,
                    approve=approve,
                    staff=request.user,
                    note=row.staff_note,
                    rejection_reason=rejection_reason,
                )
                done += 1
            except AccessRequestRefused:
                continue
        self.message_user(request, f"{done}건을 처리했고 문자를 보냈습니다.")

    @admin.action(description="선택한 신청 승인 (정회원 배지, 문자 발송)")
    def approve(self, request, queryset):
        self._decide(request, queryset, True)

    @admin.action(description="선택한 신청 반려 (사유 입력, 문자 발송)")
    def reject(self, request, queryset):
        """반려 asks for its reason on the same step; the SMS and the partner see it."""
        pending = queryset.filter(status=AccessRequestStatus.PENDING)
        if not pending.exists():
            self.message_user(request, "검토 중인 신청을 고르세요.", messages.WARNING)
            return None
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            self._decide(
                request, pending, False, rejection_reason=form.cleaned_data["rejection_reason"]
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "권한 신청 반려",
            "form": form,
            "requests": pending.select_related("user", "service"),
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/accounts/accessrequest/reject.html", context)


@admin.register(SignupInquiry)
class SignupInquiryAdmin(HistoryAdmin):
    list_display = ["created_at", "name", "phone", "service", "answered_at"]
    list_filter = ["service", ("answered_at", admin.EmptyFieldListFilter)]
    list_select_related = ["service"]
    readonly_fields = [
        "service",
        "name",
        "phone",
        "question",
        "created_at",
        "answered_at",
        "answered_by",
    ]
    fields = [
        "service",
        "name",
        "phone",
        "question",
        "answer",
        "created_at",
        "answered_at",
        "answered_by",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        if "answer" in form.changed_data and obj.answer.strip():
            answered = inquiry_answer(inquiry=obj, answer=obj.answer, staff=request.user)
            if answered.texted:
                self.message_user(
                    request, f"답변을 저장했고 {obj.phone} 번호로 답변 문자를 보냈습니다."
                )
            else:
                self.message_user(
                    request,
                    "답변을 고쳤습니다. 답변 문자는 처음 답변할 때 보냈으므로 다시 보내지 "
                    "않았습니다.",
                    messages.WARNING,
                )
        else:
            super().save_model(request, obj, form, change)


@admin.register(RosterImport)
class RosterImportAdmin(admin.ModelAdmin):
    """Roster uploads: each opens its own page (preview, progress or result)."""

    list_display = ["file_name", "status", "row_count", "uploaded_by", "uploaded_at", "expires_at"]
    list_filter = ["status"]
    list_select_related = ["uploaded_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("packed_rows", "sample")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect("admin:accounts_rosterentry_import_detail", int(object_id))
