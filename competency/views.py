"""The competency map pages: my map, and one employee's map for the people allowed to see it;
and the competency report (/reports/competency/): positions by competencies for HR.

The map is read as stored (workers compute it); a map that is stale or missing is shown as "being
updated", and the page polls itself with htmx until the fresh map is there.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any, cast
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from competency import cache as report_cache
from competency import selectors
from competency.forms import CompetencyReportForm
from competency.models import CompetencyMap, CompetencyType
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
    cell_query = {**filters, "position": position.pk, "competency": competency.code}
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
        "cell_query": urlencode(cell_query),
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
