"""Staff tools for courses (courses.md, "Staff tools (Django admin)").

Courses and lessons; enrollments with filters, search and bulk actions; the bulk
upload with preview; reports with CSV export; the penalty list. Admin views parse
forms and call one domain function each.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from courses import reports, selectors, staff_queues
from courses.models import Course, DeadlineChange, Enrollment, ImportBatch, Lesson
from courses.services import imports
from courses.services.enrollments import (
    enrollments_clear,
    enrollments_deadline_change,
    enrollments_reenroll,
    enrollments_resend_sms,
)
from courses.upload_templates import enrollment_template_response
from portal import clock, exports
from portal.admin_history import HistoryAdmin
from portal.periods import PeriodListFilter
from portal.progress import progress_refresh, upload_progress_context
from portal.spreadsheets import DATE_FORMATS


class LessonInline(admin.StackedInline):
    model = Lesson
    extra = 0
    ordering = ["position"]
    fields = [
        "position",
        "title",
        "kind",
        "video_file",
        "video_url",
        "captions_file",
        "duration_seconds",
        "body",
    ]


@admin.register(Course)
class CourseAdmin(HistoryAdmin):
    list_display = ["code", "title", "kind", "service", "is_active"]
    list_filter = ["kind", "service", "is_active"]
    search_fields = ["code", "title"]
    inlines = [LessonInline]


class DeadlineChangeInline(admin.TabularInline):
    model = DeadlineChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "old_deadline", "new_deadline", "reason", "changed_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class _OrgFilter(admin.SimpleListFilter):
    lookup: str = ""
    model_path: tuple[str, str] = ("", "")

    def lookups(self, request, model_admin):
        from django.apps import apps

        model = apps.get_model(*self.model_path)
        return [(str(pk), name) for pk, name in model.objects.values_list("pk", "name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.lookup: self.value()})
        return queryset


class FranchiseFilter(_OrgFilter):
    title = "가맹점"
    parameter_name = "franchise"
    lookup = "user__roster_entry__transport_company__franchise_office_id"
    model_path = ("accounts", "FranchiseOffice")


class RegionFilter(_OrgFilter):
    title = "지역본부"
    parameter_name = "region"
    model_path = ("accounts", "RegionalHQ")

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        from django.db.models import Q

        company = "user__roster_entry__transport_company__"
        return queryset.filter(
            Q(**{company + "regional_hq_id": self.value()})
            | Q(**{company + "franchise_office__regional_hq_id": self.value()})
        )


class CompanyFilter(_OrgFilter):
    title = "운수사"
    parameter_name = "company"
    lookup = "user__roster_entry__transport_company_id"
    model_path = ("accounts", "TransportCompany")


class ClearanceFilter(admin.SimpleListFilter):
    title = "운행 가능 안내"
    parameter_name = "clearance"

    def lookups(self, request, model_admin):
        return [("waiting", "안내 대기(입문 수료)"), ("cleared", "안내 완료")]

    def queryset(self, request, queryset):
        if self.value() == "waiting":
            return queryset.filter(pk__in=selectors.clearance_queue().values("pk"))
        if self.value() == "cleared":
            return queryset.filter(cleared_at__isnull=False)
        return queryset


class DeadlineForm(forms.Form):
    new_deadline = forms.DateField(
        label="새 수강 기한", widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label="사유", max_length=300)

    def clean_new_deadline(self):
        value = self.cleaned_data["new_deadline"]
        if value < clock.today():
            raise forms.ValidationError("오늘이나 그 뒤의 날짜를 고르세요.")
        return value


class ReenrollForm(forms.Form):
    deadline = forms.DateField(label="새 수강 기한", widget=forms.DateInput(attrs={"type": "date"}))

    def clean_deadline(self):
        value = self.cleaned_data["deadline"]
        if value < clock.today():
            raise forms.ValidationError("오늘이나 그 뒤의 날짜를 고르세요.")
        return value


class UploadForm(forms.Form):
    file = forms.FileField(
        label="수강자 파일 (CSV 또는 XLSX)",
        help_text="제목 줄: 휴대폰, 이름, 생년월일, 과정코드, 수강기한, "
        "(선택) 수강시작일, 운수사, 자격번호. 날짜: " + DATE_FORMATS,
    )


class SingleEnrollmentForm(forms.Form):
    phone = forms.CharField(label="휴대폰 번호", max_length=30)
    name = forms.CharField(label="이름", max_length=50)
    birth_date = forms.DateField(label="생년월일", widget=forms.DateInput(attrs={"type": "date"}))
    course = forms.ModelChoiceField(label="과정", queryset=Course.objects.filter(is_active=True))
    deadline = forms.DateField(label="수강 기한", widget=forms.DateInput(attrs={"type": "date"}))
    window_start = forms.DateField(
        label="수강 시작일", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    transport_company = forms.CharField(label="운수사", max_length=100, required=False)
    qualification_no = forms.CharField(label="자격번호", max_length=30, required=False)


@admin.register(Enrollment)
class EnrollmentAdmin(HistoryAdmin):
    list_display = [
        "pk",
        "partner_phone",
        "partner_name",
        "course",
        "attempt",
        "status",
        "deadline",
        "completed_at",
        "cleared_at",
    ]
    list_filter = [
        "course",
        "status",
        ("deadline", PeriodListFilter),
        ClearanceFilter,
        FranchiseFilter,
        RegionFilter,
        CompanyFilter,
    ]
    search_fields = ["user__phone", "user__name"]
    list_select_related = ["user", "course"]
    date_hierarchy = "deadline"
    inlines = [DeadlineChangeInline]
    readonly_fields = [
        "user",
        "course",
        "attempt",
        "window_start",
        "deadline",
        "status",
        "lessons_completed",
        "created_by",
        "created_at",
        "started_at",
        "completed_at",
        "completion_no",
        "cleared_at",
        "cleared_by",
        "expired_at",
        "import_batch",
    ]
    exclude = ["import_key"]
    actions = ["change_deadline", "clear_to_drive", "reenroll", "resend_sms"]
    change_list_template = "courses/admin/enrollment_changelist.html"

    @admin.display(description="휴대폰", ordering="user__phone")
    def partner_phone(self, obj: Enrollment) -> str:
        return obj.user.phone or ""

    @admin.display(description="이름", ordering="user__name")
    def partner_name(self, obj: Enrollment) -> str:
        return obj.user.name

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # An attempt changes only through its services (기한 바꾸기, 운행 가능 안내,
        # 다시 수강 배정): its own page is read-only and a posted change form is refused.
        return obj is None and super().has_change_permission(request)

    def deadline_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """One attempt's 기한 바꾸기: the deadline service, with its reason and SMS."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        enrollment = get_object_or_404(
            Enrollment.objects.select_related("user", "course"), pk=object_id
        )
        form = DeadlineForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            result = enrollments_deadline_change(
                enrollment_ids=[enrollment.pk],
                new_deadline=form.cleaned_data["new_deadline"],
                reason=form.cleaned_data["reason"],
                changed_by_id=request.user.pk,
            )
            if result.done:
                self.message_user(
                    request, "기한을 바꿨습니다. 바뀐 기한을 파트너에게 문자로 보냅니다."
                )
                return HttpResponseRedirect(
                    reverse("admin:courses_enrollment_change", args=[enrollment.pk])
                )
            form.add_error(
                "new_deadline",
                "끝난 수강이거나 지금과 같은 기한, 또는 수강 시작일 전이라 바꾸지 않았습니다.",
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "수강 기한 바꾸기",
            "form": form,
            "enrollment": enrollment,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "courses/admin/deadline_form.html", context)

    # --- URLs -------------------------------------------------------------------------

    def get_urls(self):
        own = [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="courses_upload"),
            path(
                "upload/<int:batch_id>/",
                self.admin_site.admin_view(self.preview_view),
                name="courses_upload_preview",
            ),
            path(
                "upload/template.<str:kind>",
                self.admin_site.admin_view(self.template_view),
                name="courses_upload_template",
            ),
            path("reports/", self.admin_site.admin_view(self.reports_view), name="courses_reports"),
            path("penalty/", self.admin_site.admin_view(self.penalty_view), name="courses_penalty"),
            path(
                "<int:object_id>/deadline/",
                self.admin_site.admin_view(self.deadline_view),
                name="courses_enrollment_deadline",
            ),
            path(
                "export/<str:fmt>/",
                self.admin_site.admin_view(self.export_view),
                name="courses_enrollment_export",
            ),
        ]
        return own + super().get_urls()

    def add_view(self, request, form_url="", extra_context=None):
        """One enrollment: the same checks and writes as a one-row upload."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = SingleEnrollmentForm(request.POST or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            row = [
                data["phone"],
                data["name"],
                data["birth_date"],
                data["course"].code,
                data["deadline"],
                data["window_start"] or "",
                data["transport_company"],
                data["qualification_no"],
            ]
            columns = {
                field: index
                for index, field in enumerate(
                    [
                        "phone",
                        "name",
                        "birth_date",
                        "course_code",
                        "deadline",
                        "window_start",
                        "transport_company",
                        "qualification_no",
                    ]
                )
            }
            batch = imports.import_preview_rows(
                columns=columns,
                table=[row],
                file_name="(관리 화면에서 한 명 등록)",
                file_sha256="",
                uploaded_by=request.user,
            )
            if batch.errors:
                errors = batch.errors[0]["reasons"]
                batch.delete()
            else:
                imports.import_confirm(batch=batch, confirmed_by=request.user)
                created = batch.enrollments.first()
                self.message_user(request, "수강을 등록하고 안내 문자를 보냈습니다.")
                if created is not None:
                    return HttpResponseRedirect(
                        reverse("admin:courses_enrollment_change", args=[created.pk])
                    )
                return HttpResponseRedirect(reverse("admin:courses_enrollment_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "수강 한 명 등록",
            "form": form,
            "row_errors": errors,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "courses/admin/single.html", context)

    # --- Bulk upload ------------------------------------------------------------------

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = imports.import_preview(
                    file_name=upload.name, data=upload.read(), uploaded_by=request.user
                )
            except imports.ImportFileError as exc:
                form.add_error("file", str(exc))
            else:
                return HttpResponseRedirect(
                    reverse("admin:courses_upload_preview", args=[batch.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "수강 일괄 등록",
            "form": form,
            "opts": self.model._meta,
            "date_formats": DATE_FORMATS,
            "courses": Course.objects.filter(is_active=True).order_by("code"),
            "recent": ImportBatch.objects.defer("packed_rows", "errors").order_by("-uploaded_at")[
                :10
            ],
        }
        return TemplateResponse(request, "courses/admin/upload.html", context)

    def template_view(self, request: HttpRequest, kind: str) -> HttpResponse:
        return enrollment_template_response(kind=kind)

    def preview_view(self, request: HttpRequest, batch_id: int) -> HttpResponse:
        imports.imports_stale_fail()
        batch = get_object_or_404(ImportBatch.objects.defer("packed_rows"), pk=batch_id)
        if request.method == "POST":
            if not self.has_add_permission(request):
                raise PermissionDenied
            imports.import_confirm_request(batch=batch, confirmed_by=request.user)
            batch.refresh_from_db()
            if batch.status == ImportBatch.Status.CONFIRMED:
                self.message_user(
                    request,
                    f"수강 {batch.created_count}건을 등록했습니다"
                    f"(새 계정 {batch.accounts_created}개). 안내 문자를 보냅니다.",
                )
            elif batch.status == ImportBatch.Status.FAILED:
                self.message_user(request, batch.failure, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:courses_upload_preview", args=[batch.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"미리보기: {batch.file_name}",
            "batch": batch,
            "valid_count": batch.valid_count,
            "opts": self.model._meta,
            **upload_progress_context(
                kind=imports.PROGRESS_KIND,
                pk=batch.pk,
                running=batch.status == ImportBatch.Status.CONFIRMING,
                started_at=batch.confirm_started_at,
                request=request,
            ),
        }
        return progress_refresh(
            TemplateResponse(request, "courses/admin/preview.html", context), context
        )

    # --- Reports ----------------------------------------------------------------------

    def reports_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return reports.reports_page(self, request)

    def export_view(self, request: HttpRequest, fmt: str) -> HttpResponse:
        """The list as filtered on its page (period, course, status, …), as a file."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if fmt not in exports.FORMATS:
            raise Http404
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(reverse("admin:courses_enrollment_changelist"))
        return reports.enrollment_export(fmt, enrollments=changelist.get_queryset(request))

    def penalty_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        entries = selectors.penalty_list()
        fmt = request.GET.get("format")
        if fmt in exports.FORMATS:
            return reports.penalty_export(fmt)
        context = {
            **self.admin_site.each_context(request),
            "title": "리프레시 교육 미수료(운행 불이익 대상)",
            "entries": entries[:500],
            "count": entries.count(),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "courses/admin/penalty.html", context)

    # --- Bulk actions -----------------------------------------------------------------

    def _intermediate(self, request, queryset, form, action: str, title: str):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "action": action,
            "queryset": queryset[:200],
            "count": queryset.count(),
            "ids": list(queryset.values_list("pk", flat=True)),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "courses/admin/action_form.html", context)

    @admin.action(description="수강 기한 바꾸기 (사유 기록, 문자 안내)")
    def change_deadline(self, request, queryset):
        form = DeadlineForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            result = enrollments_deadline_change(
                enrollment_ids=list(queryset.values_list("pk", flat=True)),
                new_deadline=form.cleaned_data["new_deadline"],
                reason=form.cleaned_data["reason"],
                changed_by_id=request.user.pk,
            )
            self.message_user(
                request,
                f"{result.done}건의 기한을 바꿨습니다. 바꾸지 않은 수강: {result.skipped}건"
                "(끝난 수강이거나 같은 기한).",
            )
            return None
        return self._intermediate(request, queryset, form, "change_deadline", "수강 기한 바꾸기")

    @admin.action(description="운행 가능 안내 (입문 수료자, 문자 발송)")
    def clear_to_drive(self, request, queryset):
        result = enrollments_clear(
            enrollment_ids=list(queryset.values_list("pk", flat=True)),
            cleared_by_id=request.user.pk,
        )
        self.message_user(
            request,
            f"{result.done}명에게 운행 가능 안내를 보냈습니다. 제외: {result.skipped}건"
            "(입문 수료 전이거나 이미 안내함).",
        )

    @admin.action(description="다시 수강 배정 (새 차수, 처음부터)")
    def reenroll(self, request, queryset):
        form = ReenrollForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            result = enrollments_reenroll(
                enrollment_ids=list(queryset.values_list("pk", flat=True)),
                deadline=form.cleaned_data["deadline"],
                created_by_id=request.user.pk,
            )
            self.message_user(
                request,
                f"{result.done}명에게 새 수강을 배정했습니다. 제외: {result.skipped}건"
                "(아직 수강 중이거나 같은 사람·과정 중복).",
            )
            return None
        return self._intermediate(request, queryset, form, "reenroll", "다시 수강 배정")

    @admin.action(description="안내 문자 다시 보내기")
    def resend_sms(self, request, queryset):
        result = enrollments_resend_sms(enrollment_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request, f"{result.done}건 다시 보냈습니다. 제외: {result.skipped}건(끝난 수강)."
        )


