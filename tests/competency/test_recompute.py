"""Recomputing maps: bulk (set-based SQL) equals per employee, the stale mark and the sweep with
the broker down, position and standard changes, and concurrent recomputations."""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time

import psycopg
import pytest
from django.db import InterfaceError, OperationalError, connection, connections, transaction

from competency import services, tasks
from competency.models import (
    AssessmentResult,
    Competency,
    CompetencyMap,
    PositionStandard,
)
from rumahbelajar.people.models import User
from tests.competency.factories import TechnicalCompetencyFactory, fixed
from tests.people.factories import PositionFactory, UserFactory
from tests.workers import test_database_url

JAN = dt.date(2025, 1, 15)


def record(employee, code="M1", level=3, assessed_on=JAN):
    return services.record_result(
        employee=employee,
        competency=fixed(code),
        level=level,
        assessed_on=assessed_on,
        source="admin",
    )


def snapshot(employee_ids) -> dict[int, tuple]:
    """Everything a map says, per employee (computed_at aside)."""
    maps = CompetencyMap.objects.filter(employee_id__in=employee_ids).prefetch_related("items")
    return {
        m.employee_id: (
            m.position_id,
            m.jpm,
            m.category,
            m.required_total,
            m.achieved_total,
            m.stale,
            sorted(
                (i.competency_id, i.required, i.achieved, i.gap, i.assessed, i.last_assessed_on)
                for i in m.items.all()
            ),
        )
        for m in maps
    }


# --- bulk equals per employee ------------------------------------------------------------------


def _random_world(rng: random.Random):
    competencies = list(Competency.objects.filter(type__in=["manajerial", "sosial_kultural"]))
    competencies += [TechnicalCompetencyFactory() for _ in range(3)]
    positions = [PositionFactory() for _ in range(4)]
    for position in positions:
        chosen = rng.sample(competencies, rng.randint(0, len(competencies)))
        PositionStandard.objects.bulk_create(
            PositionStandard(position=position, competency=c, required_level=rng.randint(1, 5))
            for c in chosen
        )
    employees = [
        UserFactory(position=rng.choice([*positions, None]) if i else None) for i in range(12)
    ]
    return competencies, positions, employees


def _random_results(rng: random.Random, employees, competencies, count: int) -> None:
    # Few distinct dates, so ties on the same date (decided by arrival) are common.
    dates = [dt.date(2024, 1, 1) + dt.timedelta(days=30 * n) for n in range(4)]
    AssessmentResult.objects.bulk_create(
        AssessmentResult(
            employee=rng.choice(employees),
            competency=rng.choice(competencies),
            level=rng.randint(1, 5),
            assessed_on=rng.choice(dates),
            source="import",
        )
        for _ in range(count)
    )


def _per_employee(employees) -> dict[int, tuple]:
    for employee in employees:
        services.recompute_map(employee_id=employee.pk)
    return snapshot([e.pk for e in employees])


def _bulk(employees) -> dict[int, tuple]:
    services.recompute_maps_bulk(employee_ids=[e.pk for e in employees])
    return snapshot([e.pk for e in employees])


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(6))
def test_recompute_maps_bulk_random_data_equals_per_employee(seed):
    rng = random.Random(seed)
    competencies, positions, employees = _random_world(rng)
    _random_results(rng, employees, competencies, 120)
    first_bulk = _bulk(employees)
    first_single = _per_employee(employees)
    # Change everything a map depends on, so the bulk path inserts, updates and deletes items.
    _random_results(rng, employees, competencies, 60)
    for standard in PositionStandard.objects.order_by("pk"):
        action = rng.random()
        if action < 0.2:
            standard.delete()
        elif action < 0.5:
            standard.required_level = rng.randint(1, 5)
            standard.save()
    for employee in rng.sample(employees, 4):
        employee.position = rng.choice([*positions, None])
        employee.save(update_fields=["position"])
    Competency.objects.filter(pk=competencies[-1].pk).update(is_active=False)

    second_bulk = _bulk(employees)
    second_single = _per_employee(employees)

    assert first_bulk == first_single
    assert second_bulk == second_single
    assert first_bulk != second_bulk
    assert len(second_bulk) == 12


