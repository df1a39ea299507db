"""Change history in admin: pages staff can read, and no way around the rules.

docs/admin.md, "Rules in admin, history and reviews". django-simple-history's history
page, in Korean (templates/simple_history/), shows who changed what, when, and the
reason the service recorded, with values as people read them: choice labels, dates and
times in Seoul written out, "없음" for an empty value.

A past version is shown, never restored. ``SIMPLE_HISTORY_REVERT_DISABLED`` hides the
button, but simple-history still saves a version form that is posted to it; restoring
an old row would move a deadline without its 기한 변경 row and SMS, or turn an expired
attempt back into an open one. :class:`HistoryAdmin` therefore answers a version's
address with a read-only page and refuses any POST to it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper
from simple_history.utils import get_history_model_for_model

EMPTY = "없음"


def date_text(value: dt.date) -> str:
    """``2026년 12월 24일``."""
    return f"{value.year}년 {value.month}월 {value.day}일"


def datetime_text(value: dt.datetime) -> str:
    """``2026년 12월 7일 12:22`` in Seoul (minutes: seconds and microseconds say nothing
    to a reader)."""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{date_text(local)} {local:%H:%M}"


def readable(field: models.Field, value: Any) -> str:
    """A stored value as a person reads it: the choice's label, a Korean date, a name."""
    if value is None or value == "" or value == []:
        return EMPTY
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "예" if value else "아니요"
    if isinstance(value, dt.datetime):
        return datetime_text(value)
    if isinstance(value, dt.date):
        return date_text(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


class ReadableChanges(HistoricalRecordContextHelper):
    """simple-history's change list of a history row, with :func:`readable` values."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        prepared = super().prepare_delta_change_value(change, value)
        return readable(field, prepared)


class HistoryAdmin(SimpleHistoryAdmin):
    """The admin of every model with a change history: readable, never reverted."""

    version_template = "admin/history/version.html"

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableChanges(self.model, historical_record)

    def history_view_title(self, request, obj) -> str:
        return f"변경 기록: {obj}"

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def history_form_view(
        self, request: HttpRequest, object_id, version_id, extra_context=None
    ) -> HttpResponse:
        """One past version, read-only. Restoring it is refused (405)."""
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        opts = self.model._meta
        history_model = get_history_model_for_model(self.model)
        record = get_object_or_404(
            history_model, **{opts.pk.attname: object_id, "history_id": version_id}
        )
        if not self.has_view_history_or_change_history_permission(request, record.instance):
            raise PermissionDenied
        kept = {field.name for field in history_model._meta.fields}
        shown = self.version_field_names(request, record.instance)
        rows = [
            (field.verbose_name, self.version_value(record, field))
            for field in opts.concrete_fields
            if field.name in kept and field.name in shown
        ]
        info = opts.app_label, opts.model_name
        context = {
            **self.admin_site.each_context(request),
            "title": f"{datetime_text(record.history_date)} 시점의 {opts.verbose_name}",
            "opts": opts,
            "record": record,
            "rows": rows,
            "object": record.instance,
            "history_url": reverse("admin:{}_{}_history".format(*info), args=[object_id]),
            "change_url": reverse("admin:{}_{}_change".format(*info), args=[object_id]),
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.version_template, context)

    def version_field_names(self, request, obj) -> set[str]:
        """The fields a version page lists: those the object's change page shows."""
        names: set[str] = set()
        for _title, options in self.get_fieldsets(request, obj):
            for entry in options["fields"]:
                names.update(entry if isinstance(entry, list | tuple) else [entry])
        return names

    @staticmethod
    def version_value(record, field: models.Field) -> str:
        if isinstance(field, models.ForeignKey):
            try:
                return readable(field, getattr(record, field.name))
            except ObjectDoesNotExist:
                return f"#{getattr(record, field.attname)} (지워짐)"
        return readable(field, getattr(record, field.attname))
