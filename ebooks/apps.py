from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EbooksConfig(AppConfig):
    name = "ebooks"
    verbose_name = _("E-book")

    def ready(self) -> None:
        # Registers the bulk upload's pipeline for the shared import task.
        from ebooks.services import bulk  # noqa: F401
