"""Every write to people and the organisation goes through here."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr

from rumahbelajar.people.models import Unit, User


class PeopleError(Exception):
    """A domain rule about people or units was broken."""


class UnitMoveError(PeopleError):
    pass


def allocate_unit_ids(count: int) -> list[int]:
    """Takes `count` ids from the unit id sequence, so a path can be built before the insert."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('people_unit', 'id')) FROM generate_series(1, %s)",
            [count],
        )
        return [row[0] for row in cursor.fetchall()]


@transaction.atomic
def create_unit(*, code: str, name: str, kind: str, parent: Unit | None = None) -> Unit:
    """Creates a unit under `parent` (or a root). Side effects: none."""
    (unit_id,) = allocate_unit_ids(1)
    prefix = parent.path if parent else "/"
    unit = Unit(
        id=unit_id,
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        path=f"{prefix}{unit_id}/",
        depth=(parent.depth + 1) if parent else 0,
    )
    unit.full_clean(exclude=["path", "depth"])
    unit.save(force_insert=True)
    return unit


@transaction.atomic
def update_unit(*, unit: Unit, code: str, name: str, kind: str, parent: Unit | None) -> Unit:
    """Changes a unit; moving it rewrites the paths of its whole subtree in one UPDATE.

    Side effects: locks the moved subtree's rows.
    """
    old_parent_id = Unit.objects.filter(pk=unit.pk).values_list("parent_id", flat=True).get()
    unit.code, unit.name, unit.kind = code, name, kind
    unit.full_clean(exclude=["path", "depth", "parent"])
    unit.save(update_fields=["code", "name", "kind"])
    if (parent.pk if parent else None) != old_parent_id:
        move_unit(unit=unit, new_parent=parent)
    return unit


@transaction.atomic
def move_unit(*, unit: Unit, new_parent: Unit | None) -> Unit:
    """Moves `unit` and its subtree under `new_parent`. Side effects: locks the subtree's rows."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if new_parent is not None:
        new_parent = Unit.objects.get(pk=new_parent.pk)
        if new_parent.path.startswith(unit.path):
            raise UnitMoveError("A unit cannot be moved into its own subtree.")
    old_path = unit.path
    new_path = f"{new_parent.path if new_parent else '/'}{unit.pk}/"
    depth_change = ((new_parent.depth + 1) if new_parent else 0) - unit.depth
    list(Unit.objects.select_for_update().filter(path__startswith=old_path).values_list("pk"))
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
    Unit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", Length(Value(old_path)) + 1)),
        depth=F("depth") + depth_change,
    )
    unit.refresh_from_db()
    return unit


@transaction.atomic
def set_managed_units(*, admin: User, units: list[Unit]) -> None:
    """Sets the unit subtrees an HR admin manages. Side effects: none."""
    admin.managed_units.set(units)
    if hasattr(admin, "_managed_unit_paths"):
        del admin._managed_unit_paths
