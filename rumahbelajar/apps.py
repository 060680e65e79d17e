from django.apps import AppConfig


class RumahBelajarConfig(AppConfig):
    """The project package as an app: its template tags and management commands."""

    name = "rumahbelajar"
    verbose_name = "Rumah Belajar"
