"""Phone numbers written as a person reads them (``010-1234-5678``)."""

from django import template

from accounts.phone import phone_display

register = template.Library()


@register.filter(name="phone_display")
def phone_display_filter(phone: str | None) -> str:
    return phone_display(phone or "")
