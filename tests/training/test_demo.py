"""The training demo data: the contract's capacity training, the demo employee's assignment and
JP this year, and idempotence."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from rumahbelajar.people import demo as people_demo
from rumahbelajar.people.models import User
from training import demo, selectors
from training.models import Certificate, Enrollment, LearningRecord, Training

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    people_demo.seed(employees=30, log=lambda _text: None)
    demo.seed(log=lambda _text: None)


def test_seed_contract_training_open_capacity_ten_empty(seeded):
    training = Training.objects.get(title="Pelatihan Demo Kapasitas Terbatas")
    now = timezone.now()

    assert (training.kind, training.status, training.capacity) == ("open", "published", 10)
    assert training.registration_opens_at < now < training.registration_closes_at
    assert training.start_at > now
    assert training.enrollments.count() == 0


def test_seed_demo_employee_has_assigned_mandated_training(seeded):
    enrollment = Enrollment.objects.get(
        employee__email="pegawai@demo.rumahbelajar.id", source="assigned"
    )

    assert (enrollment.training.kind, enrollment.status) == ("mandated", "registered")
    assert enrollment.assigned_by.email == "hr@demo.rumahbelajar.id"
    assert enrollment.due_date is not None


def test_seed_demo_employee_jp_this_year_between_zero_and_twenty(seeded):
    employee = Enrollment.objects.filter(employee__email="pegawai@demo.rumahbelajar.id").first()

    summary = selectors.jp_summary(employee=employee.employee)

    # The seeded ledger (8 klasikal, 4 nonklasikal) plus the approved mentoring report of the
    # learning log (one session at the seeded 2 JP, nonklasikal).
    assert summary.total == Decimal("14.00")
    assert (summary.klasikal, summary.nonklasikal) == (Decimal("8.00"), Decimal("6.00"))


def test_seed_dozen_trainings_across_modes_and_kinds(seeded):
    upcoming = selectors.published_trainings()

    assert upcoming.count() >= 12
    assert set(upcoming.values_list("mode", flat=True)) == {"klasikal", "blended", "e_learning"}
    assert set(upcoming.values_list("kind", flat=True)) == {"open", "mandated"}


def test_seed_again_changes_nothing(seeded):
    counts = (Training.objects.count(), Enrollment.objects.count(), LearningRecord.objects.count())

    result = demo.seed(log=lambda _text: None)

    assert result == {"created": 0}
    assert (
        Training.objects.count(),
        Enrollment.objects.count(),
        LearningRecord.objects.count(),
    ) == counts


def test_seed_numbered_employees_jp_varies_for_the_compliance_report(seeded):
    hr = User.objects.get(email="hr@demo.rumahbelajar.id")
    scope = selectors.ReportScope(everyone=False, unit_paths=(hr.managed_units.get().path,))

    report = selectors.jp_compliance(scope=scope)

    shortfalls = {row.shortfall for row in report.rows}
    assert 0 < report.compliant < report.people
    assert len(shortfalls) > 3


def test_seed_demo_employee_has_a_completed_training_this_year_with_a_certificate(seeded):
    year = timezone.localdate().year

    certificate = Certificate.objects.filter(
        holder__email="pegawai@demo.rumahbelajar.id",
        revoked_at__isnull=True,
        enrollment__status="completed",
        enrollment__training__end_at__year=year,
    ).first()

    assert certificate is not None
    assert certificate.number.startswith(f"RB/{year}/")


def test_seed_again_issues_no_second_certificate(seeded):
    before = Certificate.objects.count()

    demo.seed(log=lambda _text: None)

    assert Certificate.objects.count() == before > 0


def test_seed_approval_training_open_and_demo_employee_asks_atasan(seeded):
    from rumahbelajar.people.selectors import supervisor_of, team_of
    from training import services

    training = Training.objects.get(title="Pelatihan Demo Perlu Persetujuan")
    employee = User.objects.get(email="pegawai@demo.rumahbelajar.id")
    atasan = User.objects.get(email="atasan@demo.rumahbelajar.id")

    asked = services.request_registration(training=training, employee=employee)

    assert (training.kind, training.status, training.requires_approval) == (
        "open",
        "published",
        True,
    )
    assert training.registration_opens_at < timezone.now() < training.registration_closes_at
    assert (
        Training.objects.get(title="Pelatihan Demo Kapasitas Terbatas").requires_approval is False
    )
    assert supervisor_of(employee=employee) == atasan
    assert asked.supervisor == atasan
    assert team_of(supervisor=atasan).count() > 1
