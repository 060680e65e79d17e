"""Self-registration and cancelling: a seat, or a place on the waiting list, taken under the
training's row lock; a cancelled seat goes to the first person waiting."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rumahbelajar.people import selectors as people_selectors
from rumahbelajar.people.models import User
from training.cache import bump_reports_version, bump_version
from training.models import SEAT_STATUSES, Enrollment, EnrollmentSource, EnrollmentStatus, Training
from training.rules import (
    AlreadyEnrolled,
    ApprovalRequired,
    NotCancellable,
    OutsideScope,
    TrainingStarted,
    is_eligible,
    self_registration_error,
)
from training.services.seats import fill_free_seats, lock_training


def register(*, training: Training, employee: User, approved: bool = False) -> Enrollment:
    """Registers `employee` for an open training, or waitlists them when it is full.

    Side effects: locks the training row until commit (TrainingBusy if the lock wait times out);
    may first move waitlisted people into free seats (they are emailed after commit); moves the
    catalogue's cache version on once the seat is taken (after the lock is released).
    Raises TrainingCancelled, TrainingNotOpen (draft or mandated), TrainingStarted,
    RegistrationClosed, NotEligible, AlreadyEnrolled; ApprovalRequired for a training that needs
    the supervisor's approval, unless `approved` (the approval itself registers through here:
    services.requests).

    The returned enrolment carries `waitlist_position` (1 = next in line) when waitlisted: its
    place at the moment it joined, counted under the lock, so no query is needed to tell it.
    """
    if training.requires_approval and not approved:
        raise ApprovalRequired()
    # Eligibility reads only the training's unit/position lists: done before the lock, so the
    # locked section is the lock, one INSERT ... SELECT that counts and decides, and the commit.
    eligible = is_eligible(training=training, employee=employee)
    try:
        enrollment = _register(training_id=training.pk, employee=employee, eligible=eligible)
    except IntegrityError as exc:
        # The unique constraint caught a second active row the lock did not (a direct insert).
        raise AlreadyEnrolled() from exc
    bump_version()  # the catalogue's cards show the seats left; outside the locked section
    return enrollment


# The seat decision, one statement under the training's row lock: counts the seats taken, the
# waitlist and the person's own active row, and inserts the enrolment as registered (a seat is
# free and nobody waits) or waitlisted (full), or inserts nothing (already enrolled; or someone
# waits while a seat is free, which the caller settles first). Its snapshot is taken after the
# lock was granted, so it sees every enrolment committed by earlier holders.
_REGISTER_SQL = """
    WITH counts AS (
        SELECT count(*) FILTER (WHERE status = ANY(%(seat_statuses)s)) AS taken,
               count(*) FILTER (WHERE status = 'waitlisted') AS waiting,
               coalesce(bool_or(employee_id = %(employee)s AND status <> 'cancelled'), false)
                   AS already
        FROM training_enrollment WHERE training_id = %(training)s
    ), inserted AS (
        INSERT INTO training_enrollment
            (training_id, employee_id, source, status, registered_at, waitlisted_at,
             created_at, updated_at)
        SELECT %(training)s, %(employee)s, %(source)s,
               CASE WHEN taken < %(capacity)s THEN %(registered)s ELSE %(waitlisted)s END,
               CASE WHEN taken < %(capacity)s THEN %(now)s END,
               CASE WHEN taken < %(capacity)s THEN NULL ELSE %(now)s END,
               %(now)s, %(now)s
        FROM counts
        WHERE NOT already AND NOT (waiting > 0 AND taken < %(capacity)s)
        RETURNING id, status
    )
    SELECT counts.taken, counts.waiting, counts.already, inserted.id, inserted.status
    FROM counts LEFT JOIN inserted ON true
