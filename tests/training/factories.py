from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from training import services
from training.models import (
    ActivityType,
    Enrollment,
    LearningKind,
    LearningRecord,
    Training,
    TrainingKind,
    TrainingMode,
    TrainingStatus,
)


def in_days(days: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


class TrainingFactory(DjangoModelFactory):
    """An open, published klasikal training: registration open now, starting in 14 days.

    Built through services.save_training, as the admin does. `eligible_units` and
    `eligible_positions` take lists.
    """

    class Meta:
        model = Training
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Pelatihan Uji {n}")
    slug = factory.Sequence(lambda n: f"pelatihan-uji-{n}")
    description = "Pelatihan untuk pengujian."
    kind = TrainingKind.OPEN
    mode = TrainingMode.KLASIKAL
    jp = Decimal("8")
    start_at = factory.LazyFunction(lambda: in_days(14))
    end_at = factory.LazyAttribute(lambda o: o.start_at + dt.timedelta(hours=8))
    place = "Aula BPSDM, Depok"
    registration_opens_at = factory.LazyFunction(lambda: in_days(-1))
    registration_closes_at = factory.LazyAttribute(lambda o: o.start_at - dt.timedelta(days=1))
    capacity = 10
    status = TrainingStatus.PUBLISHED

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.save_training(training=model_class(*args, **kwargs))

    @factory.post_generation
    def eligible_units(self, create, extracted, **kwargs):
        if create and extracted:
            self.eligible_units.set(extracted)

    @factory.post_generation
    def eligible_positions(self, create, extracted, **kwargs):
        if create and extracted:
            self.eligible_positions.set(extracted)


def registered_for_past_training(
    employee, *, start: dt.datetime | None = None, length=dt.timedelta(hours=6), **fields
) -> Enrollment:
    """`employee`'s enrolment in a training (`fields` for TrainingFactory) they registered for
    and which has since taken place (from `start`, by default two days ago, for `length`), so
    HR may mark it completed."""
    training = TrainingFactory(**fields)
    enrollment = services.register(training=training, employee=employee)
    move_into_past(training, start=start, length=length)
    enrollment.refresh_from_db()
    return enrollment


def move_into_past(
    training: Training, *, start: dt.datetime | None = None, length=dt.timedelta(hours=6)
) -> None:
    """`training` has taken place (from `start`, by default two days ago, for `length`) and its
    registration window is gone, as after the day; past the services' checks, so people who
    registered before may be marked completed."""
    start = start or in_days(-2)
    Training.objects.filter(pk=training.pk).update(
        start_at=start,
        end_at=start + length,
        registration_opens_at=None,
        registration_closes_at=None,
    )


#: What an activity in a test is, unless the test says otherwise.
ACTIVITY = {
    "kind": LearningKind.NONKLASIKAL,
    "activity_type": ActivityType.SEMINAR,
    "description": "Seminar",
}


def recorded_activity(
    employee, *, by, jp, year: int | None = None, date: dt.date | None = None, **fields
) -> LearningRecord:
    """`jp` of another development activity in `employee`'s ledger, recorded by HR (`by`)
    through services.record_activity; `year` is `date`'s, else this year; `fields` (kind,
    activity_type, description) override ACTIVITY."""
    if year is None:
        year = date.year if date else timezone.localdate().year
    return services.record_activity(
        employee=employee, recorded_by=by, jp=jp, year=year, date=date, **{**ACTIVITY, **fields}
    )


def restore_reference_data() -> None:
    """Puts back what data migrations load (the competency dictionary, the JP conversion
    table): a transactional test empties every table when it ends, and later tests on a reused
    test database expect them."""
    from django.apps import apps

    for module in (
        "competency.migrations.0002_load_dictionary",
        "training.migrations.0002_jp_conversions",
    ):
        importlib.import_module(module).load(apps, None)
    importlib.import_module("training.migrations.0003_activity_reports").seed(apps, None)
