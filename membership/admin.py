"""Staff admin of the pro-membership ledger (membership.md, "The ledger").

Look-up by partner name, phone or qualification number; the full timeline of a person;
immediate termination, cooling-off withdrawal and exception refunds as admin actions,
each asking for a CS ticket on an intermediate page and recorded with who and when.
Ledger rows are read-only here: no add, change or delete.
"""

from django.contrib import admin, messages
from django.db.models import Q
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.safestring import mark_safe

from membership import selectors
from membership.forms import RefundForm, StaffOperationForm, TerminationForm
from membership.models import (
    ChargeAttempt,
    JournalEntry,
    JournalTransaction,
    Payback,
    Refund,
    Subscription,
)
from membership.services.errors import MembershipRefused
from membership.services.lifecycle import subscription_terminate, subscription_withdraw
from membership.services.refunds import charge_refund


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


def _search_by_person(queryset, term: str, user_field: str):
    """Name, login, qualification number, or phone typed with or without hyphens."""
    term = term.strip()
    digits = "".join(ch for ch in term if ch.isdigit())
    cond = (
        Q(**{f"{user_field}__name__icontains": term})
        | Q(**{f"{user_field}__username__iexact": term})
        | Q(**{f"{user_field}__qualification_no__iexact": term})
    )
    if digits and len(digits) >= 4:
        cond |= Q(**{f"{user_field}__phone__contains": digits})
    return queryset.filter(cond)


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "partner",
        "qualification_no",
        "status",
        "method",
        "joined_at",
        "ended_at",
    ]
    list_filter = ["status", "method", "end_reason"]
    search_fields = ["qualification_no"]
    search_help_text = "이름, 휴대폰 번호(하이픈 없어도 됨), 자격번호로 찾습니다."
    list_select_related = ["user"]
    actions = ["terminate_action", "withdraw_action", "refund_action"]
    readonly_fields = [
        "user",
        "qualification_no",
        "status",
        "method",
        "anchor_date",
        "joined_at",
        "due_on",
        "retries_done",
        "ended_at",
        "end_reason",
        "points_balance",
        "timeline",
    ]
    fields = readonly_fields

    @admin.display(description="파트너")
    def partner(self, obj):
        return f"{obj.user.name or obj.user.get_username()} ({obj.user.phone or '-'})"

    @admin.display(description="포인트 잔액")
    def points_balance(self, obj):
        return f"{selectors.points_balance(user=obj.user):,}원"

    @admin.display(description="타임라인 (같은 자격번호의 모든 계정)")
    def timeline(self, obj):
        rows = selectors.staff_timeline(qualification_no=obj.qualification_no)
        return mark_safe(  # noqa: S308 - rendered by the template engine, which escapes
            render_to_string("membership/admin/timeline.html", {"rows": rows})
        )

    def get_search_results(self, request, queryset, search_term):
        if not search_term:
            return queryset, False
        by_person = _search_by_person(queryset, search_term, "user")
        return (by_person | queryset.filter(qualification_no__iexact=search_term.strip())), False

    def has_staff_operation_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def _operate(self, request, queryset, *, form_class, title, action, run):
        form = form_class(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done = 0
            for subscription in queryset.select_related("user"):
                try:
                    run(subscription, form.cleaned_data)
                    done += 1
                except MembershipRefused as refusal:
                    messages.error(
                        request, f"구독 #{subscription.pk}: {refusal.message} ({refusal.code})"
                    )
            if done:
                messages.success(request, f"{title}: {done}건 처리했습니다.")
            return None
        return TemplateResponse(
            request,
            "membership/admin/staff_operation.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                "form": form,
                "subscriptions": queryset.select_related("user"),
                "action": action,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(
        description="즉시 해지 (포인트 환불, CS 티켓 필요)", permissions=["staff_operation"]
    )
    def terminate_action(self, request, queryset):
        return self._operate(
            request,
            queryset,
            form_class=TerminationForm,
            title="즉시 해지",
            action="terminate_action",
            run=lambda sub, data: subscription_terminate(
                user=sub.user, actor=request.user, ticket=data["ticket"], reason=data["reason"]
            ),
        )

    @admin.action(
        description="청약 철회 (전액 환불, CS 티켓 필요)", permissions=["staff_operation"]
    )
    def withdraw_action(self, request, queryset):
        return self._operate(
            request,
            queryset,
            form_class=StaffOperationForm,
            title="청약 철회",
            action="withdraw_action",
            run=lambda sub, data: subscription_withdraw(
                user=sub.user, actor=request.user, ticket=data["ticket"], reason=data["reason"]
            ),
        )

    @admin.action(description="환불 (마지막 결제, CS 티켓 필요)", permissions=["staff_operation"])
    def refund_action(self, request, queryset):
        if queryset.count() != 1:
            messages.error(request, "환불은 한 번에 한 구독만 고를 수 있습니다.")
            return None
        return self._operate(
            request,
            queryset,
            form_class=RefundForm,
            title="환불",
            action="refund_action",
            run=lambda sub, data: charge_refund(
                user=sub.user,
                amount=data["amount"],
                to=data["to"],
                actor=request.user,
                ticket=data["ticket"],
                reason=data["reason"],
            ),
        )


@admin.register(ChargeAttempt)
class ChargeAttemptAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "type", "method", "amount", "result", "reason"]
    list_filter = ["type", "result", "reason", "method"]
    search_fields = ["idempotency_key"]
    list_select_related = ["user"]
    date_hierarchy = "at"

    def get_search_results(self, request, queryset, search_term):
        if not search_term:
            return queryset, False
        return _search_by_person(queryset, search_term, "user"), False


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "kind", "amount", "to", "ticket", "reason", "actor"]
    list_filter = ["kind", "to"]
    search_fields = ["ticket"]
    list_select_related = ["user", "actor"]


@admin.register(Payback)
class PaybackAdmin(ReadOnlyAdmin):
    list_display = ["qualification_no", "amount", "at", "generation"]
    search_fields = ["qualification_no"]


class JournalEntryInline(admin.TabularInline):
    model = JournalEntry
    fields = ["account", "user", "amount"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(JournalTransaction)
class JournalTransactionAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "user", "idempotency_key", "corrects"]
    list_filter = ["kind"]
    search_fields = ["idempotency_key"]
    list_select_related = ["user"]
    inlines = [JournalEntryInline]
