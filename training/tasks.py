"""Thin Celery tasks: take ids, call one service or email function. acks_late (settings).

Fired only after commit, from training.services.
"""

from __future__ import annotations

import logging

from celery import shared_task

from training import emails, services
from training.models import Enrollment

logger = logging.getLogger(__name__)


@shared_task(
    name="training.send_enrollment_emails",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    # Also the bound when its worker dies under it (settings.CELERY_TASK_RETRY_ON_WORKER_LOST).
    max_retries=5,
    default_retry_delay=30,
)
def send_enrollment_emails_task(*, kind: str, enrollment_ids: list[int]) -> int:
    """Sends the `kind` email ("promoted", "assigned", "reminder", "training_cancelled") to each
    enrolment's person whose state still calls for it; returns how many were sent."""
    sender = emails.SENDERS[kind]
    enrollments = Enrollment.objects.select_related("training", "employee").filter(
        pk__in=enrollment_ids
    )
    sent = 0
    for enrollment in enrollments.order_by("pk"):
        sent += sender(enrollment)
    return sent


# Never retried, also when its worker dies: claiming is done in PostgreSQL, so a second run finds
# nothing to send; tomorrow's run is the next one.
@shared_task(name="training.send_reminders", acks_late=True, max_retries=0)
def send_reminders() -> int:
    """Beat: claims the assigned enrolments due for a reminder (each once) and emails them."""
    claimed = services.send_due_reminders()
    if claimed:
        logger.info("training reminders: %d claimed", len(claimed))
    return len(claimed)


@shared_task(name="training.send_jp_digest", acks_late=True)
def send_jp_digest() -> int:
    """Beat, monthly: tells the people behind their JP pace (each once a month)."""
    told = services.send_jp_digest()
    logger.info("JP digest: %d people behind their pace", told)
    return told
