from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "필수 교육"

    def ready(self) -> None:
        from courses import lookups  # noqa: F401  (registers the ``__any`` lookup)