"""


@transaction.atomic
def _register(*, training_id: int, employee: User, eligible: bool) -> Enrollment:
    training = lock_training(training_id)
    # Read after the lock was granted: waitlisted_at then follows the order of the lock (ties,
    # within a microsecond, go by id, which is drawn under the lock too).
    now = timezone.now()
    error = self_registration_error(
        training=training, employee=employee, now=now, eligible=eligible
    )
    if error is not None:
        raise error
    params: dict[str, Any] = {
        "training": training.pk,
        "employee": employee.pk,
        "capacity": training.capacity,
        "seat_statuses": [str(status) for status in SEAT_STATUSES],
        "source": str(EnrollmentSource.SELF),
        "registered": str(EnrollmentStatus.REGISTERED),
        "waitlisted": str(EnrollmentStatus.WAITLISTED),
        "now": now,
    }
    with connection.cursor() as cursor:
        cursor.execute(_REGISTER_SQL, params)
        taken, waiting, already, pk, status = cursor.fetchone()
        if already:
            raise AlreadyEnrolled()
        if pk is None:
            # Someone waits while a seat is free (capacity raised, say): they go first.
            fill_free_seats(training=training, now=now, taken=taken)
            cursor.execute(_REGISTER_SQL, params)
            taken, waiting, already, pk, status = cursor.fetchone()
    enrollment = Enrollment(
        pk=pk,
        training=training,
        employee=employee,
        source=EnrollmentSource.SELF,
        status=status,
        registered_at=now if status == EnrollmentStatus.REGISTERED else None,
        waitlisted_at=now if status == EnrollmentStatus.WAITLISTED else None,
        created_at=now,
        updated_at=now,
    )
    enrollment._state.adding = False
    enrollment._state.db = "default"
    enrollment.waitlist_position = (  # type: ignore[attr-defined]
        waiting + 1 if status == EnrollmentStatus.WAITLISTED else None
    )
    return enrollment


@transaction.atomic
def cancel(*, enrollment: Enrollment, by: User) -> Enrollment:
    """Cancels a registration or waitlist place; a freed seat goes to the first waitlisted person.

    Side effects: locks the training row, then the enrolment row; the promoted person (if any)
    is emailed after commit. The employee may cancel their own self-registration before the start;
    HR (for people they manage) and superusers may cancel any registered or waitlisted enrolment.
    Cancelling an already cancelled enrolment returns it unchanged.
    """
    now = timezone.now()
    training = lock_training(enrollment.training_id)
    enrollment = (
        Enrollment.objects.select_for_update().select_related("employee").get(pk=enrollment.pk)
    )
    if enrollment.status == EnrollmentStatus.CANCELLED:
        return enrollment
    is_self = by.pk == enrollment.employee_id
    is_admin = not is_self or by.is_superuser
    if is_admin and not people_selectors.can_manage_employee(
        admin=by, employee=enrollment.employee
    ):
        raise OutsideScope(_("Anda tidak berwenang membatalkan pendaftaran pegawai ini."))
    if enrollment.status not in (EnrollmentStatus.REGISTERED, EnrollmentStatus.WAITLISTED):
        raise NotCancellable(_("Pelatihan yang sudah dicatat kehadirannya tidak dapat dibatalkan."))
    if not is_admin:
        if enrollment.source == EnrollmentSource.ASSIGNED:
            raise NotCancellable(
                _("Pelatihan penugasan hanya dapat dibatalkan oleh pengelola SDM Anda.")
            )
        if now >= training.start_at:
            raise TrainingStarted(_("Pelatihan sudah dimulai; pendaftaran tidak dapat dibatalkan."))
    enrollment.status = EnrollmentStatus.CANCELLED
    enrollment.cancelled_at = now
    enrollment.cancelled_by = by
    enrollment.save(update_fields=["status", "cancelled_at", "cancelled_by", "updated_at"])
    fill_free_seats(training=training, now=now)
    bump_version()  # the catalogue's cards show the seats left
    bump_reports_version()  # the JP report lists assignments not completed
    return enrollment
