"""With a real Celery worker process: a saved result reaches the map through the broker."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from competency import services
from competency.models import CompetencyMap
from tests.competency.factories import ResultFactory, fixed

pytestmark = pytest.mark.worker


def wait_for_fresh_map(employee, *, timeout: float = 30.0) -> CompetencyMap:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cmap = CompetencyMap.objects.filter(employee=employee, stale=False).first()
        if cmap is not None:
            return cmap
        time.sleep(0.1)
    raise AssertionError(f"the map of {employee} was still stale after {timeout} s")


def test_record_result_with_real_worker_updates_the_map(employee, competency_worker):
    services.set_position_standard(
        position=employee.position, levels={fixed("M1"): 3, fixed("M2"): 2}
    )
    wait_for_fresh_map(employee)

    ResultFactory(
        employee=employee,
        level=2,
        assessed_on=dt.date(2025, 4, 1),
        source="api",
        external_id="worker-test-1",
    )
    cmap = wait_for_fresh_map(employee)

    items = dict(cmap.items.values_list("competency__code", "achieved"))
    log = competency_worker.log_path.read_text(errors="replace")
    assert items == {"M1": 2, "M2": 0}
    assert cmap.achieved_total == 2
    assert cmap.required_total == 5
    assert "competency.recompute_map" in log
