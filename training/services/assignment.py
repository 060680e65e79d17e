"""HR assigns people to a training: a seat each, within the admin's scope and the capacity
(or overbooked where the rules allow)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rumahbelajar.people.models import User
from training.cache import bump_reports_version, bump_version
from training.models import Enrollment, EnrollmentSource, EnrollmentStatus, Training, TrainingStatus
from training.rules import (
    CapacityExceeded,
    OverbookingNotAllowed,
    TrainingCancelled,
    TrainingEnded,
    TrainingNotOpen,
    may_overbook,
)
from training.services.seats import (
    email_on_commit,
    employee_ids,
    lock_training,
    require_scope,
    seats_taken,
)


@dataclass(frozen=True)
class AssignmentReport:
    """What assign() did: `assigned` seats given (new rows, or waitlist places turned into
    assigned seats), people skipped because already enrolled, and how many of the assigned seats
    lie beyond the capacity (non-zero only with allow_overbooking=True)."""

    assigned: int
    skipped_already_enrolled: int
    over_capacity: int
    enrollment_ids: tuple[int, ...] = ()


@transaction.atomic
def assign(
    *,
    training: Training,
    employees: Iterable[User | int] | QuerySet[User],
    assigned_by: User,
    due_date: dt.date | None = None,
    allow_overbooking: bool = False,
) -> AssignmentReport:
    """HR assigns people to a training (mandated or open): each gets a seat, source "assigned".

    Side effects: locks the training row; emails every newly assigned person after commit.
    People already registered, completed or absent are skipped (a re-run assigns nobody twice);
    a person on the waitlist gets an assigned seat. Raises OutsideScope (whole request refused)
    if `assigned_by` does not manage every one of them, CapacityExceeded(needed, free) if the
    seats are not enough and allow_overbooking is False, OverbookingNotAllowed(needed, free) if
    they are not enough and `assigned_by` may not overbook this training (rules.may_overbook:
    HR only trainings their units organise), TrainingCancelled, TrainingNotOpen (draft) or
    TrainingEnded.
    """
    now = timezone.now()
    ids = employee_ids(employees)
    require_scope(admin=assigned_by, employee_ids=ids)
    training = lock_training(training.pk)
    if training.status == TrainingStatus.CANCELLED:
        raise TrainingCancelled()
    if training.status != TrainingStatus.PUBLISHED:
        raise TrainingNotOpen(_("Terbitkan pelatihan ini sebelum menugaskan peserta."))
    if now >= training.end_at:
        raise TrainingEnded()
    existing = dict(
        Enrollment.objects.select_for_update()
        .filter(training=training, employee_id__in=ids)
        .exclude(status=EnrollmentStatus.CANCELLED)
        .values_list("employee_id", "status")
    )
    waiting = [pk for pk, status in existing.items() if status == EnrollmentStatus.WAITLISTED]
    new = [pk for pk in ids if pk not in existing]
    skipped = len(existing) - len(waiting)
    needed = len(new) + len(waiting)
    free = max(training.capacity - seats_taken(training), 0)
    if needed > free:
        if not allow_overbooking:
            raise CapacityExceeded(needed=needed, free=free)
        if not may_overbook(admin=assigned_by, training=training):
            raise OverbookingNotAllowed(needed=needed, free=free)
    seat = {
        "status": EnrollmentStatus.REGISTERED,
        "source": EnrollmentSource.ASSIGNED,
        "registered_at": now,
        "assigned_by": assigned_by,
        "due_date": due_date,
    }
    if waiting:
        Enrollment.objects.filter(
            training=training, employee_id__in=waiting, status=EnrollmentStatus.WAITLISTED
        ).update(**seat, updated_at=now)
    created = Enrollment.objects.bulk_create(
        [Enrollment(training=training, employee_id=pk, created_at=now, **seat) for pk in new],
        batch_size=1000,
    )
    enrollment_ids = [e.pk for e in created] + list(
        Enrollment.objects.filter(
            training=training, employee_id__in=waiting, status=EnrollmentStatus.REGISTERED
        ).values_list("pk", flat=True)
    )
    email_on_commit("assigned", enrollment_ids)
    bump_version()  # the catalogue's cards show the seats left
    bump_reports_version()  # the JP report lists assignments not completed
    return AssignmentReport(
        assigned=needed,
        skipped_already_enrolled=skipped,
        over_capacity=max(needed - free, 0),
        enrollment_ids=tuple(sorted(enrollment_ids)),
    )
