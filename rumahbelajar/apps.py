from django.apps import AppConfig


class RumahBelajarConfig(AppConfig):
    """The project package as an app: its template tags and management commands."""

    name = "rumahbelajar"
    verbose_name = "Rumah Belajar"

    def ready(self) -> None:
        # The shared import tasks live outside an app's tasks.py: register them with Celery.
        from rumahbelajar.imports import tasks  # noqa: F401
