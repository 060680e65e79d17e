"""Target positions (jabatan target): the position an employee aims at, chosen by themselves
or set by HR for the people of their units."""

from __future__ import annotations

from django.db import transaction

from competency.models import TargetPosition
from rumahbelajar.people.models import Position, User


@transaction.atomic
def set_target_position(*, employee: User, position: Position | None) -> TargetPosition | None:
    """Sets (or, with None, clears) `employee`'s target position. No side effects beyond the
    row: the target's gaps are computed when read, so no map is recomputed. Who may set whose
    target is the caller's check (the view: oneself; the admin: HR of the person's units)."""
    if position is None:
        TargetPosition.objects.filter(employee=employee).delete()
        return None
    target, _created = TargetPosition.objects.update_or_create(
        employee=employee, defaults={"position": position}
    )
    return target
