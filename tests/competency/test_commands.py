"""`manage.py recompute_maps --all | --stale`."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from competency import services
from competency.models import CompetencyMap
from tests.competency.factories import ResultFactory, fixed

pytestmark = pytest.mark.django_db

OUTPUT = re.compile(r"^Recomputed (\d+) competency maps in \d+\.\d\d s\.$")


def run(*args: str) -> str:
    out = StringIO()
    call_command("recompute_maps", *args, stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def two_maps(employee, colleague):
    """The employee's map is fresh, the colleague's stale (a result the worker never got)."""
    for person in (employee, colleague):
        services.set_position_standard(position=person.position, levels={fixed("M1"): 2})
        services.recompute_map(employee_id=person.pk)
    ResultFactory(employee=colleague, level=2, assessed_on=dt.date(2025, 3, 1))
    return employee, colleague


@pytest.mark.parametrize(
    ("flag", "count", "fresh_map_recomputed"),
    [
        pytest.param("--all", "2", True, id="all-recomputes-every-map"),
        pytest.param("--stale", "1", False, id="stale-recomputes-only-the-stale-ones"),
    ],
)
def test_recompute_maps_recomputes_and_says_how_many(two_maps, flag, count, fresh_map_recomputed):
    employee, colleague = two_maps
    before = CompetencyMap.objects.get(employee=employee).computed_at

    output = run(flag)

    maps = {m.employee_id: m for m in CompetencyMap.objects.all()}
    assert OUTPUT.match(output).group(1) == count
    assert (maps[employee.pk].computed_at > before) is fresh_map_recomputed
    assert maps[employee.pk].computed_at >= before
    assert (maps[colleague.pk].stale, maps[colleague.pk].jpm) == (False, 100)


def test_recompute_maps_stale_nothing_due_says_zero(employee):
    services.recompute_map(employee_id=employee.pk)

    output = run("--stale")

    assert OUTPUT.match(output).group(1) == "0"


@pytest.mark.parametrize("args", [(), ("--all", "--stale")])
def test_recompute_maps_neither_or_both_flags_is_an_error(employee, args):
    services.mark_maps_stale(employee_ids=[employee.pk])

    with pytest.raises(CommandError):
        run(*args)

    assert CompetencyMap.objects.get(employee=employee).stale is True
