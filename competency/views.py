"""The competency map pages: my map, and one employee's map for the people allowed to see it;
and the competency report (/reports/competency/): positions by competencies for HR.

The map is read as stored (workers compute it); a map that is stale or missing is shown as "being
updated", and the page polls itself with htmx until the fresh map is there.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from competency import cache as report_cache
from competency import recommendations, selectors, services
from competency.forms import CompetencyReportForm, TargetPositionForm
from competency.models import AssessmentResult, Competency, CompetencyMap, CompetencyType
from rumahbelajar import exports
from rumahbelajar.people import selectors as people_selectors
from rumahbelajar.people.models import PositionKind, User

TEMPLATE = "competency/map_detail.html"
# The table groups competencies in the regulation's order of types, whatever their sort_order.
TYPE_ORDER = [CompetencyType.MANAJERIAL, CompetencyType.SOSIAL_KULTURAL, CompetencyType.TEKNIS]


@require_GET
def map_detail(request: HttpRequest) -> HttpResponse:
    # LoginRequiredMiddleware: always a logged-in person, whom the authentication backend
    # (rumahbelajar.people.backends) loads with unit and position.
    return _render_map(request, employee=cast(User, request.user), own=True)


TARGET_TEMPLATE = "competency/target.html"
# Positions listed at once on /competency/target/; more are found through the search.
TARGET_CHOICES = 50


@require_http_methods(["GET", "POST"])
def target_position(request: HttpRequest) -> HttpResponse:
    """Choose my target position: a search (`q`) over positions by name, a list of matches to
    pick from, and POST `position` (an id; empty clears it). Only for oneself: HR sets another
    person's target in the admin, for the people of their units."""
    employee = cast(User, request.user)
    current = selectors.current_target_position(employee=employee)
    status = 200
    if request.method == "POST":
        form = TargetPositionForm(request.POST)
        if form.is_valid():
            position = form.cleaned_data["position"]
            services.set_target_position(employee=employee, position=position)
            if position is None:
                messages.success(request, _("Jabatan target dihapus."))
            else:
                messages.success(
                    request,
                    _("Jabatan target Anda sekarang %(name)s.") % {"name": position.name},
                )
            return redirect("competency:map-detail")
        status = 400
    else:
        form = TargetPositionForm(initial={"position": current.pk if current else None})
    query = " ".join(str(request.GET.get("q", ""))[:100].split())
    choices, more = selectors.positions_to_target(q=query, limit=TARGET_CHOICES, keep=current)
    context = {
        "form": form,
        "current": current,
        "q": query,
        "choices": choices,
        "more": more,
        "chosen": str(form["position"].value() or ""),
    }
    return render(request, TARGET_TEMPLATE, context, status=status)


@require_GET
def employee_map_detail(request: HttpRequest, nip: str) -> HttpResponse:
    viewer = cast(User, request.user)
    # 404, never 403, for anyone who may not see this person: it does not reveal who exists.
    employee = selectors.employee_map_visible_to(viewer=viewer, nip=nip)
    return _render_map(request, employee=employee, own=employee.pk == viewer.pk)


