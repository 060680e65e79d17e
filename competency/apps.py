from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetencyConfig(AppConfig):
    name = "competency"
    verbose_name = _("Kompetensi")

    def ready(self) -> None:
        # The import's tasks live outside tasks.py: register them with Celery.
        from competency import import_tasks  # noqa: F401
