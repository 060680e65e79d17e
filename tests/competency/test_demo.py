"""competency.demo.seed: technical competencies, standards for every demo position, results that
give the demo employee gaps and an unassessed competency; running it again adds nothing."""

from __future__ import annotations

from io import StringIO

import pytest

from competency import demo, selectors
from competency.models import (
    AssessmentResult,
    Competency,
    CompetencyLevel,
    CompetencyMap,
    PositionStandard,
)
from rumahbelajar.people import demo as people_demo
from rumahbelajar.people.models import Position, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_people():
    people_demo.seed(employees=40, log=lambda _message: None)


def snapshot() -> dict[str, object]:
    return {
        "competencies": list(Competency.objects.values_list("code", "name", "is_active")),
        "levels": CompetencyLevel.objects.count(),
        "standards": list(
            PositionStandard.objects.order_by("pk").values_list(
                "position__code", "competency__code", "required_level"
            )
        ),
        "results": list(
            AssessmentResult.objects.order_by("pk").values_list(
                "external_id", "level", "assessed_on"
            )
        ),
        "maps": list(
            CompetencyMap.objects.order_by("pk").values_list("employee_id", "jpm", "stale")
        ),
    }


def test_seed_creates_six_technical_competencies_with_five_levels(demo_people):
    demo.seed()

    technical = Competency.objects.filter(type="teknis").order_by("code")
    assert list(technical.values_list("code", flat=True)) == [f"T{n}" for n in range(1, 7)]
    assert CompetencyLevel.objects.filter(competency__in=technical).count() == 30
    assert technical.get(code="T1").name == "Perancangan Peraturan Perundang-undangan"


def test_seed_gives_every_demo_position_the_nine_plus_technical_standards(demo_people):
    demo.seed()

    for position in Position.objects.all():
        codes = set(position.standards.values_list("competency__code", flat=True))
        technical = {code for code in codes if code.startswith("T")}
        assert len(codes) - len(technical) == 9, position.code
        assert 2 <= len(technical) <= 3, position.code


def test_seed_demo_employee_has_gaps_and_an_unassessed_competency(demo_people):
    demo.seed()

    employee = User.objects.get(email=people_demo.EMPLOYEE_EMAIL)
    cmap = selectors.map_for_employee(employee=employee)
    items = list(cmap.items.all())
    assert cmap.stale is False
    assert len([i for i in items if i.gap]) >= 3
    assert len([i for i in items if not i.assessed]) >= 1
    assert cmap.category == "kurang_optimal"
    assert AssessmentResult.objects.filter(employee=employee).count() >= 10


def test_seed_numbered_employees_get_results_and_fresh_maps(demo_people):
    demo.seed()

    numbered = User.objects.filter(email__startswith="pegawai0")
    with_results = numbered.filter(assessment_results__isnull=False).distinct()
    assert with_results.count() == 40
    assert CompetencyMap.objects.filter(employee__in=numbered, stale=False).count() == 40
    assert not CompetencyMap.objects.filter(stale=True).exists()


def test_seed_twice_adds_and_changes_nothing(demo_people):
    demo.seed()
    before = snapshot()
    out = StringIO()

    result = demo.seed(stdout=out)

    assert snapshot() == before
    assert (result.named_results_created, result.numbered_results_created) == (0, 0)
    assert result.standards_changed == 0
    assert "competency:" in out.getvalue()


def test_seed_without_demo_people_creates_only_the_dictionary(db):
    demo.seed()

    assert Competency.objects.filter(type="teknis").count() == 6
    assert AssessmentResult.objects.count() == 0
