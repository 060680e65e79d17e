"""Helpers for the report tests (competency heatmap, JP compliance, nomination): an HR admin of
the other regional office, and stored maps written directly (the reports read maps as stored;
how maps are computed is tested in tests/competency)."""

from __future__ import annotations

from django.utils import timezone

from competency.cache import bump_maps_version_now
from competency.models import Competency, CompetencyMap, CompetencyMapItem
from rumahbelajar.people.models import Position, Unit, User
from rumahbelajar.people.roles import HR_ADMIN, ensure_role_groups
from tests.people.factories import UserFactory

#: Who of the fixed cast may open an HR report (and its downloads): HR admins and superusers; to
#: everyone else the report does not exist.
HR_REPORT_ACCESS = [
    ("employee", 404),
    ("colleague", 404),
    ("outsider", 404),
    ("hr_admin", 200),
    ("superuser", 200),
]


def other_hr_admin(unit: Unit) -> User:
    """An HR admin who manages `unit`'s subtree (the cast's outsider's office, say)."""
    groups = ensure_role_groups()
    user = UserFactory(email="hr.b@example.test", full_name="Hadi SDM B", unit=unit, is_staff=True)
    user.groups.add(groups[HR_ADMIN])
    user.managed_units.add(unit)
    return user


def store_map(
    employee: User, position: Position, levels: dict[Competency, tuple[int, int]]
) -> CompetencyMap:
    """Stores `employee`'s map for `position`: per competency (required, achieved); achieved 0
    means not yet assessed."""
    cmap, _created = CompetencyMap.objects.update_or_create(
        employee=employee,
        defaults={"position": position, "stale": False, "computed_at": timezone.now()},
    )
    CompetencyMapItem.objects.filter(map=cmap).delete()
    CompetencyMapItem.objects.bulk_create(
        CompetencyMapItem(
            map=cmap,
            competency=competency,
            required=required,
            achieved=achieved,
            gap=max(required - achieved, 0),
            assessed=achieved > 0,
        )
        for competency, (required, achieved) in levels.items()
    )
    bump_maps_version_now()  # as services.maps does when it writes a map
    return cmap
