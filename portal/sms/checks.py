"""Settings the outbox's no-double-send argument depends on (docs/sms.md)."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def sms_settings_check(app_configs, **kwargs):
    errors = []
    budget = settings.SMS_SWEEP_AFTER_SECONDS - 2 * settings.SMS_GATEWAY_TIMEOUT - 1
    if budget <= 0:
        errors.append(
            Error(
                "SMS_SWEEP_AFTER_SECONDS must exceed 2 × SMS_GATEWAY_TIMEOUT + 1 second.",
                hint="A worker must be able to finish a look-up and a send before the sweep "
                "may take its rows back.",
                id="sms.E001",
            )
        )
    if settings.SMS_MAX_ATTEMPTS < 1:
        errors.append(Error("SMS_MAX_ATTEMPTS must be at least 1.", id="sms.E002"))
    if settings.SMS_BATCH_SIZE < 1:
        errors.append(Error("SMS_BATCH_SIZE must be at least 1.", id="sms.E003"))
    if settings.SMS_SEND_CONCURRENCY < 1:
        errors.append(Error("SMS_SEND_CONCURRENCY must be at least 1.", id="sms.E004"))
    return errors
