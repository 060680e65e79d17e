from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "rumahbelajar.people"
    label = "people"
    verbose_name = _("Pegawai dan organisasi")

    def ready(self) -> None:
        # Registers the employee import's pipeline for the shared import task.
        from rumahbelajar.people import services  # noqa: F401
