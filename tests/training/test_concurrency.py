"""The seat invariant under real concurrency: threads, each on its own database connection,
calling the services at the same moment (transactional_db: every service really commits).

Invariant: registered <= capacity; nobody enrolled twice; and if anyone waits, no seat is free.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from tests.people.factories import UserFactory
from tests.training.factories import TrainingFactory
from training import services
from training.models import Enrollment, EnrollmentStatus, Training

# Set up before each test's transactional_db argument, so torn down after its flush.
pytestmark = pytest.mark.usefixtures("_restore_reference_data")


def run_at_once(calls: list[Callable[[], object]]) -> tuple[list[object], list[BaseException]]:
    """Starts one thread per call, releases them together, waits; each closes its connection."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            outcome = call()
            with lock:
                results.append(outcome)
        except BaseException as exc:  # collected and asserted on by the test
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


def assert_invariant(training) -> Counter:
    rows = list(
        Enrollment.objects.filter(training=training)
        .exclude(status=EnrollmentStatus.CANCELLED)
        .values_list("employee_id", "status")
    )
    counts = Counter(status for _, status in rows)
    assert len({employee for employee, _ in rows}) == len(rows)  # nobody twice
    assert counts[EnrollmentStatus.REGISTERED] <= training.capacity
    if counts[EnrollmentStatus.WAITLISTED]:
        assert counts[EnrollmentStatus.REGISTERED] == training.capacity
    return counts


def registrations(training: Training, people) -> list[Callable[[], object]]:
    """One call a person: each of `people` registers for `training`."""
    return [lambda p=p: services.register(training=training, employee=p) for p in people]


def cancellations(enrollments) -> list[Callable[[], object]]:
    """One call an enrolment: each person cancels their own."""
    return [lambda e=e: services.cancel(enrollment=e, by=e.employee) for e in enrollments]


def assert_seats(training: Training, *, registered: int, waitlisted: int) -> None:
    """The invariant holds, with exactly these many people seated and waiting."""
    counts = assert_invariant(training)
    assert counts == Counter(
        {EnrollmentStatus.REGISTERED: registered, EnrollmentStatus.WAITLISTED: waitlisted}
    )


def test_register_fifty_at_once_capacity_ten_registers_ten_waitlists_forty(
    transactional_db, unit_a1
):
    training = TrainingFactory(capacity=10)
    people = UserFactory.create_batch(50, unit=unit_a1)

    _results, errors = run_at_once(registrations(training, people))

    assert errors == []
    assert_seats(training, registered=10, waitlisted=40)
    assert Enrollment.objects.filter(training=training).count() == 50


def test_register_same_person_many_times_at_once_one_enrollment(transactional_db, employee):
    training = TrainingFactory(capacity=10)

    results, errors = run_at_once(
        [lambda: services.register(training=training, employee=employee) for _ in range(10)]
    )

    assert len(results) == 1
    assert [type(e) for e in errors] == [services.AlreadyEnrolled] * 9
    assert Enrollment.objects.filter(training=training, employee=employee).count() == 1


def test_cancel_promotes_exactly_one_the_first_waitlisted(transactional_db, unit_a1):
    training = TrainingFactory(capacity=3)
    people = UserFactory.create_batch(6, unit=unit_a1)
    enrollments = [services.register(training=training, employee=p) for p in people]
    first_waiting = enrollments[3]

    services.cancel(enrollment=enrollments[0], by=people[0])

    promoted = Enrollment.objects.filter(
        training=training, status=EnrollmentStatus.REGISTERED, employee__in=people[3:]
    )
    assert list(promoted.values_list("pk", flat=True)) == [first_waiting.pk]
    assert assert_invariant(training)[EnrollmentStatus.WAITLISTED] == 2


def test_cancel_several_at_once_promotes_in_waitlist_order(transactional_db, unit_a1):
    training = TrainingFactory(capacity=5)
    people = UserFactory.create_batch(10, unit=unit_a1)
    enrollments = [services.register(training=training, employee=p) for p in people]

    _results, errors = run_at_once(cancellations(enrollments[:3]))

    assert errors == []
    registered_waiters = set(
        Enrollment.objects.filter(
            training=training, status=EnrollmentStatus.REGISTERED, employee__in=people[5:]
        ).values_list("pk", flat=True)
    )
    assert registered_waiters == {e.pk for e in enrollments[5:8]}
    assert assert_invariant(training)[EnrollmentStatus.REGISTERED] == 5


def test_cancel_and_register_at_once_keep_invariant(transactional_db, unit_a1):
    training = TrainingFactory(capacity=10)
    seated_people = UserFactory.create_batch(15, unit=unit_a1)
    seated = [services.register(training=training, employee=p) for p in seated_people]
    newcomers = UserFactory.create_batch(15, unit=unit_a1)
    calls: list[Callable[[], object]] = []
    for enrollment, newcomer in zip(seated[:12], newcomers, strict=False):
        calls.append(lambda e=enrollment: services.cancel(enrollment=e, by=e.employee))
        calls.append(lambda p=newcomer: services.register(training=training, employee=p))

    _results, errors = run_at_once(calls)

    assert errors == []
    # 15 + 12 newcomers - 12 cancelled = 15 active people for 10 seats.
    assert_seats(training, registered=10, waitlisted=5)


