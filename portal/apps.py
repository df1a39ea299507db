from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "파트너플레이스"

    def ready(self) -> None:
        from portal import lookups  # noqa: F401  (registers the ``__any`` lookup)
