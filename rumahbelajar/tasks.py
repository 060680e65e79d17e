"""The wiring's own beat task: expired sessions deleted from PostgreSQL."""

from __future__ import annotations

from importlib import import_module

from celery import shared_task
from django.conf import settings


# Never retried: the next night's run is the retry.
@shared_task(name="sessions.clear_expired", acks_late=True, max_retries=0)
def clear_expired_sessions() -> None:
    """What `manage.py clearsessions` does: sessions live in PostgreSQL (cached_db), and a
    session that expired is never read again."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