@pytest.mark.django_db
def test_recompute_maps_bulk_small_chunks_equal_one_chunk(settings):
    rng = random.Random(42)
    competencies, _positions, employees = _random_world(rng)
    _random_results(rng, employees, competencies, 100)
    whole = _bulk(employees)
    settings.COMPETENCY_BULK_CHUNK = 5

    chunked = _bulk(employees)

    assert chunked == whole


@pytest.mark.django_db
def test_recompute_maps_bulk_unknown_ids_are_skipped(employee):
    count = services.recompute_maps_bulk(employee_ids=[employee.pk, 987654321])

    assert count == 2
    assert list(CompetencyMap.objects.values_list("employee_id", flat=True)) == [employee.pk]


@pytest.mark.django_db
def test_recompute_all_maps_covers_holders_and_existing_maps(employee, colleague, superuser):
    colleague.position = None
    colleague.save()
    services.mark_maps_stale(employee_ids=[colleague.pk])

    count = services.recompute_all_maps()

    assert count == 2
    assert sorted(CompetencyMap.objects.values_list("employee_id", "stale")) == sorted(
        [(employee.pk, False), (colleague.pk, False)]
    )


# --- stale mark and sweep, broker down ---------------------------------------------------------


@pytest.fixture
def standard(employee):
    services.set_position_standard(position=employee.position, levels={fixed("M1"): 3})
    services.recompute_map(employee_id=employee.pk)
    return employee.position


@pytest.mark.django_db
def test_record_result_broker_down_still_saves_and_leaves_map_stale(
    employee, standard, broker_down, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.WARNING)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result, created = record(employee, level=2)

    cmap = CompetencyMap.objects.get(employee=employee)
    assert created is True
    assert AssessmentResult.objects.get().pk == result.pk
    assert len(callbacks) == 1
    assert cmap.stale is True
    assert cmap.items.get().achieved == 0
    assert "Could not queue competency.recompute_map" in caplog.text


