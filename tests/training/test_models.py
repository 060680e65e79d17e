"""Database constraints of the training models (the last line of defence behind the services)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.training.factories import TrainingFactory, in_days, registered_for_past_training
from training import services
from training.models import (
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    LearningRecord,
    Training,
    TrainingMode,
)

pytestmark = pytest.mark.django_db


def test_training_end_before_start_refused():
    with pytest.raises(ValidationError) as exc:
        TrainingFactory(start_at=in_days(5), end_at=in_days(4))

    assert exc.value.messages == ["Waktu selesai tidak boleh sebelum waktu mulai."]


def test_training_zero_capacity_refused_by_database():
    training = TrainingFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Training.objects.filter(pk=training.pk).update(capacity=0)


def test_training_all_digit_slug_refused():
    with pytest.raises(ValidationError) as exc:
        TrainingFactory(slug="12345")

    assert exc.value.message_dict["slug"] == ["Slug harus memuat huruf."]


def test_training_learning_kind_by_mode():
    kinds = [Training(mode=mode).learning_kind for mode in TrainingMode.values]

    assert kinds == ["klasikal", "klasikal", "nonklasikal"]


def test_enrollment_second_active_row_refused_by_database(employee):
    training = TrainingFactory()
    services.register(training=training, employee=employee)

    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(
            training=training,
            employee=employee,
            source=EnrollmentSource.SELF,
            status=EnrollmentStatus.WAITLISTED,
            waitlisted_at=timezone.now(),
        )


def test_enrollment_cancelled_rows_may_repeat(employee):
    training = TrainingFactory()
    for _ in range(2):
        services.cancel(
            enrollment=services.register(training=training, employee=employee), by=employee
        )

    active = services.register(training=training, employee=employee)

    assert Enrollment.objects.filter(training=training, employee=employee).count() == 3
    assert active.status == EnrollmentStatus.REGISTERED


def test_enrollment_unknown_status_refused_by_database(employee):
    training = TrainingFactory()
    enrollment = services.register(training=training, employee=employee)

    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.filter(pk=enrollment.pk).update(status="attended")


def test_learning_record_year_must_match_date(employee):
    with pytest.raises(IntegrityError), transaction.atomic():
        LearningRecord.objects.create(
            employee=employee,
            year=2025,
            jp=Decimal("2"),
            kind="nonklasikal",
            activity_type="coaching",
            description="x",
            date=dt.date(2026, 1, 2),
        )


def test_learning_record_one_per_enrollment(employee):
    enrollment = services.register(training=TrainingFactory(), employee=employee)
    fields = {
        "employee": employee,
        "year": 2026,
        "jp": Decimal("8"),
        "kind": "klasikal",
        "activity_type": "training",
        "description": "x",
        "date": dt.date(2026, 5, 1),
        "source_enrollment": enrollment,
    }
    LearningRecord.objects.create(**fields)

    with pytest.raises(IntegrityError), transaction.atomic():
        LearningRecord.objects.create(**fields)


def test_employee_with_completed_training_can_be_deleted(employee, hr_admin):
    from rumahbelajar.people import services as people_services

    enrollment = registered_for_past_training(employee)
    training = enrollment.training
    services.complete(enrollment=enrollment, by=hr_admin)

    people_services.delete_employee(employee=employee)

    assert Enrollment.objects.filter(training=training).count() == 0
    assert LearningRecord.objects.count() == 0


def test_enrollment_with_ledger_line_not_deleted_alone(employee, hr_admin):
    from django.db.models import RestrictedError

    enrollment = registered_for_past_training(employee)
    services.complete(enrollment=enrollment, by=hr_admin)

    with pytest.raises(RestrictedError):
        enrollment.delete()
