"""A training itself: saved (a raised capacity fills seats from the waiting list), deleted,
cancelled with every place on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from rumahbelajar.people.models import User
from training.cache import bump_reports_version, bump_version
from training.models import Enrollment, EnrollmentStatus, Training, TrainingStatus
from training.services.seats import email_on_commit, fill_free_seats, lock_training


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
    old = lock_training(training.pk)
    training.save()
    now = timezone.now()
    if training.status == TrainingStatus.CANCELLED and old.status != TrainingStatus.CANCELLED:
        _cancel_active_enrollments(training=training, by=None, now=now)
    elif training.capacity > old.capacity:
        fill_free_seats(training=training, now=now)
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
    training = lock_training(training.pk)
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
    email_on_commit("training_cancelled", ids)
    return len(ids)
