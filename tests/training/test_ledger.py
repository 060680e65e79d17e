"""Attendance, completion into the yearly JP ledger, other development activities, and the
yearly summary against the 20 JP target."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.training.factories import (
    TrainingFactory,
    in_days,
    recorded_activity,
    registered_for_past_training,
)
from training import selectors, services
from training.models import (
    ActivityType,
    Enrollment,
    EnrollmentStatus,
    LearningKind,
    LearningRecord,
    TrainingMode,
)

pytestmark = pytest.mark.django_db


def started_training_with(employee, *, jp="8", mode=TrainingMode.KLASIKAL, days_ago=2):
    """A training the employee registered for, which has since taken place."""
    return registered_for_past_training(
        employee, start=in_days(-days_ago), jp=Decimal(jp), mode=mode
    )


def test_complete_credits_training_jp_to_ledger(employee, hr_admin):
    enrollment = started_training_with(employee, jp="8")

    record = services.complete(enrollment=enrollment, by=hr_admin)

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED
    assert (record.employee_id, record.jp, record.kind, record.source_enrollment_id) == (
        employee.pk,
        Decimal("8.00"),
        LearningKind.KLASIKAL,
        enrollment.pk,
    )
    assert record.year == timezone.localtime(enrollment.training.end_at).year


def test_complete_twice_credits_once(employee, hr_admin):
    enrollment = started_training_with(employee)
    first = services.complete(enrollment=enrollment, by=hr_admin)

    second = services.complete(enrollment=enrollment, by=hr_admin)

    assert second.pk == first.pk
    assert LearningRecord.objects.filter(employee=employee).count() == 1


def test_mark_attendance_bulk_twice_credits_once(employee, colleague, hr_admin):
    enrollments = [started_training_with(p) for p in (employee, colleague)]

    services.mark_attendance(enrollments=enrollments, status="completed", by=hr_admin)
    report = services.mark_attendance(enrollments=enrollments, status="completed", by=hr_admin)

    assert (report.changed, report.skipped) == (0, 2)
    assert LearningRecord.objects.count() == 2


def test_mark_attendance_no_show_after_completion_withdraws_jp(employee, hr_admin):
    enrollment = started_training_with(employee)
    services.complete(enrollment=enrollment, by=hr_admin)

    services.mark_attendance(enrollments=[enrollment], status="no_show", by=hr_admin)

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.NO_SHOW
    assert LearningRecord.objects.filter(employee=employee).count() == 0


def test_mark_attendance_training_not_started_skipped(employee, hr_admin):
    enrollment = services.register(training=TrainingFactory(), employee=employee)

    report = services.mark_attendance(enrollments=[enrollment], status="completed", by=hr_admin)

    assert (report.changed, report.skipped) == (0, 1)
    assert Enrollment.objects.get(pk=enrollment.pk).status == EnrollmentStatus.REGISTERED


def test_mark_attendance_outside_scope_refused(outsider, hr_admin):
    enrollment = started_training_with(outsider)

    with pytest.raises(services.OutsideScope):
        services.mark_attendance(enrollments=[enrollment], status="completed", by=hr_admin)

    assert LearningRecord.objects.count() == 0


def test_complete_e_learning_counts_nonklasikal(employee, hr_admin):
    enrollment = started_training_with(employee, jp="3", mode=TrainingMode.E_LEARNING)

    record = services.complete(enrollment=enrollment, by=hr_admin)

    assert (record.kind, record.activity_type) == (LearningKind.NONKLASIKAL, "e_learning")


def test_complete_blended_counts_klasikal(employee, hr_admin):
    enrollment = started_training_with(employee, mode=TrainingMode.BLENDED)

    record = services.complete(enrollment=enrollment, by=hr_admin)

    assert record.kind == LearningKind.KLASIKAL


def test_record_activity_in_scope_adds_line(employee, hr_admin):
    record = services.record_activity(
        employee=employee,
        year=2026,
        jp=Decimal("2"),
        kind=LearningKind.NONKLASIKAL,
        activity_type=ActivityType.COACHING,
        description="Coaching penyusunan telaahan staf",
        recorded_by=hr_admin,
        date=dt.date(2026, 3, 4),
    )

    assert (record.year, record.jp, record.recorded_by_id) == (2026, Decimal("2.00"), hr_admin.pk)


def test_record_activity_outside_scope_refused(outsider, hr_admin):
    with pytest.raises(services.OutsideScope):
        recorded_activity(outsider, by=hr_admin, jp=2, year=2026)

    assert LearningRecord.objects.count() == 0


def test_record_activity_zero_jp_refused(employee, hr_admin):
    with pytest.raises(services.InvalidActivity) as exc:
        recorded_activity(employee, by=hr_admin, jp=0, year=2026)

    assert str(exc.value) == "JP harus lebih dari 0."


def eight_klasikal_and_mentoring(employee, hr_admin, *, year: int) -> None:
    """A completed 8 JP klasikal training and 4.5 JP of mentoring (nonklasikal) in `year`."""
    services.complete(enrollment=started_training_with(employee, jp="8"), by=hr_admin)
    recorded_activity(
        employee, by=hr_admin, jp="4.5", year=year, activity_type=ActivityType.MENTORING
    )


def test_jp_summary_splits_klasikal_nonklasikal(employee, hr_admin):
    year = timezone.localdate().year
    eight_klasikal_and_mentoring(employee, hr_admin, year=year)
    recorded_activity(employee, by=hr_admin, jp="10", year=year - 1, kind=LearningKind.KLASIKAL)

    summary = selectors.jp_summary(employee=employee, year=year)

    assert (summary.total, summary.klasikal, summary.nonklasikal) == (
        Decimal("12.50"),
        Decimal("8.00"),
        Decimal("4.50"),
    )
    assert (summary.target, summary.percent, summary.remaining) == (20, 62, Decimal("7.50"))


def test_my_trainings_with_jp_is_jp_summary_in_the_same_query(
    employee, hr_admin, django_assert_num_queries
):
    year = timezone.localdate().year
    eight_klasikal_and_mentoring(employee, hr_admin, year=year)
    later = TrainingFactory(start_at=in_days(9), end_at=in_days(10))
    services.register(training=later, employee=employee)

    with django_assert_num_queries(1):
        mine = selectors.my_trainings(employee=employee, with_jp=True)

    assert mine.jp == selectors.jp_summary(employee=employee)
    assert (mine.jp.klasikal, mine.jp.nonklasikal) == (Decimal("8.00"), Decimal("4.50"))
    assert [e.training for e in mine.registered] == [later]
    assert len(mine.completed) == 1
    assert selectors.my_trainings(employee=employee).jp is None


def test_jp_summary_over_target_caps_percent(employee, hr_admin):
    recorded_activity(employee, by=hr_admin, jp="25", year=2026, kind=LearningKind.KLASIKAL)

    summary = selectors.jp_summary(employee=employee, year=2026)

    assert (summary.percent, summary.target_met) == (100, True)


def test_jp_summary_nothing_recorded_zero(employee):
    summary = selectors.jp_summary(employee=employee, year=2026)

    assert (summary.total, summary.percent) == (Decimal("0"), 0)


def test_jp_for_activity_uses_conversion_table():
    jp, kind = selectors.jp_for_activity(activity_type="coaching", quantity=Decimal("3"))

    assert (jp, kind) == (Decimal("6.00"), LearningKind.NONKLASIKAL)


def test_jp_for_activity_self_study_capped():
    jp, _kind = selectors.jp_for_activity(activity_type="self_study", quantity=Decimal("30"))

    assert jp == Decimal("10.00")


def test_my_trainings_completed_carries_jp(employee, hr_admin):
    enrollment = started_training_with(employee, jp="5")
    services.complete(enrollment=enrollment, by=hr_admin)

    mine = selectors.my_trainings(employee=employee)

    assert [(e.pk, e.learning_record.jp) for e in mine.completed] == [
        (enrollment.pk, Decimal("5.00"))
    ]