@pytest.mark.django_db
def test_recompute_stale_maps_after_broker_down_fixes_the_map(
    employee, standard, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record(employee, level=2)

    count = services.recompute_stale_maps()

    cmap = CompetencyMap.objects.get(employee=employee)
    assert count == 1
    assert cmap.stale is False
    assert cmap.stale_since is None
    assert cmap.items.get().achieved == 2


@pytest.mark.django_db
def test_sweep_stale_maps_task_after_broker_down_fixes_the_map(
    employee, standard, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record(employee, level=4)

    tasks.sweep_stale_maps()

    cmap = CompetencyMap.objects.get(employee=employee)
    assert cmap.stale is False
    assert cmap.items.get().achieved == 4


@pytest.mark.django_db
def test_recompute_stale_maps_nothing_due_recomputes_nothing(employee, standard):
    computed_at = CompetencyMap.objects.get(employee=employee).computed_at

    count = services.recompute_stale_maps()

    assert count == 0
    assert CompetencyMap.objects.get(employee=employee).computed_at == computed_at


@pytest.mark.django_db
def test_recompute_stale_maps_another_sweep_running_skips_without_waiting(employee):
    services.mark_maps_stale(employee_ids=[employee.pk])
    other = psycopg.connect(test_database_url(), autocommit=True)
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [services._SWEEP_LOCK_KEY])

        skipped = services.recompute_stale_maps(wait=False)
    finally:
        other.close()

    assert skipped is None
    assert CompetencyMap.objects.get(employee=employee).stale is True


# --- position and standard changes -------------------------------------------------------------


@pytest.mark.django_db
def test_recompute_stale_maps_employee_changed_position_is_picked_up(employee, standard):
    other = PositionFactory()
    services.set_position_standard(position=other, levels={fixed("M2"): 4, fixed("M3"): 2})
    # The people app changes positions without knowing about maps.
    User.objects.filter(pk=employee.pk).update(position=other)

    count = services.recompute_stale_maps()

    cmap = CompetencyMap.objects.get(employee=employee)
    assert count == 1
    assert cmap.position_id == other.pk
    assert sorted(cmap.items.values_list("competency__code", "required")) == [("M2", 4), ("M3", 2)]


@pytest.mark.django_db
def test_recompute_stale_maps_employee_lost_position_gets_empty_map(employee, standard):
    User.objects.filter(pk=employee.pk).update(position=None)

    services.recompute_stale_maps()

    cmap = CompetencyMap.objects.get(employee=employee)
    assert (cmap.position_id, cmap.jpm, cmap.category, cmap.items.count()) == (None, None, "", 0)


@pytest.mark.django_db
def test_recompute_stale_maps_new_employee_with_position_gets_a_map(employee, standard):
    newcomer = UserFactory(position=employee.position)

    services.recompute_stale_maps()

    cmap = CompetencyMap.objects.get(employee=newcomer)
    assert cmap.stale is False
    assert cmap.items.get().gap == 3


@pytest.mark.django_db
def test_set_position_standard_marks_holders_stale_and_bulk_task_recomputes(
    employee, colleague, standard, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=colleague.pk).update(position=employee.position)
    services.recompute_map(employee_id=colleague.pk)
    record(employee, code="M1", level=2)
    services.recompute_map(employee_id=employee.pk)

    with django_capture_on_commit_callbacks(execute=False) as pending:
        services.set_position_standard(position=employee.position, levels={fixed("M1"): 2})
    stale_before = sorted(
        CompetencyMap.objects.filter(stale=True).values_list("employee_id", flat=True)
    )
    tasks.recompute_position_maps_task(position_id=employee.position_id)

    maps = {m.employee_id: m for m in CompetencyMap.objects.all()}
    assert len(pending) == 1
    assert stale_before == sorted([employee.pk, colleague.pk])
    assert (maps[employee.pk].stale, maps[employee.pk].jpm) == (False, 100)
    assert (maps[colleague.pk].stale, maps[colleague.pk].jpm) == (False, 0)


@pytest.mark.django_db
def test_apply_default_standard_on_commit_recomputes_holders(
    employee, django_capture_on_commit_callbacks
):
    record(employee, code="M1", level=1)

    with django_capture_on_commit_callbacks(execute=True):
        services.apply_default_standard(positions=[employee.position])

    cmap = CompetencyMap.objects.get(employee=employee)
    assert cmap.stale is False
    assert cmap.items.count() == 9
    assert cmap.achieved_total == 1


@pytest.mark.django_db
def test_recompute_map_task_deleted_employee_does_nothing(employee):
    employee_id = employee.pk
    employee.delete()

    tasks.recompute_map_task(employee_id=employee_id)

    assert CompetencyMap.objects.count() == 0


# --- concurrency: an older run never overwrites a newer map ------------------------------------


def _in_thread(target, *args):
    """Runs `target` in a thread with its own database connection; returns (thread, errors)."""
    errors: list[BaseException] = []

    def run():
        try:
            target(*args)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def _wait_until_blocked_on_a_lock(timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Inside a transaction PostgreSQL keeps showing the first snapshot of the activity view.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the other recomputation never waited for the map's lock")


@pytest.mark.django_db(transaction=True)
def test_recompute_map_waiting_for_the_lock_reads_what_committed_meanwhile(employee):
    services.set_position_standard(position=employee.position, levels={fixed("M1"): 3})
    services.recompute_map(employee_id=employee.pk)
    newer = PositionFactory()
    services.set_position_standard(position=newer, levels={fixed("M2"): 2})

    # A newer writer holds the map row while it saves a result and moves the employee; a
    # recomputation started meanwhile must wait, then see both.
    with transaction.atomic():
        CompetencyMap.objects.select_for_update().get(employee=employee)
        thread, errors = _in_thread(lambda: services.recompute_map(employee_id=employee.pk))
        _wait_until_blocked_on_a_lock()
        User.objects.filter(pk=employee.pk).update(position=newer)
        AssessmentResult.objects.create(
            employee=employee, competency=fixed("M2"), level=2, assessed_on=JAN, source="api"
        )
    thread.join(timeout=20)

    cmap = CompetencyMap.objects.get(employee=employee)
    assert errors == []
    assert cmap.position_id == newer.pk
    assert list(cmap.items.values_list("competency__code", "achieved", "gap")) == [("M2", 2, 0)]


@pytest.mark.django_db(transaction=True)
def test_recompute_map_bulk_waiting_for_the_lock_reads_what_committed_meanwhile(employee):
    services.set_position_standard(position=employee.position, levels={fixed("M1"): 3})
    services.recompute_map(employee_id=employee.pk)

    with transaction.atomic():
        CompetencyMap.objects.select_for_update().get(employee=employee)
        thread, errors = _in_thread(
            lambda: services.recompute_maps_bulk(employee_ids=[employee.pk])
        )
        _wait_until_blocked_on_a_lock()
        AssessmentResult.objects.create(
            employee=employee, competency=fixed("M1"), level=3, assessed_on=JAN, source="api"
        )
    thread.join(timeout=20)

    cmap = CompetencyMap.objects.get(employee=employee)
    assert errors == []
    assert (cmap.stale, cmap.jpm) == (False, 100)


@pytest.mark.django_db(transaction=True)
def test_record_result_during_recompute_leaves_map_stale_for_the_next_run(employee, broker_down):
    services.set_position_standard(position=employee.position, levels={fixed("M1"): 3})
    services.recompute_map(employee_id=employee.pk)

    # A recomputation holds the map (it started before the result); the result's stale mark
    # waits for it and lands afterwards, so the map is never left fresh without the result. The
    # broker is down, so only the sweep can bring the result to the map.
    with transaction.atomic():
        CompetencyMap.objects.select_for_update().get(employee=employee)
        thread, errors = _in_thread(lambda: record(employee, level=3))
        _wait_until_blocked_on_a_lock()
    thread.join(timeout=20)
    stale_after_result = CompetencyMap.objects.get(employee=employee).stale
    services.recompute_stale_maps()

    cmap = CompetencyMap.objects.get(employee=employee)
    assert errors == []
    assert stale_after_result is True
    assert (cmap.stale, cmap.jpm) == (False, 100)


@pytest.mark.django_db(transaction=True)
def test_recompute_map_two_at_once_on_a_new_map_both_succeed(employee):
    services.set_position_standard(position=employee.position, levels={fixed("M1"): 3})
    AssessmentResult.objects.create(
        employee=employee, competency=fixed("M1"), level=1, assessed_on=JAN, source="api"
    )
    barrier = threading.Barrier(2)

    def recompute():
        barrier.wait(timeout=10)
        services.recompute_map(employee_id=employee.pk)

    runs = [_in_thread(recompute) for _ in range(2)]
    for thread, _errors in runs:
        thread.join(timeout=20)

    cmap = CompetencyMap.objects.get(employee=employee)
    assert [errors for _thread, errors in runs] == [[], []]
    assert cmap.stale is False
    assert list(cmap.items.values_list("achieved", flat=True)) == [1]


def test_recompute_map_task_database_errors_are_retried_with_backoff():
    task = tasks.recompute_map_task

    retried = (task.autoretry_for, task.retry_backoff, task.retry_jitter, task.acks_late)

    assert retried == ((OperationalError, InterfaceError), 1, True, True)
    assert task.max_retries >= 5
