"""competency.selectors: what the pages and the API read, who may read it, and in how many
queries."""

from __future__ import annotations

import datetime as dt
from itertools import groupby

import pytest
from django.http import Http404

from competency import selectors, services
from competency.models import AssessmentResult, CompetencyMap
from tests.competency.factories import TechnicalCompetencyFactory, fixed
from tests.people.factories import UserFactory

pytestmark = pytest.mark.django_db

JAN = dt.date(2025, 1, 10)
MAR = dt.date(2025, 3, 10)


def record(employee, code, level, assessed_on=JAN):
    services.record_result(
        employee=employee,
        competency=fixed(code),
        level=level,
        assessed_on=assessed_on,
        source="admin",
    )


@pytest.fixture
def mapped(employee):
    """M1 required 3 (achieved 1), M2 required 2 (not assessed), M3 required 1 (achieved 5)."""
    services.set_position_standard(
        position=employee.position, levels={fixed("M1"): 3, fixed("M2"): 2, fixed("M3"): 1}
    )
    record(employee, "M1", 2, JAN)
    record(employee, "M1", 1, MAR)
    record(employee, "M3", 5, JAN)
    services.recompute_map(employee_id=employee.pk)
    return employee


# --- map_for_employee ------------------------------------------------------------------------


def test_map_for_employee_no_map_returns_none(employee):
    cmap = selectors.map_for_employee(employee=employee)

    assert cmap is None


def test_map_for_employee_items_in_dictionary_order_with_next_level(mapped):
    cmap = selectors.map_for_employee(employee=mapped)

    items = list(cmap.items.all())
    assert [i.competency.code for i in items] == ["M1", "M2", "M3"]
    assert [(i.required, i.achieved, i.gap, i.assessed) for i in items] == [
        (3, 1, 2, True),
        (2, 0, 2, False),
        (1, 5, 0, True),
    ]
    assert [(i.next_level.competency.code, i.next_level.level) for i in items[:2]] == [
        ("M1", 2),
        ("M2", 1),
    ]
    assert items[2].next_level is None
    assert items[0].next_level.indicators != []


def test_map_for_employee_runs_one_query_whatever_the_size(employee, django_assert_num_queries):
    technical = [TechnicalCompetencyFactory() for _ in range(8)]
    for competency in technical:
        services.set_competency_levels(
            competency=competency, levels={n: (f"L{n}", [f"I{n}"]) for n in range(1, 6)}
        )
    services.apply_default_standard(positions=[employee.position])
    services.set_position_standard(position=employee.position, levels=dict.fromkeys(technical, 3))
    for n in range(1, 9):
        record(employee, f"M{n}", 1)
    services.recompute_map(employee_id=employee.pk)

    with django_assert_num_queries(1):
        cmap = selectors.map_for_employee(employee=employee)
        rows = [(i.competency.code, i.next_level.level) for i in cmap.items.all()]
        position = cmap.position.name

    assert len(rows) == 17
    assert position == employee.position.name
    assert [code for code, _level in rows[:8]] == [f"M{n}" for n in range(1, 9)]
    assert {level for _code, level in rows} == {2, 1}  # M1-M8 achieved 1, the rest not assessed


# --- results_history -------------------------------------------------------------------------


def test_results_history_grouped_per_competency_newest_first(mapped):
    results = selectors.results_history(employee=mapped)

    groups = [
        (competency.code, [(r.level, r.is_latest) for r in rows])
        for competency, rows in groupby(results, key=lambda r: r.competency)
    ]
    assert groups == [("M1", [(1, True), (2, False)]), ("M3", [(5, True)])]


def test_results_history_same_date_later_arrival_first(employee):
    record(employee, "M1", 4, JAN)
    record(employee, "M1", 2, JAN)

    results = selectors.results_history(employee=employee)

    assert [(r.level, r.is_latest) for r in results] == [(2, True), (4, False)]


def test_results_history_one_query_whatever_the_number(employee, django_assert_num_queries):
    AssessmentResult.objects.bulk_create(
        AssessmentResult(
            employee=employee,
            competency=fixed(f"M{1 + n % 8}"),
            level=1 + n % 5,
            assessed_on=JAN,
            source="import",
        )
        for n in range(60)
    )

    with django_assert_num_queries(1):
        codes = [r.competency.code for r in selectors.results_history(employee=employee)]

    assert len(codes) == 60


# --- map_and_history (the map page's one query) -------------------------------------------------


def summary(cmap, history):
    items = (
        [(i.competency.code, i.gap, getattr(i.next_level, "level", None)) for i in cmap.items.all()]
        if cmap
        else None
    )
    return (
        cmap and (cmap.pk, cmap.position, cmap.jpm, cmap.target_position_id),
        items,
        [(r.pk, r.competency.code, r.level, r.is_latest) for r in history],
    )


