"""Certificates under real concurrency (transactional_db: every thread really commits): the same
completion recorded twice at once issues one certificate; completions of many people at once get
consecutive numbers without gaps or duplicates."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.people.factories import UserFactory
from tests.training.factories import TrainingFactory, move_into_past
from tests.training.test_concurrency import run_at_once
from training import services
from training.models import Certificate, Enrollment

pytestmark = pytest.mark.usefixtures("_restore_reference_data")


def test_same_completion_recorded_at_once_issues_one_certificate(transactional_db, hr_admin):
    training = TrainingFactory()
    employee = UserFactory(unit=hr_admin.managed_units.get())
    enrollment = services.register(training=training, employee=employee)
    move_into_past(training)

    results, errors = run_at_once(
        [lambda: services.complete(enrollment=Enrollment.objects.get(pk=enrollment.pk),
                                   by=hr_admin)] * 4
    )  # fmt: skip

    assert errors == []
    assert len(results) == 4
    assert Certificate.objects.filter(enrollment=enrollment).count() == 1


def test_completions_at_once_numbered_without_gaps(transactional_db, hr_admin):
    training = TrainingFactory(capacity=8)
    unit = hr_admin.managed_units.get()
    enrollments = [
        services.register(training=training, employee=UserFactory(unit=unit)) for _ in range(8)
    ]
    move_into_past(training)

    def complete(pk: int):
        return lambda: services.complete(enrollment=Enrollment.objects.get(pk=pk), by=hr_admin)

    _results, errors = run_at_once([complete(e.pk) for e in enrollments])

    assert errors == []
    year = timezone.localdate().year
    sequences = sorted(Certificate.objects.filter(year=year).values_list("sequence", flat=True))
    assert sequences == list(range(1, 9))
    assert Certificate.objects.values("number").distinct().count() == 8
