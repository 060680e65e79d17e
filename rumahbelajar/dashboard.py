"""What the dashboard shows one employee, composed from the apps' selectors (the only place
`rumahbelajar` reads other apps). A constant number of queries whatever the data size: ten at
most with the request's user (see tests/test_dashboard.py)."""

from __future__ import annotations

from itertools import zip_longest
from typing import Any

from django.utils import timezone

from competency import selectors as competency_selectors
from competency.models import CompetencyMap, CompetencyMapItem
from ebooks import selectors as ebook_selectors
from rumahbelajar.people.models import User
from training import selectors as training_selectors

UPCOMING_TRAININGS = 3
READING_SHELF = 3
RECOMMENDED_BOOKS = 4
# Books are recommended for the few gaps to close first, not for every gap at once.
COMPETENCIES_TO_DEVELOP = 3


def dashboard_context(*, user: User) -> dict[str, Any]:
    """The template context of the dashboard for `user` (a logged-in person, as the
    authentication backend loads them: with unit and position)."""
    employee = user
    cmap = competency_selectors.map_for_employee(employee=employee)
    to_develop = competency_selectors.competencies_to_develop(
        cmap.items.all() if cmap is not None else [], limit=COMPETENCIES_TO_DEVELOP
    )
    return {
        "employee": employee,
        "competency": _competency_summary(cmap, employee=employee),
        "jp": training_selectors.jp_summary(employee=employee),
        **_trainings(employee),
        "reading": ebook_selectors.shelves(user=employee, reading=READING_SHELF, favourites=0)[
            "reading"
        ],
        "to_develop": to_develop,
        "recommended": _recommended_books(to_develop),
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


def _trainings(employee: User) -> dict[str, Any]:
    """The next assigned and registered trainings that have not ended, soonest first."""
    mine = training_selectors.my_trainings(employee=employee)
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


def _recommended_books(to_develop: list[CompetencyMapItem]) -> list[Any]:
    """Books for the competencies to develop first, taking turns: the best book for the first
    competency, then for the second, …, then the second best of each; each book once, with
    `helps`, the competency it was chosen for."""
    per_gap = ebook_selectors.ebooks_for_gaps(
        achieved={item.competency_id: item.achieved for item in to_develop},
        per_gap=RECOMMENDED_BOOKS,
    )
    competency_of = {item.competency_id: item.competency for item in to_develop}
    chosen: list[Any] = []
    seen: set[int] = set()
    for turn in zip_longest(*per_gap.values()):
        for competency_id, book in zip(per_gap, turn, strict=True):
            if book is None or book.pk in seen or len(chosen) == RECOMMENDED_BOOKS:
                continue
            seen.add(book.pk)
            book.helps = competency_of[competency_id]  # type: ignore[union-attr]
            chosen.append(book)
    return chosen
