"""Thin Celery tasks, fired after commit by notifications.services."""

from __future__ import annotations

from celery import shared_task

from notifications import services
from rumahbelajar.queue import SENDING_TASK


@shared_task(name="notifications.send_emails", **SENDING_TASK)
def send_emails_task(*, notification_ids: list[int]) -> int:
    """Emails each message not emailed yet; returns how many went out."""
    return sum(services.send_email(notification_id=pk) for pk in sorted(notification_ids))
