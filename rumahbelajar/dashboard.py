"""What the dashboard shows one employee, composed from the apps' selectors (the only place
`rumahbelajar` reads other apps). A constant number of queries whatever the data size (see
tests/test_dashboard.py). "Langkah berikutnya" is competency.recommendations' ranking, fed by the
providers ebooks and training register there."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from competency import recommendations
from competency import selectors as competency_selectors
from competency.models import CompetencyMap
from ebooks import selectors as ebook_selectors
from rumahbelajar.people.models import User
from training import selectors as training_selectors

UPCOMING_TRAININGS = 3
READING_SHELF = 3
# "Langkah berikutnya": the top items across the gaps (competency.recommendations).
NEXT_STEPS = 5


def dashboard_context(*, user: User) -> dict[str, Any]:
    """The template context of the dashboard for `user` (a logged-in person, as the
    authentication backend loads them: with unit and position)."""
    employee = user
    cmap = competency_selectors.map_for_employee(employee=employee)
    items = list(cmap.items.all()) if cmap is not None else []
    mine = training_selectors.my_trainings(employee=employee, with_jp=True)
    target = competency_selectors.target_for(employee=employee, cmap=cmap)
    reading = ebook_selectors.shelves(user=employee, reading=READING_SHELF, favourites=0)["reading"]
    steps = recommendations.next_steps(
        employee=employee,
        current=items,
        target=target.items if target else (),
        known={recommendations.KNOWN_MY_TRAININGS: mine, recommendations.KNOWN_READING: reading},
        top=NEXT_STEPS,
    )
    return {
        "employee": employee,
        "competency": _competency_summary(cmap, employee=employee),
        "target": target,
        "jp": mine.jp,
        **_trainings(mine),
        "reading": reading,
        "steps": steps,
    }


def _competency_summary(cmap: CompetencyMap | None, *, employee: User) -> dict[str, Any]:
    """`state`: "ready" (figures are current), "updating" (being recomputed; figures, if any,
    are the previous ones), "no_position" or "no_standard" (no map to show)."""
    items = list(cmap.items.all()) if cmap is not None else []
    updating = competency_selectors.map_is_updating(cmap, employee=employee)
    if employee.position_id is None:
        state = "no_position"
    elif updating:
        state = "updating"
    elif not items:
        state = "no_standard"
    else:
        state = "ready"
    return {
        "state": state,
        "map": cmap,
        "has_figures": bool(cmap and cmap.computed_at and items and cmap.jpm is not None),
        "total": len(items),
        "gaps": sum(1 for item in items if item.gap > 0),
        "unassessed": sum(1 for item in items if not item.assessed),
    }


def _trainings(mine: training_selectors.MyTrainings) -> dict[str, Any]:
    """The next assigned and registered trainings that have not ended, soonest first."""
    now = timezone.now()
    upcoming = sorted(
        (e for e in mine.assigned + mine.registered if e.training.end_at >= now),
        key=lambda e: (e.training.start_at, e.pk),
    )
    return {
        "upcoming_trainings": upcoming[:UPCOMING_TRAININGS],
        "more_trainings": max(len(upcoming) - UPCOMING_TRAININGS, 0),
        "waitlisted_count": len(mine.waitlisted),
        "today": timezone.localdate(),
    }
