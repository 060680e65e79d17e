"""competency.services: results, the latest-result rule, on-commit firing, standards and the
dictionary."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from competency import services
from competency.models import (
    AssessmentResult,
    Competency,
    CompetencyLevel,
    CompetencyMap,
    PositionStandard,
)
from tests.competency.factories import TechnicalCompetencyFactory, fixed
from tests.people.factories import PositionFactory, UserFactory

pytestmark = pytest.mark.django_db

JAN = dt.date(2025, 1, 15)
FEB = dt.date(2025, 2, 15)


class Boom(Exception):
    pass


def record(employee, code="M1", level=3, assessed_on=JAN, **kwargs):
    kwargs.setdefault("source", "admin")
    return services.record_result(
        employee=employee,
        competency=fixed(code) if isinstance(code, str) else code,
        level=level,
        assessed_on=assessed_on,
        **kwargs,
    )


def achieved(employee, code="M1") -> int:
    cmap = services.recompute_map(employee_id=employee.pk)
    return cmap.items.get(competency__code=code).achieved


@pytest.fixture
def standard(employee):
    services.set_position_standard(position=employee.position, levels={fixed("M1"): 3})
    return employee.position


# --- record_result -------------------------------------------------------------------------


def test_record_result_valid_saves_row_and_marks_map_stale(employee):
    result, created = record(employee, level=4, external_id="ext-1")

    cmap = CompetencyMap.objects.get(employee=employee)
    assert created is True
    assert AssessmentResult.objects.get().pk == result.pk
    assert (result.level, result.source, result.external_id) == (4, "admin", "ext-1")
    assert cmap.stale is True
    assert cmap.stale_since is not None


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("level", {"level": 0}),
        ("level", {"level": 6}),
        ("level", {"level": True}),
        ("level", {"level": "3"}),
        ("assessed_on", {"assessed_on": timezone.localdate() + dt.timedelta(days=1)}),
        ("assessed_on", {"assessed_on": "2025-01-01"}),
        ("assessed_on", {"assessed_on": dt.datetime(2025, 1, 1, 8, 0)}),
        ("method", {"method": "ramalan"}),
        ("source", {"source": "email"}),
        ("external_id", {"external_id": "x" * 101}),
    ],
)
def test_record_result_bad_field_raises_invalid_result_naming_it(employee, field, overrides):
    with pytest.raises(services.InvalidResult) as raised:
        record(employee, **overrides)

    assert list(raised.value.errors) == [field]
    assert AssessmentResult.objects.count() == 0
    assert CompetencyMap.objects.count() == 0


def test_record_result_several_bad_fields_names_each(employee):
    with pytest.raises(services.InvalidResult) as raised:
        record(employee, level=9, method="?", assessed_on=dt.date(2999, 1, 1))

    assert sorted(raised.value.errors) == ["assessed_on", "level", "method"]


def test_record_result_inactive_competency_is_refused(employee):
    competency = TechnicalCompetencyFactory(is_active=False)

    with pytest.raises(services.InvalidResult) as raised:
        record(employee, code=competency)

    assert list(raised.value.errors) == ["competency"]


def test_record_result_repeated_external_id_returns_stored_row_and_fires_nothing(
    employee, django_capture_on_commit_callbacks
):
    first, _ = record(employee, level=2, external_id="ext-7")

    with django_capture_on_commit_callbacks() as callbacks:
        again, created = record(employee, level=5, external_id="ext-7")

    assert created is False
    assert again.pk == first.pk
    assert again.level == 2
    assert AssessmentResult.objects.count() == 1
    assert callbacks == []


def test_record_result_empty_external_id_is_stored_as_null(employee):
    first, _ = record(employee, external_id="")
    second, created = record(employee, external_id="")

    assert created is True
    assert first.pk != second.pk
    assert list(AssessmentResult.objects.values_list("external_id", flat=True)) == [None, None]


# --- the latest result counts: by assessment date, then by arrival ---------------------------


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        pytest.param((4, FEB), (2, JAN), 4, id="later-date-wins-over-later-arrival"),
        pytest.param((4, JAN), (2, JAN), 2, id="same-date-later-recorded-wins"),
        pytest.param((2, FEB), (5, JAN), 2, id="older-date-arriving-later-does-not-win"),
    ],
)
def test_latest_result_by_date_then_arrival(employee, standard, first, second, expected):
    for level, assessed_on in (first, second):
        record(employee, level=level, assessed_on=assessed_on)

    level = achieved(employee)

    assert level == expected


def test_latest_result_same_date_tie_bulk_agrees(employee, standard):
    record(employee, level=4, assessed_on=JAN)
    record(employee, level=1, assessed_on=JAN)

    services.recompute_maps_bulk(employee_ids=[employee.pk])

    item = CompetencyMap.objects.get(employee=employee).items.get()
    assert (item.achieved, item.gap, item.last_assessed_on) == (1, 2, JAN)


# --- fired on commit, never for a rolled-back result --------------------------------------


def record_then_fail(employee) -> None:
    with transaction.atomic():
        record(employee)
        raise Boom


def test_record_result_rolled_back_fires_no_task_and_leaves_nothing(
    employee, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(Boom):
        record_then_fail(employee)

    assert callbacks == []
    assert AssessmentResult.objects.count() == 0
    assert CompetencyMap.objects.count() == 0


def test_record_result_committed_fires_one_task_that_recomputes_the_map(
    employee, standard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        record(employee, level=2)

    cmap = CompetencyMap.objects.get(employee=employee)
    assert len(callbacks) == 1
    assert cmap.stale is False
    assert cmap.items.get().achieved == 2


def test_record_result_nothing_runs_before_commit(
    employee, standard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record(employee, level=2)

    cmap = CompetencyMap.objects.get(employee=employee)
    assert len(callbacks) == 1
    assert cmap.stale is True
    assert cmap.computed_at is None


# --- standards -------------------------------------------------------------------------------


def test_set_position_standard_upserts_and_marks_holders_stale(
    employee, colleague, django_capture_on_commit_callbacks
):
    colleague.position = employee.position
    colleague.save()
    services.set_position_standard(position=employee.position, levels={fixed("M1"): 2})

    with django_capture_on_commit_callbacks() as callbacks:
        services.set_position_standard(
            position=employee.position, levels={fixed("M1"): 4, fixed("M2"): 1}
        )

    rows = PositionStandard.objects.filter(position=employee.position)
    assert sorted(rows.values_list("competency__code", "required_level")) == [("M1", 4), ("M2", 1)]
    assert sorted(
        CompetencyMap.objects.filter(stale=True).values_list("employee_id", flat=True)
    ) == (sorted([employee.pk, colleague.pk]))
    assert len(callbacks) == 1


@pytest.mark.parametrize("level", [0, 6, True, "2"])
def test_set_position_standard_bad_level_is_refused(employee, level):
    with pytest.raises(ValidationError):
        services.set_position_standard(position=employee.position, levels={fixed("M1"): level})

    assert PositionStandard.objects.count() == 0


def test_remove_position_standard_deletes_and_marks_holders_stale(employee):
    services.set_position_standard(
        position=employee.position, levels={fixed("M1"): 2, fixed("M2"): 2}
    )
    services.recompute_map(employee_id=employee.pk)

    services.remove_position_standard(position=employee.position, competencies=[fixed("M2")])

    assert list(PositionStandard.objects.values_list("competency__code", flat=True)) == ["M1"]
    assert CompetencyMap.objects.get(employee=employee).stale is True


@pytest.mark.parametrize(
    ("kind", "level", "required"),
    [
        ("struktural", "jpt_pratama", 4),
        ("struktural", "administrator", 3),
        ("struktural", "pengawas", 2),
        ("fungsional_keahlian", "ahli_madya", 3),
        ("fungsional_keterampilan", "terampil", 1),
        ("pelaksana", "pelaksana", 1),
    ],
)
def test_apply_default_standard_sets_usual_level_on_the_nine(db, kind, level, required):
    position = PositionFactory(kind=kind, level=level)

    written = services.apply_default_standard(positions=[position])

    rows = PositionStandard.objects.filter(position=position)
    assert written == 9
    assert sorted(rows.values_list("competency__code", flat=True)) == sorted(
        [f"M{n}" for n in range(1, 9)] + ["SK1"]
    )
    assert set(rows.values_list("required_level", flat=True)) == {required}


def test_apply_default_standard_twice_changes_nothing_and_keeps_technical(employee):
    technical = TechnicalCompetencyFactory()
    services.set_position_standard(position=employee.position, levels={technical: 3})
    services.apply_default_standard(positions=[employee.position])

    services.apply_default_standard(positions=[employee.position])

    assert PositionStandard.objects.filter(position=employee.position).count() == 10
    assert PositionStandard.objects.get(competency=technical).required_level == 3


# --- the dictionary ----------------------------------------------------------------------------


def levels_1_to_5():
    return {n: (f"Level {n}", [f"Indikator {n}a", f"Indikator {n}b"]) for n in range(1, 6)}


def test_save_technical_competency_new_saves_it(db):
    competency = Competency(code="T9", type="teknis", name="Uji", definition="Definisi uji.")

    services.save_technical_competency(competency=competency)

    assert Competency.objects.get(code="T9").name == "Uji"


def test_save_technical_competency_fixed_one_is_refused(db):
    m1 = fixed("M1")
    m1.name = "Integritas Baru"

    with pytest.raises(services.FixedCompetency):
        services.save_technical_competency(competency=m1)

    assert fixed("M1").name == "Integritas"


def test_save_technical_competency_code_not_starting_with_t_is_refused(db):
    competency = Competency(code="M9", type="teknis", name="Uji", definition="Definisi.")

    with pytest.raises(ValidationError):
        services.save_technical_competency(competency=competency)

    assert not Competency.objects.filter(code="M9").exists()


def test_save_technical_competency_deactivated_marks_holders_stale_and_drops_it(
    employee, django_capture_on_commit_callbacks
):
    technical = TechnicalCompetencyFactory()
    services.set_position_standard(
        position=employee.position, levels={technical: 3, fixed("M1"): 1}
    )
    services.recompute_map(employee_id=employee.pk)
    technical.is_active = False

    with django_capture_on_commit_callbacks(execute=True):
        services.save_technical_competency(competency=technical)

    cmap = CompetencyMap.objects.get(employee=employee)
    assert cmap.stale is False
    assert list(cmap.items.values_list("competency__code", flat=True)) == ["M1"]


def test_set_competency_levels_writes_five_levels(db):
    technical = TechnicalCompetencyFactory()

    services.set_competency_levels(competency=technical, levels=levels_1_to_5())

    rows = list(CompetencyLevel.objects.filter(competency=technical).order_by("level"))
    assert (rows[0].level, rows[0].description, rows[0].indicators) == (
        1,
        "Level 1",
        ["Indikator 1a", "Indikator 1b"],
    )
    assert len(rows) == 5


def test_set_competency_levels_four_levels_are_refused(db):
    technical = TechnicalCompetencyFactory()
    levels = levels_1_to_5()
    del levels[5]

    with pytest.raises(ValidationError):
        services.set_competency_levels(competency=technical, levels=levels)

    assert CompetencyLevel.objects.filter(competency=technical).count() == 0


def test_set_competency_levels_fixed_competency_is_refused(db):
    with pytest.raises(services.FixedCompetency):
        services.set_competency_levels(competency=fixed("M2"), levels=levels_1_to_5())

    assert CompetencyLevel.objects.get(competency__code="M2", level=1).description != "Level 1"


# --- maps --------------------------------------------------------------------------------------


def test_mark_maps_stale_keeps_the_earliest_stale_since(employee):
    services.mark_maps_stale(employee_ids=[employee.pk])
    first = CompetencyMap.objects.get(employee=employee).stale_since

    services.mark_maps_stale(employee_ids=[employee.pk])

    assert CompetencyMap.objects.get(employee=employee).stale_since == first


def test_mark_maps_stale_unknown_employee_is_skipped(employee):
    services.mark_maps_stale(employee_ids=[employee.pk, 987654321])

    assert list(CompetencyMap.objects.values_list("employee_id", flat=True)) == [employee.pk]


def test_recompute_map_unknown_employee_raises_does_not_exist(db):
    with pytest.raises(UserFactory._meta.model.DoesNotExist):
        services.recompute_map(employee_id=987654321)


def test_recompute_map_twice_gives_the_same_map(employee, standard):
    record(employee, level=2)
    first = services.recompute_map(employee_id=employee.pk)
    items = list(first.items.values_list("competency_id", "required", "achieved", "gap"))

    second = services.recompute_map(employee_id=employee.pk)

    assert (second.jpm, second.category) == (first.jpm, first.category)
    assert list(second.items.values_list("competency_id", "required", "achieved", "gap")) == items


def test_load_regulation_dictionary_restores_changed_text_and_missing_levels(db):
    Competency.objects.filter(code="M3").update(name="Komunikasi (diubah)")
    CompetencyLevel.objects.filter(competency__code="SK1", level=5).delete()

    written = services.load_regulation_dictionary()

    assert written == 2
    assert fixed("M3").name == "Komunikasi"
    assert CompetencyLevel.objects.filter(competency__code="SK1").count() == 5


def test_load_regulation_dictionary_untouched_writes_nothing(db):
    written = services.load_regulation_dictionary()

    assert written == 0
    assert Competency.objects.filter(type__in=["manajerial", "sosial_kultural"]).count() == 9
    assert CompetencyLevel.objects.filter(competency__code__in=["M1", "SK1"]).count() == 10
