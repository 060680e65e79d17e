"""The seats of a training: the row lock every seat-moving write takes first, the seat count,
moving the waiting list into free seats, and the emails those moves send after commit.

Seats left and waitlist positions are counted (training.selectors), never stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import OperationalError, connection
from django.db.models import QuerySet

from rumahbelajar.people import selectors as people_selectors
from rumahbelajar.people.models import User
from rumahbelajar.queue import queue_after_commit
from training.models import SEAT_STATUSES, Enrollment, EnrollmentStatus, Training, TrainingStatus
from training.rules import OutsideScope, TrainingBusy

# Ids per email task when many people are assigned at once.
EMAIL_TASK_CHUNK = 200
_LOCK_NOT_AVAILABLE = "55P03"


def lock_training(training_id: int) -> Training:
    """Locks the training row until the transaction ends, waiting at most
    TRAINING_LOCK_TIMEOUT_MS (default 5 s); raises TrainingBusy when the wait runs out."""
    timeout_ms = int(getattr(settings, "TRAINING_LOCK_TIMEOUT_MS", 5000))
    try:
        with connection.cursor() as cursor:
            # is_local: the timeout ends with this transaction and never leaks to the connection.
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{timeout_ms}ms"])
        found = list(Training.objects.raw(_LOCK_SQL, [training_id]))
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            raise TrainingBusy() from exc
        raise
    if not found:
        raise Training.DoesNotExist
    return found[0]


# SELECT ... FOR UPDATE of the whole row, written once (the ORM's query cost more to build than
# to run on the rush path).
_LOCK_SQL = f'SELECT * FROM "{Training._meta.db_table}" WHERE id = %s FOR UPDATE'  # noqa: S608


def seats_taken(training: Training) -> int:
    return Enrollment.objects.filter(training=training, status__in=SEAT_STATUSES).count()


def fill_free_seats(
    *, training: Training, now: dt.datetime, taken: int | None = None
) -> tuple[list[int], int]:
    """Moves waitlisted people (first come, first served) into the free seats of a locked
    training. Returns (their enrolment ids, seats taken afterwards). Nothing moves once the
    training has started or was cancelled."""
    if taken is None:
        taken = seats_taken(training)
    free = training.capacity - taken
    if free <= 0 or now >= training.start_at or training.status == TrainingStatus.CANCELLED:
        return [], taken
    promoted = list(
        Enrollment.objects.select_for_update()
        .filter(training=training, status=EnrollmentStatus.WAITLISTED)
        .order_by("waitlisted_at", "id")
        .values_list("pk", flat=True)[:free]
    )
    if promoted:
        Enrollment.objects.filter(pk__in=promoted).update(
            status=EnrollmentStatus.REGISTERED, registered_at=now, updated_at=now
        )
        email_on_commit("promoted", promoted)
    return promoted, taken + len(promoted)


def email_on_commit(kind: str, enrollment_ids: Sequence[int]) -> None:
    """Queues the `kind` email for these enrolments once the transaction commits (in chunks)."""
    from training import tasks

    ids = list(enrollment_ids)
    for start in range(0, len(ids), EMAIL_TASK_CHUNK):
        chunk = ids[start : start + EMAIL_TASK_CHUNK]
        queue_after_commit(tasks.send_enrollment_emails_task, kind=kind, enrollment_ids=chunk)


def employee_ids(employees: Iterable[User | int] | QuerySet[User]) -> list[int]:
    if isinstance(employees, QuerySet):
        return sorted(set(employees.values_list("pk", flat=True)))
    return sorted({e if isinstance(e, int) else e.pk for e in employees})


def require_scope(*, admin: User, employee_ids: Sequence[int]) -> None:
    """Raises OutsideScope unless `admin` manages every one of these people."""
    if admin.is_superuser or not employee_ids:
        return
    visible = people_selectors.employees_visible_to(user=admin).filter(pk__in=employee_ids)
    if visible.count() != len(set(employee_ids)):
        raise OutsideScope()
