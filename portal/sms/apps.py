from django.apps import AppConfig


class SmsConfig(AppConfig):
    name = "portal.sms"
    label = "sms"
    verbose_name = "문자 발송"

    def ready(self) -> None:
        from portal.sms import checks  # noqa: F401  (registers the settings check)
