from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "rumahbelajar.people"
    label = "people"
    verbose_name = _("Pegawai dan organisasi")

    def ready(self) -> None:
        # Registers the employee import's pipeline for the shared import task.
        from django.contrib.auth.signals import user_logged_in

        from rumahbelajar.people import services  # noqa: F401
        from rumahbelajar.people.middleware import start_idle_clock

        # The idle clock starts with the login's own session write (also for a test client's
        # force_login), so the first page after a login writes nothing.
        user_logged_in.connect(start_idle_clock, dispatch_uid="people.start_idle_clock")
