"""Thin Celery tasks: take ids, call one service or email function. acks_late (settings).

Fired only after commit, from training.services.
"""

from __future__ import annotations

import logging

from celery import shared_task

from rumahbelajar.queue import SENDING_TASK, publish
from training import certificates, emails, services
from training.models import Certificate, Enrollment

logger = logging.getLogger(__name__)


@shared_task(name="training.send_enrollment_emails", **SENDING_TASK, default_retry_delay=30)
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


@shared_task(name="training.send_monthly_summaries", acks_late=True)
def send_monthly_summaries() -> int:
    """Beat, monthly: the summary email to HR admins and supervisors (each once a month)."""
    sent = services.send_monthly_summaries()
    logger.info("Monthly summaries: %d sent", sent)
    return sent


@shared_task(name="training.render_certificate", **SENDING_TASK)
def render_certificate_task(*, certificate_id: int) -> bool:
    """Renders and stores a certificate's PDF (queued after the issuing commit); True if done."""
    try:
        certificates.ensure_pdf(certificate_id=certificate_id)
    except Certificate.DoesNotExist:
        return False
    return True


@shared_task(name="training.sweep_certificates", acks_late=True)
def sweep_certificates() -> int:
    """Beat: issues certificates completions missed (and, with
    settings.CERTIFICATES_FOR_ACTIVITIES on, approved activity reports approved before it was),
    and queues the PDFs whose task was lost (a broker down at commit). Both are marked in
    PostgreSQL, so nothing is lost meanwhile."""
    issued = certificates.issue_missing()
    missing = certificates.certificates_without_pdf()
    for certificate_id in missing:
        publish(render_certificate_task, certificate_id=certificate_id)
    if issued or missing:
        logger.info("certificates sweep: %d issued, %d PDFs queued", issued, len(missing))
    return issued + len(missing)
