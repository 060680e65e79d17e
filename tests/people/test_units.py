import pytest
from django.db import IntegrityError

from rumahbelajar.people import selectors, services
from rumahbelajar.people.models import Position, Unit, UnitKind
from tests.people.factories import UnitFactory


def test_create_unit_under_parent_extends_parent_path(kanwil_a):
    unit = services.create_unit(code="lapas-1", name="Lapas 1", kind=UnitKind.UPT, parent=kanwil_a)

    assert unit.path == f"{kanwil_a.path}{unit.pk}/"
    assert unit.depth == kanwil_a.depth + 1


def test_subtree_of_regional_office_contains_only_its_units(ministry, kanwil_a, unit_a1, unit_b1):
    codes = set(selectors.subtree(unit=kanwil_a).values_list("code", flat=True))

    assert codes == {"kanwil-a", "unit-a1"}


def test_move_unit_rewrites_paths_of_whole_subtree(kanwil_a, kanwil_b, unit_a1):
    child = UnitFactory(code="seksi", parent=unit_a1, kind=UnitKind.SUBUNIT)

    services.move_unit(unit=unit_a1, new_parent=kanwil_b)

    child.refresh_from_db()
    unit_a1.refresh_from_db()
    assert unit_a1.path == f"{kanwil_b.path}{unit_a1.pk}/"
    assert child.path == f"{unit_a1.path}{child.pk}/"
    assert child.depth == 3
    assert set(selectors.subtree(unit=kanwil_a).values_list("code", flat=True)) == {"kanwil-a"}


def test_move_unit_into_own_subtree_is_refused(kanwil_a, unit_a1):
    with pytest.raises(services.UnitMoveError):
        services.move_unit(unit=kanwil_a, new_parent=unit_a1)

    kanwil_a.refresh_from_db()
    assert kanwil_a.parent is not None


def test_employees_visible_to_hr_admin_are_their_subtree(cast):
    visible = set(
        selectors.employees_visible_to(user=cast["hr_admin"]).values_list("email", flat=True)
    )

    assert visible == {"alice@example.test", "bob@example.test", "hr@example.test"}


def test_employees_visible_to_superuser_are_everyone(cast):
    visible = selectors.employees_visible_to(user=cast["superuser"]).count()

    assert visible == 5


def test_employees_visible_to_plain_employee_are_nobody(cast):
    assert selectors.employees_visible_to(user=cast["employee"]).count() == 0


def test_position_level_of_another_kind_is_refused_by_the_database(db):
    with pytest.raises(IntegrityError):
        Position.objects.create(code="x", name="X", kind="struktural", level="ahli_muda")


def test_unit_path_of_wrong_shape_is_refused_by_the_database(db):
    with pytest.raises(IntegrityError):
        Unit.objects.create(code="x", name="X", kind=UnitKind.UNIT, path="abc")
