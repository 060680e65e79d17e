from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetencyConfig(AppConfig):
    name = "competency"
    verbose_name = _("Kompetensi")

    def ready(self) -> None:
        # Registers the result import's pipeline for the shared import task.
        from competency import imports  # noqa: F401
