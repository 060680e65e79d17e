from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EbooksConfig(AppConfig):
    name = "ebooks"
    verbose_name = _("E-book")

    def ready(self) -> None:
        # Registers the bulk upload's pipeline for the shared import task.
        # Offers books to the "what to learn next" ranking of the competency app.
        from competency import recommendations
        from ebooks.recommendations import finished_read, provide
        from ebooks.services import bulk  # noqa: F401

        recommendations.register("ebooks", provide, personal=finished_read())
