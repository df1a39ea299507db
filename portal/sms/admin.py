"""Staff view of the outbox: what went out, what is waiting, what failed and why."""

from django.contrib import admin, messages

from portal.periods import PeriodListFilter
from portal.sms.models import OutboxMessage, OutboxStatus
from portal.sms.services import outbox_retry_failed


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to", "kind", "status", "attempts", "sent_at", "short_error"]
    list_filter = [
        "status",
        "kind",
        ("created_at", admin.DateFieldListFilter),
        ("created_at", PeriodListFilter),
    ]
    search_fields = ["to", "=idempotency_key"]
    ordering = ["-created_at", "-id"]
    list_per_page = 50
    show_full_result_count = False
    actions = ["retry_failed"]
    fields = [
        "to",
        "kind",
        "body",
        "idempotency_key",
        "status",
        "attempts",
        "provider_message_id",
        "last_error",
        "created_at",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
    ]
    readonly_fields = fields

    @admin.display(description="오류")
    def short_error(self, obj: OutboxMessage) -> str:
        return obj.last_error[:60]

    def get_search_results(self, request, queryset, search_term):
        # Staff type numbers with dashes or spaces; the outbox stores digits only.
        digits = "".join(ch for ch in search_term if ch.isdigit())
        if digits and len(digits) >= 8 and not search_term.isdigit():
            search_term = digits
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # Viewing only: a sent message cannot be edited, only a failed one retried.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="선택한 실패 문자 다시 보내기", permissions=["view"])
    def retry_failed(self, request, queryset):
        ids = list(queryset.filter(status=OutboxStatus.FAILED).values_list("id", flat=True))
        count = outbox_retry_failed(ids=ids)
        self.message_user(
            request,
            f"실패한 문자 {count}건을 다시 보냅니다.",
            messages.SUCCESS if count else messages.WARNING,
        )
