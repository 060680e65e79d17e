from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_delete, post_save


class RumahBelajarConfig(AppConfig):
    """The project package as an app: its templates tags and management commands, and the page
    cache's watch on accounts."""

    name = "rumahbelajar"
    verbose_name = "Rumah Belajar"

    def ready(self) -> None:
        # An account saved anywhere (admin, allauth's password change, a service) makes that
        # person's stored pages stale: the one hook every such write passes. Cache bookkeeping
        # only, no business logic.
        post_save.connect(_account_changed, sender=settings.AUTH_USER_MODEL, weak=False)
        post_delete.connect(_account_changed, sender=settings.AUTH_USER_MODEL, weak=False)


def _account_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    from rumahbelajar import pagecache

    pagecache.person_changed(instance.pk)
