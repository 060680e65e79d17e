"""Reads about competencies for pages, the API and the admin. Every function runs a constant number
of queries, whatever the number of competencies, results or map items.

Maps are read as stored (workers compute them); nothing here recomputes anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db.models import F, FilteredRelation, Prefetch, Q, QuerySet
from django.http import Http404

from competency.models import AssessmentResult, CompetencyLevel, CompetencyMap, CompetencyMapItem
from rumahbelajar.people.models import User
from rumahbelajar.people.selectors import employees_visible_to

_NIP_RE = re.compile(r"^[0-9]{18}$")
_ITEM_ORDER = ("competency__sort_order", "competency__code")


def _items() -> QuerySet[CompetencyMapItem]:
    """Map items with their competency and, in the same query, what level achieved + 1 of it
    means (the dictionary's level row, joined on the item's own achieved level)."""
    return (
        CompetencyMapItem.objects.select_related("competency")
        .annotate(
            next_level_row=FilteredRelation(
                "competency__levels",
                condition=Q(competency__levels__level=F("achieved") + 1),
            ),
            next_level_pk=F("next_level_row__id"),
            next_level_description=F("next_level_row__description"),
            next_level_indicators=F("next_level_row__indicators"),
        )
        .order_by(*_ITEM_ORDER)
    )


def _attach_next_levels(items: Iterable[CompetencyMapItem]) -> None:
    """Sets `item.next_level` to the CompetencyLevel of level achieved + 1 (None at level 5 or when
    the dictionary lacks it) from the columns _items() joined in: no query."""
    for item in items:
        pk = getattr(item, "next_level_pk", None)
        item.next_level = (  # type: ignore[attr-defined]
            CompetencyLevel(
                pk=pk,
                competency=item.competency,
                level=item.achieved + 1,
                description=item.next_level_description,  # type: ignore[attr-defined]
                indicators=item.next_level_indicators,  # type: ignore[attr-defined]
            )
            if pk is not None
            else None
        )


def map_for_employee(*, employee: User) -> CompetencyMap | None:
    """The employee's stored map, or None if none was ever computed. Two queries.

    `cmap.position` is loaded; `cmap.items.all()` is prefetched in the dictionary's order
    (competency sort order, then code) with `item.competency` loaded and `item.next_level` set to
    the CompetencyLevel of level `achieved + 1` (its `description` and `indicators` say what the
    next level means; None when the employee is at level 5). Check `cmap.stale` before trusting
    the figures: a stale map is being recomputed.
    """
    cmap = (
        CompetencyMap.objects.select_related("position")
        .prefetch_related(Prefetch("items", queryset=_items()))
        .filter(employee_id=employee.pk)
        .first()
    )
    if cmap is not None:
        _attach_next_levels(cmap.items.all())
    return cmap


def map_is_updating(cmap: CompetencyMap | None, *, employee: User) -> bool:
    """True while a recomputation is due: no map yet (for someone with a position), a stale mark,
    or a map computed for a position the employee no longer holds. No query."""
    if cmap is None:
        return employee.position_id is not None
    return (
        cmap.stale
        or cmap.computed_at is None
        or (employee.position_id is not None and cmap.position_id != employee.position_id)
    )


def results_history(*, employee: User) -> list[AssessmentResult]:
    """Every result of the employee, grouped per competency: the results of one competency are
    consecutive (competencies in sort order, then code), newest first within it (by assessment
    date, then arrival), so `itertools.groupby(results, key=lambda r: r.competency)` yields one
    group per competency whose first result is the one that counts. `result.competency` is loaded
    and `result.is_latest` is True on that first result. One query."""
    results = list(
        AssessmentResult.objects.filter(employee_id=employee.pk)
        .select_related("competency")
        .order_by(*_ITEM_ORDER, "competency_id", "-assessed_on", "-id")
    )
    previous = None
    for result in results:
        result.is_latest = result.competency_id != previous  # type: ignore[attr-defined]
        previous = result.competency_id
    return results


def competencies_to_develop(
    items: Iterable[CompetencyMapItem], *, limit: int = 5
) -> list[CompetencyMapItem]:
    """The map items with a gap, the ones to work on first: the biggest gap first, then those
    not yet assessed, then in the dictionary's order; at most `limit`. `items` are a stored map's
    (map_for_employee: competency and next level loaded). No query."""
    with_gap = [item for item in items if item.gap > 0]
    with_gap.sort(
        key=lambda item: (
            -item.gap,
            item.assessed,
            item.competency.sort_order,
            item.competency.code,
        )
    )
    return with_gap[:limit]


def employee_map_visible_to(*, viewer: User, nip: str) -> User:
    """The employee with this NIP, if `viewer` may see their map: the employee themself, an HR
    admin (staff) whose managed unit subtrees contain the employee's unit, or a superuser.
    Raises Http404 otherwise, and for an unknown or malformed NIP, so the answer never reveals
    whether someone exists. The employee comes with `unit` and `position` loaded. At most three
    queries."""
    if not viewer.is_authenticated or not viewer.is_active or not _NIP_RE.match(nip or ""):
        raise Http404
    employee = User.objects.select_related("unit", "position").filter(nip=nip).first()
    if employee is None:
        raise Http404
    if employee.pk == viewer.pk or viewer.is_superuser:
        return employee
    if (
        viewer.is_staff
        and employee.unit_id is not None
        and employees_visible_to(user=viewer).filter(pk=employee.pk).exists()
    ):
        return employee
    raise Http404