def test_map_and_history_is_both_selectors_in_one_query(mapped, django_assert_num_queries):
    record(mapped, "M1", 4, JAN)  # same day, later arrival: newest of the day
    record(mapped, "M2", 3, MAR)  # after the map was computed

    with django_assert_num_queries(1):
        both = summary(*selectors.map_and_history(employee=mapped))

    expected = summary(
        selectors.map_for_employee(employee=mapped), selectors.results_history(employee=mapped)
    )
    assert both == expected
    assert [code for _pk, code, _level, latest in both[2] if latest] == ["M1", "M2", "M3"]


def test_map_and_history_results_without_a_map(employee):
    record(employee, "M2", 2, JAN)
    record(employee, "M2", 3, MAR)
    CompetencyMap.objects.filter(employee=employee).delete()  # never computed

    cmap, history = selectors.map_and_history(employee=employee)

    assert cmap is None
    assert [(r.level, r.is_latest) for r in history] == [(3, True), (2, False)]


def test_map_and_history_map_without_results(mapped):
    AssessmentResult.objects.filter(employee=mapped).delete()

    cmap, history = selectors.map_and_history(employee=mapped)

    assert [i.competency.code for i in cmap.items.all()] == ["M1", "M2", "M3"]
    assert history == []


# --- competencies_to_develop -----------------------------------------------------------------


def stored_items(person) -> list:
    cmap = selectors.map_for_employee(employee=person)
    return list(cmap.items.all()) if cmap is not None else []


def test_competencies_to_develop_biggest_gap_then_unassessed_then_order(employee):
    services.set_position_standard(
        position=employee.position,
        levels={fixed("M1"): 3, fixed("M2"): 2, fixed("M3"): 2, fixed("M4"): 1, fixed("M5"): 2},
    )
    record(employee, "M1", 1)  # gap 2, assessed
    record(employee, "M4", 1)  # no gap
    record(employee, "M5", 1)  # gap 1, assessed
    services.recompute_map(employee_id=employee.pk)

    items = selectors.competencies_to_develop(stored_items(employee))

    assert [(i.competency.code, i.gap, i.assessed) for i in items] == [
        ("M2", 2, False),
        ("M3", 2, False),
        ("M1", 2, True),
        ("M5", 1, True),
    ]
    assert [i.next_level.level for i in items] == [1, 1, 2, 2]


def test_competencies_to_develop_of_stored_items_runs_no_query(mapped, django_assert_num_queries):
    items = stored_items(mapped)

    with django_assert_num_queries(0):
        chosen = selectors.competencies_to_develop(items)
        levels = [i.next_level.description for i in chosen]

    assert len(levels) == 2


def test_competencies_to_develop_limit_cuts_the_list(mapped):
    items = selectors.competencies_to_develop(stored_items(mapped), limit=1)

    assert [i.competency.code for i in items] == ["M2"]


def test_competencies_to_develop_no_map_is_empty(employee):
    items = selectors.competencies_to_develop(stored_items(employee))

    assert items == []


# --- employee_map_visible_to -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "target", "visible"),
    [
        ("employee", "employee", True),
        ("colleague", "employee", False),
        ("outsider", "employee", False),
        ("hr_admin", "employee", True),
        ("hr_admin", "colleague", True),
        ("hr_admin", "outsider", False),
        ("superuser", "outsider", True),
        ("employee", "outsider", False),
    ],
)
def test_employee_map_visible_to_cast(cast, viewer, target, visible):
    who, whom = cast[viewer], cast[target]

    if visible:
        assert selectors.employee_map_visible_to(viewer=who, nip=whom.nip) == whom
    else:
        with pytest.raises(Http404):
            selectors.employee_map_visible_to(viewer=who, nip=whom.nip)


def test_employee_map_visible_to_hr_admin_without_staff_access_is_refused(cast):
    hr = cast["hr_admin"]
    hr.is_staff = False
    hr.save()

    with pytest.raises(Http404):
        selectors.employee_map_visible_to(viewer=hr, nip=cast["employee"].nip)


@pytest.mark.parametrize("nip", ["", "123", "19860926201505100x", "199901012020011999"])
def test_employee_map_visible_to_malformed_or_unknown_nip_is_404(superuser, nip):
    with pytest.raises(Http404):
        selectors.employee_map_visible_to(viewer=superuser, nip=nip)


def test_employee_map_visible_to_inactive_viewer_is_404(employee):
    employee.is_active = False

    with pytest.raises(Http404):
        selectors.employee_map_visible_to(viewer=employee, nip=employee.nip)


def test_employee_map_visible_to_hr_admin_constant_queries(
    hr_admin, employee, django_assert_max_num_queries
):
    others = [UserFactory(unit=employee.unit) for _ in range(5)]

    with django_assert_max_num_queries(3):
        found = selectors.employee_map_visible_to(viewer=hr_admin, nip=others[-1].nip)

    assert found == others[-1]
