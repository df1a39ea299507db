"""A period (date range) staff choose on reports and lists (docs/admin.md, "Staff home
and reports").

Both ends are Korean dates and both are included: a period from 3월 1일 to 3월 31일
holds every deadline on those days and every moment from 3월 1일 00:00 to 3월 31일
23:59:59.999 Seoul time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django import forms
from django.contrib import admin
from django.db.models import DateTimeField, Q

from portal import clock

DATE_FORMATS = ["%Y-%m-%d", "%Y.%m.%d", "%Y/%m/%d", "%Y%m%d"]


@dataclasses.dataclass(frozen=True)
class Period:
    start: dt.date | None
    end: dt.date | None

    def q(self, field: str, *, moments: bool) -> Q:
        """The condition on ``field``: a date field (``moments=False``) or a datetime
        field, whose moments are read in Seoul time."""
        condition = Q()
        if moments:
            if self.start is not None:
                condition &= Q(**{f"{field}__gte": clock.at(self.start)})
            if self.end is not None:
                condition &= Q(**{f"{field}__lt": clock.at(self.end + dt.timedelta(days=1))})
        else:
            if self.start is not None:
                condition &= Q(**{f"{field}__gte": self.start})
            if self.end is not None:
                condition &= Q(**{f"{field}__lte": self.end})
        return condition

    @property
    def days(self) -> int | None:
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).days + 1


class PeriodForm(forms.Form):
    """A start and an end date, either may be left empty (an open end)."""

    start = forms.DateField(
        label="시작일",
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label="끝일",
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, max_days: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_days = max_days
        for field in self.fields.values():
            field.error_messages["invalid"] = "날짜를 2026-03-01처럼 적어 주세요."

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "끝일은 시작일과 같거나 그 뒤여야 합니다.")
        elif start and end and self.max_days and (end - start).days + 1 > self.max_days:
            self.add_error("end", f"기간은 {self.max_days}일까지 고를 수 있습니다.")
        return cleaned

    def period(self) -> Period:
        """The chosen period (valid forms only)."""
        return Period(self.cleaned_data.get("start"), self.cleaned_data.get("end"))


class PeriodListFilter(admin.FieldListFilter):
    """A changelist filter by a period of a date or datetime field:
    ``list_filter = [("deadline", PeriodListFilter)]``.

    The dates arrive as ``<field>-start`` and ``<field>-end``; a bad date or an end
    before the start is shown next to its box, and the list is then not filtered.
    """

    template = "admin/portal/period_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.prefix = field_path.replace("__", "-")
        self.start_param = f"{self.prefix}-start"
        self.end_param = f"{self.prefix}-end"
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = f"기간: {field.verbose_name}"
        data = {
            name: values[-1] if isinstance(values, list) else values
            for name, values in self.used_parameters.items()
        }
        self.form = PeriodForm(data, prefix=self.prefix)

    def expected_parameters(self):
        return [self.start_param, self.end_param]

    def queryset(self, request, queryset):
        if not self.used_parameters or not self.form.is_valid():
            return queryset
        moments = isinstance(self.field, DateTimeField)
        return queryset.filter(self.form.period().q(self.field_path, moments=moments))

    def get_facet_counts(self, pk_attname, filtered_qs):
        return {}  # a period has no choices to count

    def choices(self, changelist):
        own = set(self.expected_parameters())
        yield {
            "form": self.form,
            "selected": bool(self.used_parameters) and self.form.is_valid(),
            "hidden": [
                (name, value) for name, value in changelist.params.items() if name not in own
            ],
            "clear_url": changelist.get_query_string(remove=list(own)),
        }
