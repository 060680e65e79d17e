"""Reads about competencies for pages, the API and the admin. Every function runs a constant number
of queries, whatever the number of competencies, results or map items.

Maps are read as stored (workers compute them); nothing here recomputes anything.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from competency.gaps import Latest, compute_gaps
from competency.models import (
    AssessmentResult,
    Competency,
    CompetencyLevel,
    CompetencyMap,
    CompetencyMapItem,
    PositionStandard,
    TargetPosition,
)
from competency.recommendations import PersonalRead, gaps_first
from rumahbelajar.people.models import Position, Unit, User
from rumahbelajar.people.nip import format_nip
from rumahbelajar.people.selectors import (
    ReportScope,
    can_manage_employee,
    is_supervisor,
    load_person_by_nip,
    supervises,
)
from rumahbelajar.sqlrows import build, cache_related, columns, decode_json, fetch, take, width

_NIP_RE = re.compile(r"^[0-9]{18}$")


def _map_columns() -> str:
    """The map, its position, and per item the competency and the dictionary's level
    achieved + 1 (id, description, indicators), then the target position's id (NULL: none
    chosen). _map_tables() gives one row per item (one row with NULL items for a map without
    any)."""
    return (
        f"{columns(CompetencyMap, 'm')}, {columns(Position, 'p')}, "
        f"{columns(CompetencyMapItem, 'i')}, {columns(Competency, 'c')}, "
        'l."id", l."description", l."indicators", target."position_id"'
    )


def _map_tables() -> str:
    return (
        f'FROM "{CompetencyMap._meta.db_table}" m '
        f'LEFT JOIN "{Position._meta.db_table}" p ON p."id" = m."position_id" '
        f'LEFT JOIN "{TargetPosition._meta.db_table}" target '
        '  ON target."employee_id" = m."employee_id" '
        f'LEFT JOIN "{CompetencyMapItem._meta.db_table}" i ON i."map_id" = m."employee_id" '
        f'LEFT JOIN "{Competency._meta.db_table}" c ON c."id" = i."competency_id" '
        f'LEFT JOIN "{CompetencyLevel._meta.db_table}" l '
        '  ON l."competency_id" = i."competency_id" AND l."level" = i."achieved" + 1 '
        'WHERE m."employee_id" = %s'
    )


@cache
def _map_sql() -> str:
    """The map's rows in the dictionary's order."""
    return f'SELECT {_map_columns()} {_map_tables()} ORDER BY c."sort_order", c."code"'


def _map_width() -> int:
    return sum(width(model) for model in (CompetencyMap, Position, CompetencyMapItem, Competency))


def map_for_employee(*, employee: User) -> CompetencyMap | None:
    """The employee's stored map, or None if none was ever computed. One query, written once
    per process (rumahbelajar.sqlrows): every map page, the dashboard and the API read it.

    `cmap.position` is loaded, and `cmap.target_position_id` (None: no target chosen);
    `cmap.items.all()` is prefetched in the dictionary's order
    (competency sort order, then code) with `item.competency` loaded and `item.next_level` set to
    the CompetencyLevel of level `achieved + 1` (its `description` and `indicators` say what the
    next level means; None when the employee is at level 5). Check `cmap.stale` before trusting
    the figures: a stale map is being recomputed.
    """
    db, rows = fetch(CompetencyMap, _map_sql(), [employee.pk])
    return _map_from(db, rows)


# The next level's columns as the map's query reads them (l."id", l."description",
# l."indicators"), with what the item itself says (the competency, the level after its own).
_LEVEL_FIELDS = ("id", "competency_id", "level", "description", "indicators")


def _map_from(db: str, rows: list[tuple[Any, ...]]) -> CompetencyMap | None:
    if not rows:
        return None
    cmap, at = take(CompetencyMap, db, rows[0], 0)
    position, items_at = take(Position, db, rows[0], at)
    assert cmap is not None  # every row is the map's
    cache_related(cmap, "position", position)
    cmap.target_position_id = rows[0][-1]  # type: ignore[attr-defined]
    items = []
    for row in rows:
        item, at = take(CompetencyMapItem, db, row, items_at)
        if item is None:  # a map without items
            continue
        competency, at = take(Competency, db, row, at)
        level_pk, description, indicators = row[at : at + 3]
        cache_related(item, "competency", competency)
        cache_related(item, "map", cmap)
        following = None
        if level_pk is not None:
            following = build(
                CompetencyLevel,
                db,
                _LEVEL_FIELDS,
                (level_pk, item.competency_id, item.achieved + 1, description, indicators),
            )
            cache_related(following, "competency", competency)
        item.next_level = following  # type: ignore[attr-defined]
        items.append(item)
    prefetched = cmap.items.all()
    prefetched._result_cache = items  # as prefetch_related leaves it
    prefetched._prefetch_done = True  # type: ignore[attr-defined]
    cmap._prefetched_objects_cache = {"items": prefetched}  # type: ignore[attr-defined]
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


def _history_columns() -> str:
    return f"{columns(AssessmentResult, 'r')}, {columns(Competency, 'c')}"


def _history_tables() -> str:
    return (
        f'FROM "{AssessmentResult._meta.db_table}" r '
        f'JOIN "{Competency._meta.db_table}" c ON c."id" = r."competency_id" '
        'WHERE r."employee_id" = %s'
    )


_HISTORY_ORDER = 'c."sort_order", c."code", r."competency_id", r."assessed_on" DESC, r."id" DESC'


@cache
def _history_sql() -> str:
    return f"SELECT {_history_columns()} {_history_tables()} ORDER BY {_HISTORY_ORDER}"


def results_history(*, employee: User) -> list[AssessmentResult]:
    """Every result of the employee, grouped per competency: the results of one competency are
    consecutive (competencies in sort order, then code), newest first within it (by assessment
    date, then arrival), so `itertools.groupby(results, key=lambda r: r.competency)` yields one
    group per competency whose first result is the one that counts. `result.competency` is loaded
    (one instance per competency) and `result.is_latest` is True on that first result. One
    query, written once per process (rumahbelajar.sqlrows)."""
    db, rows = fetch(AssessmentResult, _history_sql(), [employee.pk])
    return _history_from(db, rows)


def _history_from(db: str, rows: list[tuple[Any, ...]]) -> list[AssessmentResult]:
    results = []
    competency: Competency | None = None
    for row in rows:
        result, at = take(AssessmentResult, db, row, 0)
        assert result is not None  # every row is a result's
        if competency is None or competency.pk != result.competency_id:
            competency, _at = take(Competency, db, row, at)
            result.is_latest = True  # type: ignore[attr-defined]
        else:
            result.is_latest = False  # type: ignore[attr-defined]
        cache_related(result, "competency", competency)
        results.append(result)
    return results


# map_for_employee() and results_history() in one round trip, for the map page: each row says
# which it belongs to ('m' or 'h') and carries both orders' keys (the map's rows only the first
# two); the other's columns are NULL. With personal reads (recommendations.PersonalRead), one
# row more for each ('p', its index), its JSON value in a last column of its own.
_KEYS = 6  # part, sort_order, code, competency_id, assessed_on, id


@cache
def _map_and_history_sql(reads: tuple[PersonalRead, ...] = ()) -> str:
    map_nulls = ", ".join(["NULL"] * (_map_width() + 4))  # + level (3), target
    history_nulls = ", ".join(["NULL"] * (width(AssessmentResult) + width(Competency)))
    value, value_null = (", NULL::json", ", NULL") if reads else ("", "")
    personal = "".join(
        f" UNION ALL SELECT 'p', {index}, NULL, NULL, NULL, NULL, {map_nulls}, {history_nulls}, "
        f"({read.sql})"
        for index, read in enumerate(reads)
    )
    return (
        'SELECT \'m\', c."sort_order", c."code", NULL::bigint, NULL::date, NULL::bigint, '
        f"{_map_columns()}, {history_nulls}{value} {_map_tables()} "
        "UNION ALL "
        'SELECT \'h\', c."sort_order", c."code", r."competency_id", r."assessed_on", '
        f'r."id", {map_nulls}, {_history_columns()}{value_null} {_history_tables()}'
        f"{personal} "
        # The personal values, then the map's rows, each part in its own order (as _map_sql,
        # _history_sql).
        "ORDER BY 1 DESC, 2, 3, 4, 5 DESC, 6 DESC"
    )


def map_and_history(*, employee: User) -> tuple[CompetencyMap | None, list[AssessmentResult]]:
    """(map_for_employee(), results_history()) in one query."""
    cmap, history, _known = map_and_personal(employee=employee)
    return cmap, history


def map_and_personal(
    *, employee: User, reads: Sequence[PersonalRead] = (), now: dt.datetime | None = None
) -> tuple[CompetencyMap | None, list[AssessmentResult], dict[str, Any]]:
    """map_and_history() and the personal reads of what to learn next (`reads`, from
    recommendations.personal_reads(); {PersonalRead.key: its decoded value}) in one query:
    the map page's whole read of the person, besides the person themself."""
    reads = tuple(reads)
    params: list[Any] = [employee.pk, employee.pk]
    at = now or timezone.now()
    for read in reads:
        params += read.values(employee_id=employee.pk, now=at)
    db, rows = fetch(CompetencyMap, _map_and_history_sql(reads), params)
    split = _KEYS + _map_width() + 4
    end = split + width(AssessmentResult) + width(Competency)
    map_rows = [row[_KEYS:split] for row in rows if row[0] == "m"]
    history_rows = [row[split:end] for row in rows if row[0] == "h"]
    known = {reads[row[1]].key: decode_json(row[-1]) for row in rows if row[0] == "p"}
    return _map_from(db, map_rows), _history_from(db, history_rows), known


