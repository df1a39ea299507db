from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "파트너플레이스"
