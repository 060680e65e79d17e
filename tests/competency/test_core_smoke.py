import datetime as dt

from competency import services
from competency.models import AssessmentResult, Competency, CompetencyMap
from tests.competency.factories import ResultFactory


def items_of(cmap: CompetencyMap) -> list[tuple]:
    """A map's items, comparable between two maps."""
    return sorted(
        cmap.items.values_list("competency_id", "required", "achieved", "gap", "assessed")
    )


def test_recompute_map_and_bulk_agree_on_a_small_map(employee, django_capture_on_commit_callbacks):
    services.apply_default_standard(positions=[employee.position])
    m1, m2 = Competency.objects.get(code="M1"), Competency.objects.get(code="M2")
    with django_capture_on_commit_callbacks(execute=True):
        ResultFactory(employee=employee, competency=m1, level=1, assessed_on=dt.date(2026, 1, 5))
        ResultFactory(employee=employee, competency=m2, level=3, assessed_on=dt.date(2026, 1, 5))

    single = CompetencyMap.objects.get(employee=employee)
    single_items = items_of(single)
    services.recompute_maps_bulk(employee_ids=[employee.pk])
    bulk = CompetencyMap.objects.get(employee=employee)
    bulk_items = items_of(bulk)

    assert AssessmentResult.objects.count() == 2
    assert single.stale is False
    assert single.jpm == bulk.jpm
    assert single.category == bulk.category
    assert single_items == bulk_items
    assert len(bulk_items) == 9