def competencies_to_develop(
    items: Iterable[CompetencyMapItem], *, limit: int = 5
) -> list[CompetencyMapItem]:
    """The map items with a gap, the ones to work on first: the biggest gap first, then those
    not yet assessed, then in the dictionary's order; at most `limit`. `items` are a stored map's
    (map_for_employee: competency and next level loaded). No query."""
    return gaps_first(items)[:limit]


def employee_map_visible_to(*, viewer: User, nip: str) -> User:
    """The employee with this NIP, if `viewer` may see their map: the employee themself, an HR
    admin (staff) whose managed unit subtrees contain the employee's unit, a superuser, or their
    supervisor (people.selectors.team_of: nobody else's).
    Raises Http404 otherwise, and for an unknown or malformed NIP, so the answer never reveals
    whether someone exists. The employee comes with `unit` and `position` loaded. At most three
    queries (four for a supervisor)."""
    if not viewer.is_authenticated or not viewer.is_active or not _NIP_RE.match(nip or ""):
        raise Http404
    employee = load_person_by_nip(nip)
    if employee is None:
        raise Http404
    if employee.pk == viewer.pk or viewer.is_superuser:
        return employee
    if viewer.is_staff and can_manage_employee(admin=viewer, employee=employee):
        return employee
    if is_supervisor(user=viewer) and supervises(supervisor=viewer, employee=employee):
        return employee
    raise Http404