def test_assign_and_register_at_once_never_overbook_silently(transactional_db, unit_a1, hr_admin):
    training = TrainingFactory(capacity=10)
    registrants = UserFactory.create_batch(8, unit=unit_a1)
    assignees = UserFactory.create_batch(5, unit=unit_a1)
    calls = registrations(training, registrants)
    calls.append(
        lambda: services.assign(training=training, employees=assignees, assigned_by=hr_admin)
    )

    _results, errors = run_at_once(calls)

    counts = assert_invariant(training)
    assigned = Enrollment.objects.filter(training=training, source="assigned").count()
    # Either the assignment went first (5 seats) or it found too few seats and was refused.
    assert assigned in {0, 5}
    assert [type(e) for e in errors] == ([] if assigned else [services.CapacityExceeded])
    assert counts[EnrollmentStatus.REGISTERED] == (10 if assigned else 8)


def test_register_lock_held_too_long_refused_busy(transactional_db, employee, settings):
    settings.TRAINING_LOCK_TIMEOUT_MS = 200
    training = TrainingFactory(capacity=10)
    locked, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        try:
            with transaction.atomic():
                Training.objects.select_for_update().get(pk=training.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    locked.wait(timeout=30)
    try:
        with pytest.raises(services.TrainingBusy) as exc:
            services.register(training=training, employee=employee)
    finally:
        release.set()
        holder.join(timeout=30)

    assert str(exc.value) == (
        "Sedang banyak pendaftar untuk pelatihan ini. Silakan coba lagi sebentar."
    )
    assert Enrollment.objects.filter(training=training).count() == 0


def test_burst_waitlist_follows_the_lock_order_and_cancel_promotes_its_head(
    transactional_db, unit_a1
):
    """A rush: 40 people at once for 8 seats. Enrolment ids are drawn inside the locked
    section, so their order is the order in which the lock was granted: the waitlist (by
    waitlisted_at, then id) must follow it, each waitlisted person must have been told their
    place in it, and a freed seat must go to its head."""
    training = TrainingFactory(capacity=8)
    people = UserFactory.create_batch(40, unit=unit_a1)

    results, errors = run_at_once(registrations(training, people))

    assert errors == []
    assert_seats(training, registered=8, waitlisted=32)
    rows = list(Enrollment.objects.filter(training=training).order_by("pk"))
    # The first eight through the lock took the seats; everyone after them waits.
    assert [row.status for row in rows] == [EnrollmentStatus.REGISTERED] * 8 + [
        EnrollmentStatus.WAITLISTED
    ] * 32
    waitlist = list(
        Enrollment.objects.filter(training=training, status=EnrollmentStatus.WAITLISTED)
        .order_by("waitlisted_at", "id")
        .values_list("pk", flat=True)
    )
    assert waitlist == [row.pk for row in rows[8:]]
    told = {e.pk: e.waitlist_position for e in results if e.status == EnrollmentStatus.WAITLISTED}
    assert told == {pk: place for place, pk in enumerate(waitlist, start=1)}

    seated = rows[0]
    services.cancel(enrollment=seated, by=seated.employee)

    assert Enrollment.objects.get(pk=waitlist[0]).status == EnrollmentStatus.REGISTERED
    assert assert_invariant(training)[EnrollmentStatus.WAITLISTED] == 31


def test_burst_with_cancellations_keeps_the_fifo_promotion(transactional_db, unit_a1):
    """Registrations and cancellations of seated people interleaved: each freed seat goes to
    the waitlist's head at that moment, so the people seated at the end are exactly the first
    arrivals through the lock minus those who left."""
    training = TrainingFactory(capacity=5)
    early = UserFactory.create_batch(10, unit=unit_a1)
    enrollments = [services.register(training=training, employee=p) for p in early]
    latecomers = UserFactory.create_batch(10, unit=unit_a1)
    calls = cancellations(enrollments[:3])
    calls += registrations(training, latecomers)

    _results, errors = run_at_once(calls)

    assert errors == []
    assert_seats(training, registered=5, waitlisted=12)
    # Five waited before the burst and only three seats were freed: whatever the interleaving,
    # each freed seat went to the head of the waitlist (a newcomer finding a free seat while
    # people wait promotes them first), so the seats are the early rows 4 to 8.
    seated = set(
        Enrollment.objects.filter(
            training=training, status=EnrollmentStatus.REGISTERED
        ).values_list("pk", flat=True)
    )
    assert seated == {e.pk for e in enrollments[3:8]}
    waiting_order = list(
        Enrollment.objects.filter(training=training, status=EnrollmentStatus.WAITLISTED)
        .order_by("waitlisted_at", "id")
        .values_list("pk", flat=True)
    )
    assert waiting_order == sorted(waiting_order)