def _render_map(request: HttpRequest, *, employee: User, own: bool) -> HttpResponse:
    # What to learn next is shown on one's own map: what its providers read of the person
    # comes in the map's statement.
    reads = recommendations.personal_reads() if own else ()
    cmap, history, known = selectors.map_and_personal(employee=employee, reads=reads)
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
            **_map_context(cmap, history, employee=employee, own=own, known=known),
        }
        response = render(request, TEMPLATE + ("#map-body" if polled else ""), context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _map_context(
    cmap: CompetencyMap | None,
    history: list[AssessmentResult],
    *,
    employee: User,
    own: bool,
    known: dict[str, Any] | None = None,
) -> dict[str, object]:
    items = list(cmap.items.all()) if cmap is not None else []
    target = selectors.target_for(employee=employee, cmap=cmap)
    # What to learn next is said to the person themself ("level Anda …"): on their own map.
    steps = (
        recommendations.next_steps(
            employee=employee,
            current=items,
            target=target.items if target else (),
            known=known,
        )
        if own
        else None
    )
    by_type = {kind: [i for i in items if i.competency.type == kind] for kind in TYPE_ORDER}
    history = sorted(
        history, key=lambda result: (result.competency.sort_order, result.competency.code)
    )
    return {
        "items": [item for kind in TYPE_ORDER for item in by_type[kind]],
        "groups": [(kind.label, kind.value, by_type[kind]) for kind in TYPE_ORDER if by_type[kind]],
        "to_develop": selectors.competencies_to_develop(items),
        "target": target,
        "compare": compare_rows(items, target.items) if target else [],
        "target_counts": _counts(target.items) if target else None,
        "steps": steps,
        "develop": _develop(items, target, steps),
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


# --- the competency report ------------------------------------------------------------------------

REPORT_TEMPLATE = "competency/report_heatmap.html"
HEATMAP_FRAGMENT = "competency/includes/report_heatmap_table.html"
CELL_TEMPLATE = "competency/report_cell.html"
PEOPLE_PER_PAGE = 50


@require_GET
def competency_report(request: HttpRequest) -> HttpResponse:
    """The heatmap, or with `position` + `competency` one cell's people; `format` exports it."""
    # 404 for anyone who may see no one: the report does not reveal that it exists.
    scope = people_selectors.report_scope(viewer=cast(User, request.user))
    if scope is None:
        raise Http404
    form = CompetencyReportForm(request.GET, scope=scope)
    unit, kind, fmt = form.value("unit"), form.value("kind"), form.value("format")
    filters = {key: value for key, value in (("unit", unit and unit.pk), ("kind", kind)) if value}
    scoped = scope.narrowed_to(unit) if unit else scope
    if form.value("position") and form.value("competency"):
        cell = selectors.report_cell(
            position_id=form.value("position"), competency_code=form.value("competency")
        )
        if cell is None:
            raise Http404
        return _cell(request, form, scoped, kind, fmt, filters, *cell)
    if fmt:
        heatmap = selectors.competency_heatmap(scope=scoped, kind=kind)
        return exports.table_response(
            filename="laporan-kompetensi",
            fmt=fmt,
            header=_heatmap_header(),
            rows=_heatmap_rows(heatmap),
        )
    query = urlencode(filters)

    def render_heatmap() -> str:
        heatmap = selectors.competency_heatmap(scope=scoped, kind=kind)
        return render_to_string(HEATMAP_FRAGMENT, {"heatmap": heatmap, "query": query})

    # Shared by everyone who sees the same people (competency.cache), never per person.
    heatmap_html = report_cache.shared_fragment(
        "heatmap", render_heatmap, scope=scoped, kind=kind, query=query
    )
    context = {"form": form, "heatmap_html": mark_safe(heatmap_html)}  # noqa: S308 (our template)
    return render(request, REPORT_TEMPLATE, context)


def _cell(
    request: HttpRequest,
    form: CompetencyReportForm,
    scope: people_selectors.ReportScope,
    kind: str | None,
    fmt: str | None,
    filters: dict[str, Any],
    position: Any,
    competency: Any,
) -> HttpResponse:
    page = form.value("page") or 1
    found = selectors.heatmap_cell_people(
        scope=scope,
        position_id=position.pk,
        competency_id=competency.pk,
        kind=kind,
        limit=None if fmt else PEOPLE_PER_PAGE,
        offset=0 if fmt else (page - 1) * PEOPLE_PER_PAGE,
    )
    if fmt:
        return exports.table_response(
            filename=f"laporan-kompetensi-{position.code}-{competency.code}",
            fmt=fmt,
            header=_people_header(),
            rows=_people_rows(found.rows, position=position, competency=competency),
        )
    cell_query = urlencode({**filters, "position": position.pk, "competency": competency.code})
    pages = max(1, -(-found.people // PEOPLE_PER_PAGE))
    context = {
        "form": form,
        "position": position,
        "competency": competency,
        "found": found,
        "cell": found.cell,
        "page": page,
        "pages": pages,
        "query": urlencode(filters),
        "cell_query": cell_query,
        "page_prefix": f"?{cell_query}&page=",
        # Nominating is HR's (a supervisor reads their team's cell only).
        "may_nominate": not scope.is_team,
    }
    return render(request, CELL_TEMPLATE, context)


def _heatmap_header() -> list[str]:
    return [
        _("Jabatan"),
        _("Jenis jabatan"),
        _("Kode kompetensi"),
        _("Kompetensi"),
        _("Level standar"),
        _("Pegawai"),
        _("Di bawah standar"),
        _("Di bawah standar (%)"),
        _("Rata-rata kesenjangan"),
    ]


def _heatmap_rows(heatmap: selectors.Heatmap) -> list[list[Any]]:
    kinds = dict(PositionKind.choices)
    return [
        [
            position.name,
            str(kinds.get(position.kind, position.kind)),
            competency.code,
            competency.name,
            cell.required,
            cell.people,
            cell.below,
            cell.share_percent,
            cell.mean_gap_display,
        ]
        for position, competency, cell in heatmap.cells
    ]


def _people_header() -> list[str]:
    return [
        _("NIP"),
        _("Nama"),
        _("Unit kerja"),
        _("Jabatan"),
        _("Kode kompetensi"),
        _("Level standar"),
        _("Level capaian"),
        _("Kesenjangan"),
        _("Sudah diases"),
    ]


def _people_rows(
    rows: list[selectors.CellPerson], *, position: Any, competency: Any
) -> list[list[Any]]:
    yes, no = _("Ya"), _("Belum")
    return [
        [
            person.nip,
            person.full_name,
            person.unit_name,
            position.name,
            competency.code,
            person.required,
            person.achieved,
            person.gap,
            yes if person.assessed else no,
        ]
        for person in rows
    ]


def _counts(items: list[selectors.TargetItem]) -> dict[str, int]:
    return {
        "met": sum(1 for item in items if not item.gap),
        "below": sum(1 for item in items if item.gap and item.assessed),
        "unassessed": sum(1 for item in items if not item.assessed),
    }


def compare_rows(current: list[Any], target: list[selectors.TargetItem]) -> list[CompareRow]:
    """The two standards side by side: every competency of either, in the dictionary's order,
    with the level required now and for the target (None where a standard does not list it),
    the level achieved, and both gaps."""
    rows: dict[int, CompareRow] = {}
    for item in current:
        rows[item.competency_id] = CompareRow(
            competency=item.competency,
            achieved=item.achieved,
            assessed=item.assessed,
            required_now=item.required,
            gap_now=item.gap,
        )
    for item in target:
        row = rows.get(item.competency.pk)
        if row is None:
            row = rows[item.competency.pk] = CompareRow(
                competency=item.competency, achieved=item.achieved, assessed=item.assessed
            )
        row.required_target = item.required
        row.gap_target = item.gap
    return sorted(rows.values(), key=lambda r: (r.competency.sort_order, r.competency.code))


@dataclass
class CompareRow:
    competency: Competency
    achieved: int
    assessed: bool
    required_now: int | None = None
    gap_now: int | None = None
    required_target: int | None = None
    gap_target: int | None = None


def _develop(
    items: list[Any],
    target: selectors.TargetMap | None,
    steps: recommendations.NextSteps | None,
) -> list[tuple[recommendations.Need, list[recommendations.Suggestion]]]:
    """The panel's competencies to develop (current position's gaps, then the target's), each
    with what to learn for it (on one's own map)."""
    needs = (
        steps.needs
        if steps is not None
        else recommendations.needs_from(items, target.items if target else ())
    )
    return [(need, steps.for_competency(need.competency.pk) if steps else []) for need in needs]
