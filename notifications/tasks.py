"""Thin Celery tasks, fired after commit by notifications.services."""

from __future__ import annotations

from celery import shared_task

from notifications import services


@shared_task(
    name="notifications.send_emails",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_emails_task(*, notification_ids: list[int]) -> int:
    """Emails each message not emailed yet; returns how many went out."""
    return sum(services.send_email(notification_id=pk) for pk in sorted(notification_ids))
