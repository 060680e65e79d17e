"""The competency map pages: my map, and one employee's map for the people allowed to see it.

The map is read as stored (workers compute it); a map that is stale or missing is shown as "being
updated", and the page polls itself with htmx until the fresh map is there.
"""

from __future__ import annotations

from itertools import groupby
from typing import cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from competency import selectors
from competency.models import CompetencyMap, CompetencyType
from rumahbelajar.people.models import User

TEMPLATE = "competency/map_detail.html"
# The table groups competencies in the regulation's order of types, whatever their sort_order.
TYPE_ORDER = [CompetencyType.MANAJERIAL, CompetencyType.SOSIAL_KULTURAL, CompetencyType.TEKNIS]


@require_GET
def map_detail(request: HttpRequest) -> HttpResponse:
    # LoginRequiredMiddleware: always a logged-in person, whom the authentication backend
    # (rumahbelajar.people.backends) loads with unit and position.
    return _render_map(request, employee=cast(User, request.user), own=True)


@require_GET
def employee_map_detail(request: HttpRequest, nip: str) -> HttpResponse:
    viewer = cast(User, request.user)
    # 404, never 403, for anyone who may not see this person: it does not reveal who exists.
    employee = selectors.employee_map_visible_to(viewer=viewer, nip=nip)
    return _render_map(request, employee=employee, own=employee.pk == viewer.pk)


def _render_map(request: HttpRequest, *, employee: User, own: bool) -> HttpResponse:
    cmap = selectors.map_for_employee(employee=employee)
    updating = selectors.map_is_updating(cmap, employee=employee)
    polled = request.headers.get("HX-Request") == "true"
    if polled and updating:
        # Still being computed: htmx swaps nothing on 204, so the page stays as it is.
        response = HttpResponse(status=204)
    else:
        context = {
            "employee": employee,
            "own": own,
            "cmap": cmap,
            "updating": updating,
            "refreshed": polled,
            **_map_context(cmap, employee=employee),
        }
        response = render(request, TEMPLATE + ("#map-body" if polled else ""), context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _map_context(cmap: CompetencyMap | None, *, employee: User) -> dict[str, object]:
    items = list(cmap.items.all()) if cmap is not None else []
    by_type = {kind: [i for i in items if i.competency.type == kind] for kind in TYPE_ORDER}
    history = sorted(
        selectors.results_history(employee=employee),
        key=lambda result: (result.competency.sort_order, result.competency.code),
    )
    return {
        "items": [item for kind in TYPE_ORDER for item in by_type[kind]],
        "groups": [(kind.label, kind.value, by_type[kind]) for kind in TYPE_ORDER if by_type[kind]],
        "to_develop": selectors.competencies_to_develop(items),
        "history_groups": [
            (competency, list(results))
            for competency, results in groupby(history, key=lambda result: result.competency)
        ],
        "history_count": len(history),
        # Three disjoint counts: met, assessed but below the standard, not assessed yet.
        "met_count": sum(1 for item in items if not item.gap),
        "below_count": sum(1 for item in items if item.gap and item.assessed),
        "unassessed_count": sum(1 for item in items if not item.assessed),
        "last_assessed_on": max(
            (item.last_assessed_on for item in items if item.last_assessed_on), default=None
        ),
    }
