"""Non-trivial reads about competencies: stored maps, results, and who may see whose map."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.http import Http404

from competency.models import AssessmentResult, CompetencyLevel, CompetencyMap, CompetencyMapItem
from rumahbelajar.people import selectors as people_selectors
from rumahbelajar.people.models import User
from rumahbelajar.people.nip import NIP_RE


def map_for_employee(*, employee: User) -> CompetencyMap | None:
    """The employee's stored map, or None when none was computed yet. Three queries, whatever the
    number of competencies: the map (with its position), its items (with their competency), and
    the levels each item with a gap should reach next, attached as `item.next_level`
    (a CompetencyLevel, level achieved + 1; None when there is no gap)."""
    cmap = (
        CompetencyMap.objects.select_related("position")
        .prefetch_related(
            Prefetch("items", queryset=CompetencyMapItem.objects.select_related("competency"))
        )
        .filter(employee_id=employee.pk)
        .first()
    )
    if cmap is None:
        return None
    gap_items = CompetencyMapItem.objects.filter(
        map_id=cmap.pk,
        gap__gt=0,
        competency_id=OuterRef("competency_id"),
        achieved=OuterRef("level") - 1,
    )
    next_levels = {
        (level.competency_id, level.level): level
        for level in CompetencyLevel.objects.filter(Exists(gap_items))
    }
    for item in cmap.items.all():
        item.next_level = (  # type: ignore[attr-defined]
            next_levels.get((item.competency_id, item.achieved + 1)) if item.gap else None
        )
    return cmap


def results_history(*, employee: User) -> QuerySet[AssessmentResult]:
    """Every result of the employee, by competency, newest first within each (the first one per
    competency is the one the map uses: latest by assessment date, then by arrival)."""
    return (
        AssessmentResult.objects.filter(employee_id=employee.pk)
        .select_related("competency")
        .order_by("competency__sort_order", "competency__code", "-assessed_on", "-id")
    )


def competencies_to_develop(*, employee: User, limit: int = 5) -> QuerySet[CompetencyMapItem]:
    """The stored map's items with a gap, the biggest gap first (then the regulation's order)."""
    return (
        CompetencyMapItem.objects.filter(map_id=employee.pk, gap__gt=0)
        .select_related("competency")
        .order_by(F("gap").desc(), "competency__sort_order", "competency__code")[:limit]
    )


def employee_map_visible_to(*, viewer: User, nip: str) -> User:
    """The employee with this NIP (with unit and position) if `viewer` may see their map: the
    employee themself, HR admins of the employee's unit subtrees, superusers. Raises Http404
    otherwise, the same as for an unknown or malformed NIP, so nobody learns who exists."""
    if not NIP_RE.match(nip or ""):
        raise Http404
    if viewer.is_authenticated and viewer.nip == nip:
        candidates = User.objects.all()
    else:
        candidates = people_selectors.employees_visible_to(user=viewer)
    employee = candidates.select_related("unit", "position").filter(nip=nip).first()
    if employee is None:
        raise Http404
    return employee