class UploadStateFilter(admin.SimpleListFilter):
    title = "처리"
    parameter_name = "upload"

    def lookups(self, request, model_admin):
        return [("waiting", "등록을 기다림"), ("failed", "등록하지 못함")]

    def queryset(self, request, queryset):
        if self.value() == "waiting":
            return queryset.filter(pk__in=staff_queues.import_batches_waiting().values("pk"))
        if self.value() == "failed":
            return queryset.filter(pk__in=staff_queues.import_batches_failed().values("pk"))
        return queryset


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "file_name",
        "status",
        "total_rows",
        "valid_count",
        "created_count",
        "accounts_created",
        "uploaded_by",
        "uploaded_at",
    ]
    list_filter = [UploadStateFilter, "status"]
    exclude = ["packed_rows", "errors"]
    readonly_fields = [
        "file_name",
        "file_sha256",
        "status",
        "total_rows",
        "valid_count",
        "created_count",
        "accounts_created",
        "uploaded_by",
        "uploaded_at",
        "confirmed_at",
        "confirmed_by",
        "failure",
        "confirm_started_at",
    ]
    list_select_related = ["uploaded_by"]

    def get_queryset(self, request):
        # The packed rows (2 MB per 100,000) and the error list are for the preview page.
        return super().get_queryset(request).defer("packed_rows", "errors")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DeadlineChange)
class DeadlineChangeAdmin(admin.ModelAdmin):
    list_display = [
        "enrollment",
        "old_deadline",
        "new_deadline",
        "reason",
        "changed_by",
        "changed_at",
    ]
    search_fields = ["enrollment__user__phone", "enrollment__user__name", "reason"]
    list_select_related = ["enrollment__course", "changed_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
