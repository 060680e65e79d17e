"""Registration that needs the supervisor's approval (Training.requires_approval): the employee
asks, their supervisor (resolved when asked: people.selectors.supervisor_of) approves or returns
it with a reason, the employee may withdraw it while it waits.

An approval registers through the one registration service (services.registration.register,
with its row lock on the training and the usual rules at that moment): a full training waitlists,
a closed one refuses and the request keeps waiting. Each decision locks the request row first,
so a double click, an approval racing a withdrawal or two approvals at once settle one way; the
partial unique constraint "one pending request per (training, employee)" backs up the asking.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications import services as notification_services
from rumahbelajar.people import selectors as people_selectors
from rumahbelajar.people.models import User
from training.models import (
    Enrollment,
    EnrollmentStatus,
    RegistrationRequest,
    RequestState,
    Training,
)
from training.rules import (
    AlreadyEnrolled,
    AlreadyRequested,
    NoSupervisor,
    NotRequestDecider,
    ReasonRequired,
    RequestNotPending,
    TrainingNotOpen,
    is_eligible,
    self_registration_error,
)
from training.services.registration import register


@transaction.atomic
def request_registration(*, training: Training, employee: User) -> RegistrationRequest:
    """`employee` asks to register for a training that needs their supervisor's approval.

    Side effects: one row; notifies the supervisor (recorded now, emailed after commit). Raises
    the registration rules' errors as they stand now (closed, not eligible, ...),
    AlreadyEnrolled, AlreadyRequested (one is pending), NoSupervisor (nobody to ask: HR must set
    one), TrainingNotOpen (the training needs no approval: register instead).
    """
    if not training.requires_approval:
        raise TrainingNotOpen(_("Pelatihan ini tidak memerlukan persetujuan atasan."))
    now = timezone.now()
    error = self_registration_error(
        training=training,
        employee=employee,
        now=now,
        eligible=is_eligible(training=training, employee=employee),
    )
    if error is not None:
        raise error
    if (
        Enrollment.objects.filter(training=training, employee=employee)
        .exclude(status=EnrollmentStatus.CANCELLED)
        .exists()
    ):
        raise AlreadyEnrolled()
    supervisor = people_selectors.supervisor_of(employee=employee)
    if supervisor is None:
        raise NoSupervisor()
    try:
        with transaction.atomic():
            request = RegistrationRequest.objects.create(
                training=training, employee=employee, supervisor=supervisor, created_at=now
            )
    except IntegrityError as exc:  # one pending per (training, employee)
        raise AlreadyRequested() from exc
    _notify(request, "registration_waiting")
    return request


def _lock(request: RegistrationRequest) -> RegistrationRequest:
    return (
        RegistrationRequest.objects.select_for_update(of=("self",))
        .select_related("training", "employee")
        .get(pk=request.pk)
    )


def may_decide_request(*, user: User, request: RegistrationRequest) -> bool:
    """Only the supervisor the request waits for (never its author)."""
    return (
        user.is_authenticated
        and user.pk != request.employee_id
        and request.supervisor_id is not None
        and user.pk == request.supervisor_id
    )


@transaction.atomic
def approve_registration_request(*, request: RegistrationRequest, by: User) -> RegistrationRequest:
    """Approves a pending request: the employee is registered, or waitlisted when the training is
    full, by the registration service under its row lock (the returned request's `enrollment`).

    Side effects: locks the request row, then the training's (registration); notifies the
    employee after commit. Approving an approved request returns it unchanged (a double click).
    Raises NotRequestDecider, RequestNotPending (withdrawn or returned meanwhile), and the
    registration's refusals at this moment (RegistrationClosed, TrainingStarted, NotEligible,
    TrainingBusy, ...): then nothing changes and the request keeps waiting. An employee enrolled
    meanwhile (HR assigned them) is not enrolled twice: the request is approved with that
    enrolment.
    """
    request = _lock(request)
    if not may_decide_request(user=by, request=request):
        raise NotRequestDecider()
    if request.state == RequestState.APPROVED:
        return request
    if request.state != RequestState.PENDING:
        raise RequestNotPending()
    enrollment: Enrollment | None
    try:
        enrollment = register(training=request.training, employee=request.employee, approved=True)
    except AlreadyEnrolled:
        enrollment = (
            Enrollment.objects.filter(training=request.training, employee=request.employee)
            .exclude(status=EnrollmentStatus.CANCELLED)
            .first()
        )
        if enrollment is None:  # gone again meanwhile: say so rather than approve nothing
            raise
    request.state = RequestState.APPROVED
    request.enrollment = enrollment
    request.decided_at, request.decided_by, request.reason = timezone.now(), by, ""
    request.save(update_fields=["state", "enrollment", "decided_at", "decided_by", "reason"])
    request.enrollment = enrollment  # with waitlist_position, as register() returned it
    _notify(request, "registration_approved")
    return request


@transaction.atomic
def return_registration_request(
    *, request: RegistrationRequest, by: User, reason: str
) -> RegistrationRequest:
    """Returns a pending request to the employee with a reason (required).

    Side effects: locks the request row; notifies the employee after commit. Raises
    NotRequestDecider, RequestNotPending, ReasonRequired.
    """
    reason = (reason or "").strip()
    request = _lock(request)
    if not may_decide_request(user=by, request=request):
        raise NotRequestDecider()
    if request.state != RequestState.PENDING:
        raise RequestNotPending()
    if not reason:
        raise ReasonRequired()
    request.state = RequestState.RETURNED
    request.decided_at, request.decided_by, request.reason = timezone.now(), by, reason[:2000]
    request.save(update_fields=["state", "decided_at", "decided_by", "reason"])
    _notify(request, "registration_returned")
    return request


@transaction.atomic
def withdraw_registration_request(*, request: RegistrationRequest, by: User) -> RegistrationRequest:
    """The employee withdraws their pending request (a withdrawn one is returned unchanged).

    Side effects: locks the request row. Raises NotRequestDecider (not theirs),
    RequestNotPending (decided meanwhile).
    """
    request = _lock(request)
    if by.pk != request.employee_id:
        raise NotRequestDecider(_("Hanya pegawai yang mengajukan dapat menarik permintaan ini."))
    if request.state == RequestState.WITHDRAWN:
        return request
    if request.state != RequestState.PENDING:
        raise RequestNotPending()
    request.state = RequestState.WITHDRAWN
    request.decided_at, request.decided_by = timezone.now(), by
    request.save(update_fields=["state", "decided_at", "decided_by"])
    return request


def _notify(request: RegistrationRequest, kind: str) -> None:
    """Records the message of this event in the same transaction; it is emailed once after
    commit (notifications.services.notify), as the learning reports' are."""
    title = request.training.title
    if kind == "registration_waiting":
        recipient, url = request.supervisor_id, reverse("team:approval-list")
        text = _(
            "Permintaan pendaftaran pelatihan menunggu persetujuan Anda: %(title)s (%(name)s)"
        ) % {
            "title": title,
            "name": request.employee.full_name,
        }
        body = ""
        key = f"{kind}:{request.pk}"
    else:
        recipient = request.employee_id
        url = reverse("training:training-detail", kwargs={"id_or_slug": request.training.slug})
        if kind == "registration_approved":
            waitlisted = (
                request.enrollment is not None
                and request.enrollment.status == EnrollmentStatus.WAITLISTED
            )
            text = (
                _(
                    "Permintaan pendaftaran Anda disetujui; kelas penuh, Anda di daftar tunggu: %(title)s"
                )
                if waitlisted
                else _("Permintaan pendaftaran Anda disetujui; Anda terdaftar: %(title)s")
            ) % {"title": title}
            body = ""
        else:
            text = _("Permintaan pendaftaran Anda dikembalikan: %(title)s") % {"title": title}
            body = request.reason
        key = f"{kind}:{request.pk}"
    if recipient is None:
        return
    notification_services.notify(
        recipient_ids=[recipient], kind=kind, title=text, body=body, url=url, key=key
    )
