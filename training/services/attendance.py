"""Attendance, completion and the yearly JP ledger: a completion credits the training's JP
once (and issues its certificate), a correction withdraws it; HR records other activities."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rumahbelajar.people.models import User
from training import certificates
from training.cache import bump_reports_version
from training.models import (
    SEAT_STATUSES,
    ActivityType,
    Enrollment,
    EnrollmentStatus,
    LearningKind,
    LearningRecord,
)
from training.rules import InvalidActivity, TrainingError
from training.services.seats import require_scope


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
    require_scope(admin=by, employee_ids=[row.employee_id for row in rows])
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
    require_scope(admin=recorded_by, employee_ids=[employee.pk])
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
