"""Email composition for trainings (Indonesian templates under templates/training/email/).

Only tasks call these, after the transaction that caused them has committed. Each function
re-checks the enrolment's state, so a message about a state that no longer holds (a promoted
person who cancelled since, a reminder for a cancelled assignment) is not sent.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from notifications import services as notification_services
from training.ics import training_ics
from training.models import Enrollment, EnrollmentStatus, TrainingStatus


def _absolute(name: str, fallback: str, **kwargs: str) -> str:
    """A page's address, absolute when settings.SITE_URL is set ("https://host")."""
    try:
        path = reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        path = fallback
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def training_url(enrollment: Enrollment) -> str:
    slug = enrollment.training.slug
    return _absolute("training:training-detail", f"/trainings/{slug}/", id_or_slug=slug)


def _context(enrollment: Enrollment) -> dict[str, object]:
    training = enrollment.training
    return {
        "enrollment": enrollment,
        "training": training,
        "employee": enrollment.employee,
        "start": timezone.localtime(training.start_at),
        "end": timezone.localtime(training.end_at),
        "url": training_url(enrollment),
        "mine_url": _absolute("training:training-mine", "/trainings/mine/"),
    }


def _send(enrollment: Enrollment, template: str, *, attach_ics: bool) -> bool:
    """Through the one notification mechanism (notifications.services.deliver): a message in
    the person's list, and this email unless they opted out of its kind; once per enrolment and
    kind (a retried task sends nothing more)."""
    if not enrollment.employee.email or not enrollment.employee.is_active:
        return False
    with translation.override("id"):
        context = _context(enrollment)
        subject = " ".join(
            render_to_string(f"training/email/{template}_subject.txt", context).split()
        )
        body = render_to_string(f"training/email/{template}_body.txt", context)
    attachments = []
    if attach_ics:
        ics = training_ics(enrollment.training, url=context["url"])  # type: ignore[arg-type]
        attachments.append((f"{enrollment.training.slug}.ics", ics, "text/calendar"))
    return notification_services.deliver(
        recipient=enrollment.employee,
        kind=template,
        title=subject.removeprefix(notification_services.SUBJECT_PREFIX),
        body="",
        url=reverse("training:training-detail", kwargs={"id_or_slug": enrollment.training.slug}),
        key=f"{template}:{enrollment.pk}",
        email_subject=subject,
        email_body=body,
        attachments=attachments,
    )


def send_promoted(enrollment: Enrollment) -> bool:
    """ "You moved up from the waitlist": only while the seat is still theirs."""
    if enrollment.status != EnrollmentStatus.REGISTERED:
        return False
    return _send(enrollment, "promoted", attach_ics=True)


def send_assigned(enrollment: Enrollment) -> bool:
    """ "HR assigned you to a training": only while the assignment stands."""
    if enrollment.status != EnrollmentStatus.REGISTERED:
        return False
    return _send(enrollment, "assigned", attach_ics=True)


def send_reminder(enrollment: Enrollment) -> bool:
    """ "Your assigned training is near": only for a standing assignment of a live training."""
    if (
        enrollment.status != EnrollmentStatus.REGISTERED
        or enrollment.training.status != TrainingStatus.PUBLISHED
    ):
        return False
    return _send(enrollment, "reminder", attach_ics=False)


def send_training_cancelled(enrollment: Enrollment) -> bool:
    """ "The training was cancelled": to everyone whose place it cancelled."""
    if enrollment.training.status != TrainingStatus.CANCELLED:
        return False
    return _send(enrollment, "training_cancelled", attach_ics=False)


SENDERS: dict[str, Callable[[Enrollment], bool]] = {
    "promoted": send_promoted,
    "assigned": send_assigned,
    "reminder": send_reminder,
    "training_cancelled": send_training_cancelled,
}
