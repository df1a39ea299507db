from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _register_jobs(sender, using, **kwargs) -> None:
    # After every migrate (each deploy): a row for each job new to the schedule, so a
    # job that never runs counts as missed from then on (portal/jobs.py).
    from portal.jobs import jobs_register

    jobs_register(using=using)


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "파트너플레이스"

    def ready(self) -> None:
        from portal import lookups  # noqa: F401  (registers the ``__any`` lookup)

        post_migrate.connect(_register_jobs, sender=self)
