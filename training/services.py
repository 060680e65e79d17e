"""Every write about trainings, enrolments and the JP ledger goes through here.

Scarce seats: every service that takes, frees or moves a seat first locks the training row
(SELECT ... FOR UPDATE), then re-counts the enrolments, then writes; the partial unique constraint
"one non-cancelled enrolment per (training, employee)" backs it up. Seats left and waitlist
positions are counted (training.selectors), never stored.

Emails leave through Celery tasks fired after commit (rumahbelajar.queue.queue_after_commit):
a rolled-back transaction sends nothing, and a broker that is down never fails the write.

Errors are the domain exceptions of training.rules, re-exported here (`services.TrainingError`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rumahbelajar.people import selectors as people_selectors
from rumahbelajar.people.models import User
from rumahbelajar.queue import queue_after_commit
from training import certificates
from training.activities import (
    CommentRequired,
    NoApprover,
    NotAllowedToDecide,
    NotPending,
    ReportError,
    ReportLocked,
    approve_report,
    return_report,
    save_report,
    withdraw_review,
)
from training.cache import bump_reports_version, bump_version
from training.models import (
    SEAT_STATUSES,
    ActivityType,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    LearningKind,
    LearningRecord,
    Training,
    TrainingStatus,
)
from training.rules import (
    AlreadyEnrolled,
    CapacityExceeded,
    InvalidActivity,
    NotCancellable,
    NotEligible,
    OutsideScope,
    OverbookingNotAllowed,
    RegistrationClosed,
    TrainingBusy,
    TrainingCancelled,
    TrainingEnded,
    TrainingError,
    TrainingFull,
    TrainingNotOpen,
    TrainingStarted,
    is_eligible,
    may_overbook,
    self_registration_error,
)

__all__ = [
    "AlreadyEnrolled",
    "AssignmentReport",
    "AttendanceReport",
    "CapacityExceeded",
    "CommentRequired",
    "InvalidActivity",
    "NoApprover",
    "NotAllowedToDecide",
    "NotCancellable",
    "NotEligible",
    "NotPending",
    "OutsideScope",
    "OverbookingNotAllowed",
    "RegistrationClosed",
    "ReportError",
    "ReportLocked",
    "TrainingBusy",
    "TrainingCancelled",
    "TrainingEnded",
    "TrainingError",
    "TrainingFull",
    "TrainingNotOpen",
    "TrainingStarted",
    "approve_report",
    "assign",
    "cancel",
    "cancel_training",
    "complete",
    "is_eligible",
    "mark_attendance",
    "may_overbook",
    "record_activity",
    "register",
    "return_report",
    "save_report",
    "save_training",
    "send_due_reminders",
    "withdraw_review",
]

# Ids per email task when many people are assigned at once.
EMAIL_TASK_CHUNK = 200
_LOCK_NOT_AVAILABLE = "55P03"


# --- locking and seat arithmetic -----------------------------------------------------------------


def _lock_training(training_id: int) -> Training:
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


def _seats_taken(training: Training) -> int:
    return Enrollment.objects.filter(training=training, status__in=SEAT_STATUSES).count()


def _fill_free_seats(
    *, training: Training, now: dt.datetime, taken: int | None = None
) -> tuple[list[int], int]:
    """Moves waitlisted people (first come, first served) into the free seats of a locked
    training. Returns (their enrolment ids, seats taken afterwards). Nothing moves once the
    training has started or was cancelled."""
    if taken is None:
        taken = _seats_taken(training)
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
        _email_on_commit("promoted", promoted)
    return promoted, taken + len(promoted)


def _email_on_commit(kind: str, enrollment_ids: Sequence[int]) -> None:
    """Queues the `kind` email for these enrolments once the transaction commits (in chunks)."""
    from training import tasks

    ids = list(enrollment_ids)
    for start in range(0, len(ids), EMAIL_TASK_CHUNK):
        chunk = ids[start : start + EMAIL_TASK_CHUNK]
        queue_after_commit(tasks.send_enrollment_emails_task, kind=kind, enrollment_ids=chunk)


def _employee_ids(employees: Iterable[User | int] | QuerySet[User]) -> list[int]:
    if isinstance(employees, QuerySet):
        return sorted(set(employees.values_list("pk", flat=True)))
    return sorted({e if isinstance(e, int) else e.pk for e in employees})


def _require_scope(*, admin: User, employee_ids: Sequence[int]) -> None:
    """Raises OutsideScope unless `admin` manages every one of these people."""
    if admin.is_superuser or not employee_ids:
        return
    visible = people_selectors.employees_visible_to(user=admin).filter(pk__in=employee_ids)
    if visible.count() != len(set(employee_ids)):
        raise OutsideScope()


# --- self-registration -----------------------------------------------------------------------


def register(*, training: Training, employee: User) -> Enrollment:
    """Registers `employee` for an open training, or waitlists them when it is full.

    Side effects: locks the training row until commit (TrainingBusy if the lock wait times out);
    may first move waitlisted people into free seats (they are emailed after commit); moves the
    catalogue's cache version on once the seat is taken (after the lock is released).
    Raises TrainingCancelled, TrainingNotOpen (draft or mandated), TrainingStarted,
    RegistrationClosed, NotEligible, AlreadyEnrolled.

    The returned enrolment carries `waitlist_position` (1 = next in line) when waitlisted: its
    place at the moment it joined, counted under the lock, so no query is needed to tell it.
    """
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
    training = _lock_training(training_id)
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
            _fill_free_seats(training=training, now=now, taken=taken)
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
    training = _lock_training(enrollment.training_id)
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
    _fill_free_seats(training=training, now=now)
    bump_version()  # the catalogue's cards show the seats left
    bump_reports_version()  # the JP report lists assignments not completed
    return enrollment


# --- assignment by HR --------------------------------------------------------------------------


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
    ids = _employee_ids(employees)
    _require_scope(admin=assigned_by, employee_ids=ids)
    training = _lock_training(training.pk)
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
    free = max(training.capacity - _seats_taken(training), 0)
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
    _email_on_commit("assigned", enrollment_ids)
    bump_version()  # the catalogue's cards show the seats left
    bump_reports_version()  # the JP report lists assignments not completed
    return AssignmentReport(
        assigned=needed,
        skipped_already_enrolled=skipped,
        over_capacity=max(needed - free, 0),
        enrollment_ids=tuple(sorted(enrollment_ids)),
    )


# --- attendance, completion and the ledger ------------------------------------------------------


@dataclass(frozen=True)
class AttendanceReport:
    """What mark_attendance() did: rows changed, and rows left alone (waitlisted or cancelled,
    already in that state, or the training has not started yet)."""

    changed: int
    skipped: int


def _credit(*, enrollment: Enrollment, by: User | None, now: dt.datetime) -> LearningRecord:
    """The ledger line of a completed enrolment: created once, found afterwards."""
    training = enrollment.training
    day = timezone.localtime(training.end_at).date()
    record, _created = LearningRecord.objects.get_or_create(
        source_enrollment=enrollment,
        defaults={
            "employee_id": enrollment.employee_id,
            "year": day.year,
            "jp": training.jp,
            "kind": training.learning_kind,
            "activity_type": ActivityType.TRAINING
            if training.learning_kind == LearningKind.KLASIKAL
            else ActivityType.E_LEARNING,
            "description": training.title[:300],
            "date": day,
            "recorded_by": by,
            "created_at": now,
        },
    )
    return record


@transaction.atomic
def mark_attendance(
    *, enrollments: Iterable[Enrollment] | QuerySet[Enrollment], status: str, by: User
) -> AttendanceReport:
    """Records attendance: "completed" credits the training's JP to each person's ledger once;
    "no_show" marks them absent (and withdraws the JP of a completion being corrected).

    Side effects: locks the enrolment rows (in id order); writes ledger rows. Only registered,
    completed or no_show enrolments of trainings that have started change. Raises OutsideScope
    if `by` does not manage every person concerned.
    """
    if status not in (EnrollmentStatus.COMPLETED, EnrollmentStatus.NO_SHOW):
        raise TrainingError(_("Status kehadiran harus 'selesai' atau 'tidak hadir'."))
    now = timezone.now()
    if isinstance(enrollments, QuerySet):
        ids = list(enrollments.values_list("pk", flat=True))
    else:
        ids = [e.pk for e in enrollments]
    rows = list(
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("training")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    _require_scope(admin=by, employee_ids=[row.employee_id for row in rows])
    changed = 0
    # Certificates follow completions (training.certificates), under the same row locks.
    newly_completed: list[Enrollment] = []
    confirmed: list[Enrollment] = []
    withdrawn: list[Enrollment] = []
    for row in rows:
        if row.status not in SEAT_STATUSES or now < row.training.start_at:
            continue
        if status == EnrollmentStatus.COMPLETED:
            _credit(enrollment=row, by=by, now=now)
            if row.status == EnrollmentStatus.COMPLETED:
                confirmed.append(row)
                continue
            newly_completed.append(row)
            row.completed_at = now
        else:
            if row.status == EnrollmentStatus.NO_SHOW:
                continue
            if row.status == EnrollmentStatus.COMPLETED:
                withdrawn.append(row)
            LearningRecord.objects.filter(source_enrollment=row).delete()
            row.completed_at = None
        row.status = status
        row.attendance_marked_at = now
        row.attendance_marked_by = by
        row.save(
            update_fields=[
                "status",
                "completed_at",
                "attendance_marked_at",
                "attendance_marked_by",
                "updated_at",
            ]
        )
        changed += 1
    certificates.issue_for_completions(newly_completed=newly_completed, confirmed=confirmed, by=by)
    certificates.revoke_for_withdrawn(enrollments=withdrawn, by=by)
    # Their ledgers and "Pelatihan saya" show it (a correction too, even if the status stayed).
    bump_reports_version()
    return AttendanceReport(changed=changed, skipped=len(ids) - changed)


@transaction.atomic
def complete(*, enrollment: Enrollment, by: User) -> LearningRecord:
    """Marks one enrolment completed and credits the training's JP to the employee's ledger for
    the year the training ends, exactly once (idempotent: a second call returns the same line).

    Side effects: locks the enrolment row; writes one ledger row. Raises OutsideScope,
    TrainingError if the enrolment is waitlisted/cancelled or the training has not started.
    """
    mark_attendance(enrollments=[enrollment], status=EnrollmentStatus.COMPLETED, by=by)
    record = LearningRecord.objects.filter(source_enrollment_id=enrollment.pk).first()
    if record is None:
        raise TrainingError(
            _("Hanya peserta terdaftar pada pelatihan yang sudah dimulai yang dapat diselesaikan.")
        )
    return record


@transaction.atomic
def record_activity(
    *,
    employee: User,
    year: int,
    jp: Decimal | int | str,
    kind: str,
    activity_type: str,
    description: str,
    recorded_by: User,
    date: dt.date | None = None,
) -> LearningRecord:
    """HR records another development activity (coaching, mentoring, seminar, e-learning
    elsewhere, ...) with its JP in the employee's ledger.

    `date` defaults to today in the current year, else 31 December of `year`. Raises
    OutsideScope or InvalidActivity.
    """
    _require_scope(admin=recorded_by, employee_ids=[employee.pk])
    try:
        jp = Decimal(str(jp))
    except ArithmeticError as exc:
        raise InvalidActivity(_("JP harus berupa angka.")) from exc
    if jp <= 0 or jp >= Decimal("10000"):
        raise InvalidActivity(_("JP harus lebih dari 0."))
    if kind not in LearningKind.values:
        raise InvalidActivity(_("Jalur harus klasikal atau nonklasikal."))
    if activity_type not in ActivityType.values:
        raise InvalidActivity(_("Jenis kegiatan tidak dikenal."))
    if not 2000 <= year <= 2100:
        raise InvalidActivity(_("Tahun tidak valid."))
    today = timezone.localdate()
    if date is None:
        date = today if today.year == year else dt.date(year, 12, 31)
    if date.year != year:
        raise InvalidActivity(_("Tanggal harus berada pada tahun yang dicatat."))
    description = description.strip()
    if not description:
        raise InvalidActivity(_("Uraian kegiatan wajib diisi."))
    bump_reports_version()
    return LearningRecord.objects.create(
        employee=employee,
        year=year,
        jp=jp.quantize(Decimal("0.01")),
        kind=kind,
        activity_type=activity_type,
        description=description[:300],
        date=date,
        recorded_by=recorded_by,
    )


# --- trainings ---------------------------------------------------------------------------------


@transaction.atomic
def save_training(*, training: Training) -> Training:
    """Creates or updates a training from a filled-in instance (admin form, demo data).

    Side effects: for an existing training, locks its row; a raised capacity moves waitlisted
    people into the new seats (emailed after commit); switching the status to cancelled cancels
    the active enrolments (see cancel_training). Many-to-many fields are the caller's (form.save_m2m).
    """
    training.full_clean(exclude=["competencies", "eligible_units", "eligible_positions"])
    # After commit as well: the caller's many-to-many writes (competencies) are in the cards.
    bump_version()
    bump_reports_version()  # titles and cancellations show in the JP report
    if training.pk is None:
        training.save(force_insert=True)
        return training
    old = _lock_training(training.pk)
    training.save()
    now = timezone.now()
    if training.status == TrainingStatus.CANCELLED and old.status != TrainingStatus.CANCELLED:
        _cancel_active_enrollments(training=training, by=None, now=now)
    elif training.capacity > old.capacity:
        _fill_free_seats(training=training, now=now)
    return training


@transaction.atomic
def delete_trainings(*, trainings: Iterable[Training]) -> int:
    """Deletes trainings (the admin's delete); returns how many rows went.

    Side effects: the catalogue renders afresh (its cached cards are keyed by version)."""
    ids = [training.pk for training in trainings]
    deleted, _per_model = Training.objects.filter(pk__in=ids).delete()
    bump_version()
    return deleted


@transaction.atomic
def cancel_training(*, training: Training, by: User) -> int:
    """Cancels a training and every registered or waitlisted place on it; returns how many.

    Side effects: locks the training row; emails each person whose place was cancelled after
    commit.
    """
    now = timezone.now()
    training = _lock_training(training.pk)
    if training.status == TrainingStatus.CANCELLED:
        return 0
    training.status = TrainingStatus.CANCELLED
    training.save(update_fields=["status", "updated_at"])
    bump_version()
    bump_reports_version()
    return _cancel_active_enrollments(training=training, by=by, now=now)


def _cancel_active_enrollments(*, training: Training, by: User | None, now: dt.datetime) -> int:
    ids = list(
        Enrollment.objects.select_for_update()
        .filter(
            training=training,
            status__in=[EnrollmentStatus.REGISTERED, EnrollmentStatus.WAITLISTED],
        )
        .values_list("pk", flat=True)
    )
    Enrollment.objects.filter(pk__in=ids).update(
        status=EnrollmentStatus.CANCELLED, cancelled_at=now, cancelled_by=by, updated_at=now
    )
    _email_on_commit("training_cancelled", ids)
    return len(ids)


# --- reminders ---------------------------------------------------------------------------------

_CLAIM_REMINDERS_SQL = """
    UPDATE training_enrollment AS e
    SET reminded_at = %(now)s
    FROM training_training AS t
    WHERE e.training_id = t.id
      AND e.source = 'assigned'
      AND e.status = 'registered'
      AND e.reminded_at IS NULL
      AND t.status = 'published'
      AND (
            (e.due_date IS NOT NULL AND e.due_date >= %(today)s AND e.due_date <= %(last_day)s)
         OR (t.start_at > %(now)s AND t.start_at <= %(horizon)s)
      )
    RETURNING e.id
"""


@transaction.atomic
def send_due_reminders(*, now: dt.datetime | None = None, days: int | None = None) -> list[int]:
    """Claims the assigned enrolments whose due date or start falls within `days`
    (TRAINING_REMINDER_DAYS, default 3) and were not reminded yet; returns their ids.

    Side effects: sets reminded_at in one UPDATE ... WHERE reminded_at IS NULL RETURNING, so two
    concurrent runs never claim the same row (the second waits on the row lock, re-checks the
    condition and skips it); fires the reminder emails after commit.
    """
    now = now or timezone.now()
    days = days if days is not None else int(getattr(settings, "TRAINING_REMINDER_DAYS", 3))
    today = timezone.localtime(now).date()
    with connection.cursor() as cursor:
        cursor.execute(
            _CLAIM_REMINDERS_SQL,
            {
                "now": now,
                "today": today,
                "last_day": today + dt.timedelta(days=days),
                "horizon": now + dt.timedelta(days=days),
            },
        )
        ids = sorted(row[0] for row in cursor.fetchall())
    _email_on_commit("reminder", ids)
    return ids


# --- the monthly JP digest ------------------------------------------------------------------------

_BEHIND_PACE_SQL = """
    SELECT u.id, coalesce(sum(r.jp), 0) AS jp
    FROM people_user AS u
    LEFT JOIN training_learningrecord AS r ON r.employee_id = u.id AND r.year = %(year)s
    WHERE u.is_active AND u.nip IS NOT NULL
    GROUP BY u.id
    HAVING coalesce(sum(r.jp), 0) < %(expected)s
"""


def send_jp_digest(*, today: dt.date | None = None) -> int:
    """Beat, on the first of a month: a message (emailed once, unless opted out) to every active
    employee whose JP this year are behind the pace to the yearly target (the target times the
    share of the year already past). Returns how many were told; none in January.

    Side effects: one set-based query, then notifications in chunks; a second run in the same
    month tells nobody again (the message's key names the month).
    """
    from notifications import services as notification_services
    from training.models import YEARLY_JP_TARGET

    today = today or timezone.localdate()
    expected = (Decimal(YEARLY_JP_TARGET) * (today.month - 1) / 12).quantize(Decimal("0.01"))
    if expected <= 0:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_BEHIND_PACE_SQL, {"year": today.year, "expected": expected})
        behind = cursor.fetchall()
    told = 0
    for start in range(0, len(behind), EMAIL_TASK_CHUNK):
        chunk = behind[start : start + EMAIL_TASK_CHUNK]
        for person_id, jp in chunk:
            created = notification_services.notify(
                recipient_ids=[person_id],
                kind="jp_digest",
                title=_("JP Anda tahun ini: %(jp)s dari target %(target)s")
                % {
                    "jp": jp.normalize() if jp else 0,
                    "target": YEARLY_JP_TARGET,
                },
                body=_(
                    "Agar target %(target)s JP tercapai, seharusnya sekarang sudah sekitar "
                    "%(expected)s JP. Ikuti pelatihan atau laporkan kegiatan belajar Anda."
                )
                % {"target": YEARLY_JP_TARGET, "expected": expected.normalize()},
                url="/trainings/mine/",
                key=f"jp_digest:{today:%Y-%m}",
            )
            told += len(created)
    return told
