"""The beat task that reminds people of an assigned training whose due date or start is near:
each assignment is reminded once, even when two runs overlap."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from tests.people.factories import UserFactory
from tests.training.factories import TrainingFactory, in_days
from training import services, tasks
from training.models import Enrollment, TrainingKind


def assign(training, people, hr_admin, due_in_days=None):
    due = timezone.localdate() + dt.timedelta(days=due_in_days) if due_in_days is not None else None
    services.assign(training=training, employees=people, assigned_by=hr_admin, due_date=due)


@pytest.mark.django_db
def test_send_reminders_due_date_near_emails_once(
    employee, hr_admin, django_capture_on_commit_callbacks
):
    training = TrainingFactory(kind=TrainingKind.MANDATED, title="Pelatihan Wajib Arsip")
    assign(training, [employee], hr_admin, due_in_days=2)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.send_reminders()
    with django_capture_on_commit_callbacks(execute=True):
        second = tasks.send_reminders()

    assert (first, second) == (1, 0)
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([employee.email], "[Rumah Belajar] Pengingat: Pelatihan Wajib Arsip")
    ]
    assert Enrollment.objects.get(employee=employee).reminded_at is not None


@pytest.mark.django_db
def test_send_reminders_start_near_without_due_date_reminds(employee, hr_admin):
    training = TrainingFactory(start_at=in_days(2), registration_closes_at=None)
    assign(training, [employee], hr_admin)

    claimed = services.send_due_reminders()

    assert claimed == [Enrollment.objects.get(employee=employee).pk]


@pytest.mark.django_db
def test_send_reminders_far_away_reminds_nobody(employee, hr_admin):
    training = TrainingFactory(start_at=in_days(14))
    assign(training, [employee], hr_admin, due_in_days=10)

    claimed = services.send_due_reminders()

    assert claimed == []


@pytest.mark.django_db
def test_send_reminders_setting_widens_window(employee, hr_admin, settings):
    settings.TRAINING_REMINDER_DAYS = 10
    training = TrainingFactory(start_at=in_days(14))
    assign(training, [employee], hr_admin, due_in_days=10)

    claimed = services.send_due_reminders()

    assert len(claimed) == 1


@pytest.mark.django_db
def test_send_reminders_self_registered_not_reminded(employee):
    training = TrainingFactory(start_at=in_days(2), registration_closes_at=None)
    services.register(training=training, employee=employee)

    claimed = services.send_due_reminders()

    assert claimed == []


@pytest.mark.django_db
def test_send_reminders_cancelled_assignment_not_reminded(employee, hr_admin):
    training = TrainingFactory(start_at=in_days(2), registration_closes_at=None)
    assign(training, [employee], hr_admin)
    services.cancel(enrollment=Enrollment.objects.get(employee=employee), by=hr_admin)

    claimed = services.send_due_reminders()

    assert claimed == []


@pytest.mark.django_db
def test_send_reminders_no_commit_sends_nothing(employee, hr_admin):
    training = TrainingFactory(kind=TrainingKind.MANDATED)
    assign(training, [employee], hr_admin, due_in_days=1)
    mail.outbox.clear()

    services.send_due_reminders()

    assert len(mail.outbox) == 0


@pytest.mark.usefixtures("_restore_reference_data")
def test_send_reminders_two_runs_at_once_claim_each_once(transactional_db, unit_a1, hr_admin):
    training = TrainingFactory(kind=TrainingKind.MANDATED, capacity=40)
    people = UserFactory.create_batch(40, unit=unit_a1)
    assign(training, people, hr_admin, due_in_days=1)
    mail.outbox.clear()
    barrier = threading.Barrier(4)
    claims: list[list[int]] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            claims.append(services.send_due_reminders())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    claimed = [pk for claim in claims for pk in claim]
    assert len(claims) == 4
    assert sorted(claimed) == sorted(set(claimed))
    assert len(claimed) == 40
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
