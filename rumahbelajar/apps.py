from django.apps import AppConfig


class RumahBelajarConfig(AppConfig):
    """The project package as an app: its template tags and management commands."""

    name = "rumahbelajar"
    verbose_name = "Rumah Belajar"

    def ready(self) -> None:
        # The shared import tasks live outside an app's tasks.py: register them with Celery.
        # A request reads the version counters once (rumahbelajar.versions).
        from django.core.signals import request_finished, request_started

        from rumahbelajar import versions
        from rumahbelajar.imports import tasks  # noqa: F401

        request_started.connect(versions.request_started, dispatch_uid="versions-request")
        request_finished.connect(versions.request_finished, dispatch_uid="versions-request")
