"""Staff view of the scheduled jobs, with the SMS outbox's backlog and failures beside."""

from django.contrib import admin
from django.urls import reverse

from portal.jobs import jobs_missed
from portal.models import ScheduledJob
from portal.schedule import JOB_COMMANDS
from portal.sms.models import OutboxStatus
from portal.sms.selectors import outbox_backlog


class MissedFilter(admin.SimpleListFilter):
    """The jobs ``jobs_missed`` names: the staff home's count links here."""

    title = "제때 돌았는지"
    parameter_name = "missed"

    def lookups(self, request, model_admin):
        return [("yes", "제때 돌지 않음")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(name__in=jobs_missed())
        return queryset


@admin.register(ScheduledJob)
class ScheduledJobAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "command",
        "last_started_at",
        "duration",
        "last_outcome",
        "last_success_at",
        "short_error",
    ]
    list_filter = [MissedFilter, "last_outcome"]
    fields = [
        "name",
        "tracked_since",
        "last_started_at",
        "last_finished_at",
        "last_duration_seconds",
        "last_outcome",
        "last_error",
        "last_success_at",
        "last_task_id",
    ]
    readonly_fields = fields

    def changelist_view(self, request, extra_context=None):
        outbox = reverse("admin:sms_outboxmessage_changelist")
        extra_context = {
            **(extra_context or {}),
            "missed_jobs": jobs_missed(),
            "outbox": outbox_backlog(),
            "outbox_pending_url": f"{outbox}?status__exact={OutboxStatus.PENDING}",
            "outbox_failed_url": f"{outbox}?status__exact={OutboxStatus.FAILED}",
        }
        return super().changelist_view(request, extra_context=extra_context)

    @admin.display(description="수동 실행 명령")
    def command(self, obj: ScheduledJob) -> str:
        return f"manage.py {JOB_COMMANDS.get(obj.name, '-')}"

    @admin.display(description="걸린 시간")
    def duration(self, obj: ScheduledJob) -> str:
        if obj.last_duration_seconds is None:
            return "-"
        return f"{obj.last_duration_seconds:.1f}초"

    @admin.display(description="오류")
    def short_error(self, obj: ScheduledJob) -> str:
        return obj.last_error[:80]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