# --- the competency report (/reports/competency/) -------------------------------------------------
# Set-based over the stored maps: one aggregate per page, grouped in PostgreSQL by (position,
# competency); Python only lays out the cells. A map counts under the position it was computed
# for (its items compare with that position's standard); only active people count.


@dataclass(frozen=True)
class HeatCell:
    """One (position, competency) cell: `people` with the competency in their map, `below` of
    them under the standard (gap > 0, also when not yet assessed), the sum of their gaps and the
    required level of the position's standard (the largest, should maps of one position
    disagree while being recomputed)."""

    position_id: int
    competency_id: int
    people: int
    below: int
    gap_sum: int
    required: int

    @property
    def share_below(self) -> float:
        """Percent of the cell's people below the standard."""
        return 100.0 * self.below / self.people if self.people else 0.0

    @property
    def mean_gap(self) -> float:
        """The mean gap over all of the cell's people (those meeting the standard count 0)."""
        return self.gap_sum / self.people if self.people else 0.0

    @property
    def share_percent(self) -> int:
        """share_below in whole percent, rounded half up: as the page and the exports show it."""
        return int(_half_up(Decimal(100 * self.below) / self.people, "1")) if self.people else 0

    @property
    def mean_gap_display(self) -> Decimal:
        """mean_gap to one decimal, rounded half up: as the page and the exports show it."""
        return _half_up(Decimal(self.gap_sum) / self.people, "0.1") if self.people else Decimal(0)

    @property
    def heat(self) -> int:
        """0-4, the colour band of share_below: 0 none, 1 < 25 %, 2 < 50 %, 3 < 75 %, 4 above."""
        if not self.below:
            return 0
        return min(4, 1 + int(self.share_below // 25))


@dataclass(frozen=True)
class HeatRow:
    position: Position
    people: int
    # (competency, cell) per competency of the report; cell None: not in the position's standard
    cells: list[tuple[Competency, HeatCell | None]]


@dataclass(frozen=True)
class Heatmap:
    competencies: list[Competency]
    rows: list[HeatRow]

    @property
    def cells(self) -> list[tuple[Position, Competency, HeatCell]]:
        """Every filled cell in page order (rows, then columns): the exports' rows."""
        return [
            (row.position, competency, cell)
            for row in self.rows
            for competency, cell in row.cells
            if cell is not None
        ]


def _half_up(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _report_rows(scope: ReportScope, kind: str | None) -> tuple[str, list[Any]]:
    """The FROM and WHERE of the competency report's queries: the map items of the active people
    in `scope` (m the map, u the person, n their unit, p the map's position, i the item),
    optionally of one position kind. A caller may add conditions with AND."""
    condition, params = scope.sql('n."path"')
    rows = (
        f'FROM "{CompetencyMap._meta.db_table}" m '
        f'JOIN "{User._meta.db_table}" u ON u."id" = m."employee_id" '
        f'JOIN "{Unit._meta.db_table}" n ON n."id" = u."unit_id" '
        f'JOIN "{Position._meta.db_table}" p ON p."id" = m."position_id" '
        f'JOIN "{CompetencyMapItem._meta.db_table}" i ON i."map_id" = m."employee_id" '
        f'WHERE u."is_active" AND {condition}'
    )
    if kind:
        rows += ' AND p."kind" = %s'
        params = [*params, kind]
    return rows, params


def competency_heatmap(*, scope: ReportScope, kind: str | None = None) -> Heatmap:
    """Positions by competencies over the stored maps of the people in `scope` (narrow it with
    ReportScope.narrowed_to for a unit), optionally of one position kind. Positions by name,
    competencies in the dictionary's order; only positions and competencies with people. Two
    queries (the aggregate, then the positions and competencies it names)."""
    source, params = _report_rows(scope, kind)
    sql = (
        'SELECT m."position_id", i."competency_id", count(*), '
        'count(*) FILTER (WHERE i."gap" > 0), coalesce(sum(i."gap"), 0), max(i."required") '
        f'{source} GROUP BY m."position_id", i."competency_id"'
    )
    cells = [HeatCell(*row) for row in fetch(CompetencyMap, sql, params)[1]]
    if not cells:
        return Heatmap(competencies=[], rows=[])
    positions = {p.pk: p for p in Position.objects.filter(pk__in={c.position_id for c in cells})}
    competencies = list(
        Competency.objects.filter(pk__in={c.competency_id for c in cells}).order_by(
            "sort_order", "code"
        )
    )
    by_key = {(c.position_id, c.competency_id): c for c in cells}
    rows = []
    for position in sorted(positions.values(), key=lambda p: (p.name, p.pk)):
        row_cells = [(comp, by_key.get((position.pk, comp.pk))) for comp in competencies]
        people = max((cell.people for _comp, cell in row_cells if cell is not None), default=0)
        rows.append(HeatRow(position=position, people=people, cells=row_cells))
    return Heatmap(competencies=competencies, rows=rows)


@dataclass(frozen=True)
class CellPerson:
    """One person of a heatmap cell, with their map item's figures."""

    id: int
    full_name: str
    nip: str
    unit_name: str
    required: int
    achieved: int
    gap: int
    assessed: bool

    @property
    def nip_display(self) -> str:
        return format_nip(self.nip or "")


@dataclass(frozen=True)
class CellPeople:
    """A heatmap cell's people: how many in all, how many below the standard and the sum of
    their gaps (the cell's figures), and the requested page of them."""

    people: int
    below: int
    gap_sum: int
    rows: list[CellPerson]

    @property
    def cell(self) -> HeatCell:
        required = max((row.required for row in self.rows), default=0)
        return HeatCell(0, 0, self.people, self.below, self.gap_sum, required)


def heatmap_cell_people(
    *,
    scope: ReportScope,
    position_id: int,
    competency_id: int,
    kind: str | None = None,
    below_only: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> CellPeople:
    """The people of one heatmap cell (the same people the cell counts), the largest gap first,
    then by name; with `below_only`, only those under the standard. The rows from `offset`, at
    most `limit`, and the whole cell's figures. One query (two for a page past the end)."""
    where, params = _report_rows(scope, kind)
    where += ' AND m."position_id" = %s AND i."competency_id" = %s'
    params = [*params, position_id, competency_id]
    if below_only:
        where += ' AND i."gap" > 0'
    page = ""
    if limit is not None:
        page = " LIMIT %s OFFSET %s"
        params = [*params, limit, offset]
    sql = (
        'SELECT u."id", u."full_name", coalesce(u."nip", \'\'), n."name", i."required", '
        'i."achieved", i."gap", i."assessed", count(*) OVER (), '
        'count(*) FILTER (WHERE i."gap" > 0) OVER (), sum(i."gap") OVER () '
        f'{where} ORDER BY i."gap" DESC, u."full_name", u."id"{page}'
    )
    _db, rows = fetch(CompetencyMap, sql, params)
    if not rows:
        if offset and limit is not None:  # past the end: the figures without the page
            whole = heatmap_cell_people(
                scope=scope,
                position_id=position_id,
                competency_id=competency_id,
                kind=kind,
                below_only=below_only,
                limit=1,
            )
            return CellPeople(whole.people, whole.below, whole.gap_sum, [])
        return CellPeople(0, 0, 0, [])
    people, below, gap_sum = rows[0][-3:]
    return CellPeople(people, below, int(gap_sum), [CellPerson(*row[:-3]) for row in rows])


def report_cell(*, position_id: int, competency_code: str) -> tuple[Position, Competency] | None:
    """The position and competency a drill-down names, or None when either does not exist. Two
    queries."""
    position = Position.objects.filter(pk=position_id).first()
    competency = Competency.objects.filter(code=competency_code.strip().upper()).first()
    if position is None or competency is None:
        return None
    return position, competency


# --- The target position ---------------------------------------------------------------------


@dataclass(frozen=True)
class TargetItem:
    """One competency of the target position's standard against the employee's latest result
    (the shape of a CompetencyMapItem, which the chart and the ranking read)."""

    competency: Competency
    required: int
    achieved: int
    gap: int
    assessed: bool
    last_assessed_on: dt.date | None

    @property
    def competency_id(self) -> int:
        return self.competency.pk


@dataclass(frozen=True)
class TargetMap:
    """An employee's gaps against their target position: computed when read (competency.gaps),
    never stored. `jpm` is None and `items` empty when the position has no standard yet."""

    position: Position
    jpm: Decimal | None
    category: str
    items: list[TargetItem]

    def get_category_display(self) -> str:
        from competency.models import JpmCategory

        return str(JpmCategory(self.category).label) if self.category else ""


@cache
def _target_sql() -> str:
    """The target position, and per competency of its standard (active competencies only, as
    the stored maps count) the competency and the employee's latest result there (the index
    competency_result_latest, one row each): one row per competency, in the dictionary's order
    (one row with NULL standard for a position without any)."""
    return (
        f'SELECT {columns(Position, "p")}, s."required_level", {columns(Competency, "c")}, '  # noqa: S608 (names from the models)
        'latest."level", latest."assessed_on" '
        f'FROM "{TargetPosition._meta.db_table}" t '
        f'JOIN "{Position._meta.db_table}" p ON p."id" = t."position_id" '
        f'LEFT JOIN ("{PositionStandard._meta.db_table}" s '
        f'  JOIN "{Competency._meta.db_table}" c ON c."id" = s."competency_id" AND c."is_active") '
        '  ON s."position_id" = t."position_id" '
        "LEFT JOIN LATERAL ("
        '  SELECT r."level", r."assessed_on" '
        f'  FROM "{AssessmentResult._meta.db_table}" r '
        '  WHERE r."employee_id" = t."employee_id" AND r."competency_id" = s."competency_id" '
        '  ORDER BY r."assessed_on" DESC, r."id" DESC LIMIT 1'
        ") latest ON TRUE "
        'WHERE t."employee_id" = %s '
        'ORDER BY c."sort_order", c."code"'
    )


def target_for(*, employee: User, cmap: CompetencyMap | None = None) -> TargetMap | None:
    """The employee's gaps against their target position, or None when they chose none. One
    query, written once per process (rumahbelajar.sqlrows); none when `cmap` (the employee's
    map from map_for_employee) says no target is chosen, as for most people. The arithmetic is
    competency.gaps', the same as the stored maps'. Not stored: a target changes no map."""
    if cmap is not None and getattr(cmap, "target_position_id", True) is None:
        return None
    db, rows = fetch(TargetPosition, _target_sql(), [employee.pk])
    if not rows:
        return None
    position, at = take(Position, db, rows[0], 0)
    assert position is not None  # every row is the target's
    required: dict[int, int] = {}
    latest: dict[int, Latest] = {}
    competencies: dict[int, Competency] = {}
    for row in rows:
        level_required = row[at]
        competency, end = take(Competency, db, row, at + 1)
        if competency is None or level_required is None:  # a position without a standard
            continue
        competencies[competency.pk] = competency
        required[competency.pk] = level_required
        level, assessed_on = row[end : end + 2]
        if level is not None:
            latest[competency.pk] = Latest(level=level, assessed_on=assessed_on)
    result = compute_gaps(required=required, latest=latest, bands=settings.COMPETENCY_JPM_BANDS)
    return TargetMap(
        position=position,
        jpm=result.jpm,
        category=result.category,
        items=[
            TargetItem(
                competency=competencies[item.competency_id],
                required=item.required,
                achieved=item.achieved,
                gap=item.gap,
                assessed=item.assessed,
                last_assessed_on=item.last_assessed_on,
            )
            for item in result.items
        ],
    )


def current_target_position(*, employee: User) -> Position | None:
    """The position the employee aims at, or None. One query."""
    return Position.objects.filter(
        pk__in=TargetPosition.objects.filter(employee=employee).values("position_id")
    ).first()


def positions_to_target(
    *, q: str = "", limit: int = 50, keep: Position | None = None
) -> tuple[list[Position], bool]:
    """Positions whose name or code contains `q` (all when empty), by name, at most `limit`,
    and whether there were more; `keep` (the current target) is always listed. One query."""
    positions = Position.objects.order_by("name", "id").only("id", "name", "code")
    if q:
        positions = positions.filter(Q(name__icontains=q) | Q(code__icontains=q))
    found = list(positions[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    if keep is not None and all(position.pk != keep.pk for position in found):
        found.insert(0, keep)
    return found, more
