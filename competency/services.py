"""Every write about competencies: results, standards, and the stored maps."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from competency import gaps
from competency.models import (
    AssessmentMethod,
    AssessmentResult,
    Competency,
    CompetencyMap,
    CompetencyMapItem,
    PositionStandard,
    ResultSource,
)
from rumahbelajar.people.models import Position, User

logger = logging.getLogger(__name__)


class CompetencyError(Exception):
    """A competency rule was broken."""


class InvalidResult(CompetencyError):
    """A result that cannot be recorded; `errors` maps field names to messages."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = dict(errors)


# --- Results ---------------------------------------------------------------------------------


def validate_result(
    *, level: int, assessed_on: dt.date, method: str, today: dt.date | None = None
) -> None:
    """Raises InvalidResult naming every bad field."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
        errors["level"] = _("Level harus bilangan bulat 1 sampai 5.")
    if assessed_on > today:
        errors["assessed_on"] = _("Tanggal asesmen tidak boleh di masa depan.")
    if method not in AssessmentMethod.values:
        errors["method"] = _("Metode tidak dikenal.")
    if errors:
        raise InvalidResult(errors)


@transaction.atomic
def record_result(
    *,
    employee: User,
    competency: Competency,
    level: int,
    assessed_on: dt.date,
    source: str,
    method: str = AssessmentMethod.UJI_KOMPETENSI,
    external_id: str | None = None,
    recorded_by: User | None = None,
) -> tuple[AssessmentResult, bool]:
    """Saves one result; returns (result, created). A repeated external_id returns the stored row.

    Side effects: marks the employee's map stale in the same transaction and fires
    recompute_map_task after commit (a broker that is down only leaves the map stale).
    """
    validate_result(level=level, assessed_on=assessed_on, method=method)
    if not competency.is_active:
        raise InvalidResult({"competency": _("Kompetensi tidak aktif.")})
    external_id = external_id or None
    if external_id is not None:
        existing = AssessmentResult.objects.filter(external_id=external_id).first()
        if existing is not None:
            return existing, False
    try:
        # A savepoint, so a concurrent insert of the same external_id leaves this transaction usable.
        with transaction.atomic():
            result = AssessmentResult.objects.create(
                employee=employee,
                competency=competency,
                level=level,
                assessed_on=assessed_on,
                method=method,
                source=source,
                external_id=external_id,
                recorded_by=recorded_by,
            )
    except IntegrityError:
        if external_id is None:
            raise
        return AssessmentResult.objects.get(external_id=external_id), False
    mark_maps_stale(employee_ids=[employee.pk])
    fire_recompute_on_commit(employee_id=employee.pk)
    return result, True


# --- Standards -------------------------------------------------------------------------------

# The usual managerial and socio-cultural level by position level (domain README; editable data).
DEFAULT_LEVEL_BY_POSITION_LEVEL: dict[str, int] = {
    "jpt_utama": 5,
    "jpt_madya": 5,
    "jpt_pratama": 4,
    "administrator": 3,
    "pengawas": 2,
    "pelaksana": 1,
    "ahli_utama": 4,
    "ahli_madya": 3,
    "ahli_muda": 2,
    "ahli_pertama": 1,
    "penyelia": 2,
    "mahir": 2,
    "terampil": 1,
    "pemula": 1,
}


@transaction.atomic
def set_position_standard(*, position: Position, levels: Mapping[Competency, int]) -> None:
    """Sets required levels for `position` (other competencies are left as they are).

    Side effects: marks the maps of everyone holding the position stale and recomputes them in
    bulk after commit.
    """
    for competency, level in levels.items():
        if not 1 <= level <= 5:
            raise ValidationError({"required_level": _("Level harus 1 sampai 5.")})
        PositionStandard.objects.update_or_create(
            position=position, competency=competency, defaults={"required_level": level}
        )
    standards_changed(position_ids=[position.pk])


@transaction.atomic
def remove_position_standard(*, position: Position, competencies: Iterable[Competency]) -> None:
    """Side effects: as set_position_standard."""
    PositionStandard.objects.filter(position=position, competency__in=list(competencies)).delete()
    standards_changed(position_ids=[position.pk])


@transaction.atomic
def apply_default_standard(*, positions: Sequence[Position]) -> int:
    """Gives each position the usual level for its kind on all nine managerial and socio-cultural
    competencies (technical ones are set by hand). Returns how many standards were written.

    Side effects: as set_position_standard.
    """
    fixed = list(
        Competency.objects.filter(type__in=["manajerial", "sosial_kultural"], is_active=True)
    )
    written = 0
    for position in positions:
        level = DEFAULT_LEVEL_BY_POSITION_LEVEL[position.level]
        for competency in fixed:
            PositionStandard.objects.update_or_create(
                position=position, competency=competency, defaults={"required_level": level}
            )
            written += 1
    standards_changed(position_ids=[p.pk for p in positions])
    return written


def standards_changed(*, position_ids: Sequence[int]) -> None:
    """Marks the maps of the positions' holders stale (set-based) and fires a bulk recompute per
    position after commit. Unsafe outside a transaction only in that the task may run first."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO competency_competencymap
                (employee_id, required_total, achieved_total, stale, stale_since, category)
            SELECT u.id, 0, 0, TRUE, now(), '' FROM people_user u WHERE u.position_id = ANY(%s)
            ON CONFLICT (employee_id) DO UPDATE
                SET stale = TRUE,
                    stale_since = COALESCE(competency_competencymap.stale_since, EXCLUDED.stale_since)
            """,
            [list(position_ids)],
        )
    from competency import tasks

    for position_id in position_ids:
        transaction.on_commit(
            lambda pid=position_id: tasks.recompute_position_maps_task.delay(position_id=pid),
            robust=True,
        )


# --- Maps ------------------------------------------------------------------------------------


def mark_maps_stale(*, employee_ids: Sequence[int]) -> None:
    """Marks maps stale (creating them if missing), keeping the earliest stale_since."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO competency_competencymap
                (employee_id, required_total, achieved_total, stale, stale_since, category)
            SELECT id, 0, 0, TRUE, now(), '' FROM unnest(%s::bigint[]) AS id
            ON CONFLICT (employee_id) DO UPDATE
                SET stale = TRUE,
                    stale_since = COALESCE(competency_competencymap.stale_since, EXCLUDED.stale_since)
            """,
            [list(employee_ids)],
        )


def fire_recompute_on_commit(*, employee_id: int) -> None:
    """Queues recompute_map_task once the transaction commits; if the broker is unreachable the
    error is logged and the stale mark stays for the sweep (robust=True: never fails the request)."""
    from competency import tasks

    transaction.on_commit(
        lambda: tasks.recompute_map_task.delay(employee_id=employee_id), robust=True
    )


@transaction.atomic
def recompute_map(*, employee_id: int) -> CompetencyMap:
    """Recomputes one employee's map from the database as it is now. Idempotent.

    Side effects: locks the employee's map row, so concurrent recomputations run one after the
    other and the last one to run (which sees every committed result) writes last.
    """
    employee = User.objects.only("id", "position_id").get(pk=employee_id)
    CompetencyMap.objects.get_or_create(employee_id=employee_id, defaults={"stale": True})
    cmap = CompetencyMap.objects.select_for_update().get(employee_id=employee_id)
    required = dict(
        PositionStandard.objects.filter(
            position_id=employee.position_id, competency__is_active=True
        )
        .order_by()
        .values_list("competency_id", "required_level")
    )
    latest: dict[int, gaps.Latest] = {}
    rows = (
        AssessmentResult.objects.filter(employee_id=employee_id, competency_id__in=list(required))
        .order_by("competency_id", "-assessed_on", "-id")
        .distinct("competency_id")
        .values_list("competency_id", "level", "assessed_on")
    )
    for competency_id, level, assessed_on in rows:
        latest[competency_id] = gaps.Latest(level=level, assessed_on=assessed_on)
    result = gaps.compute_gaps(
        required=required, latest=latest, bands=settings.COMPETENCY_JPM_BANDS
    )

    CompetencyMapItem.objects.filter(map=cmap).delete()
    CompetencyMapItem.objects.bulk_create(
        CompetencyMapItem(
            map=cmap,
            competency_id=item.competency_id,
            required=item.required,
            achieved=item.achieved,
            gap=item.gap,
            assessed=item.assessed,
            last_assessed_on=item.last_assessed_on,
        )
        for item in result.items
    )
    cmap.position_id = employee.position_id
    cmap.required_total = result.required_total
    cmap.achieved_total = result.achieved_total
    cmap.jpm = result.jpm
    cmap.category = result.category
    cmap.computed_at = timezone.now()
    cmap.stale = False
    cmap.stale_since = None
    cmap.save()
    return cmap


_BULK_SQL = [
    # 1. every employee in the chunk has a map row
    """
    INSERT INTO competency_competencymap
        (employee_id, required_total, achieved_total, stale, stale_since, category)
    SELECT id, 0, 0, TRUE, now(), '' FROM unnest(%(ids)s::bigint[]) AS id
    ON CONFLICT (employee_id) DO NOTHING
    """,
    # 2. lock them in a fixed order (no deadlock with per-employee tasks, which lock one row)
    """
    SELECT employee_id FROM competency_competencymap
    WHERE employee_id = ANY(%(ids)s) ORDER BY employee_id FOR UPDATE
    """,
    """DELETE FROM competency_competencymapitem WHERE map_id = ANY(%(ids)s)""",
    # 3. one item per required competency, with the latest result (by date, then arrival)
    """
    INSERT INTO competency_competencymapitem
        (map_id, competency_id, required, achieved, gap, assessed, last_assessed_on)
    SELECT u.id, s.competency_id, s.required_level,
           COALESCE(r.level, 0),
           GREATEST(s.required_level - COALESCE(r.level, 0), 0),
           r.level IS NOT NULL,
           r.assessed_on
    FROM people_user u
    JOIN competency_positionstandard s ON s.position_id = u.position_id
    JOIN competency_competency c ON c.id = s.competency_id AND c.is_active
    LEFT JOIN LATERAL (
        SELECT ar.level, ar.assessed_on FROM competency_assessmentresult ar
        WHERE ar.employee_id = u.id AND ar.competency_id = s.competency_id
        ORDER BY ar.assessed_on DESC, ar.id DESC
        LIMIT 1
    ) r ON TRUE
    WHERE u.id = ANY(%(ids)s)
    """,
    # 4. totals, JPM and band
    """
    UPDATE competency_competencymap m
    SET position_id = u.position_id,
        required_total = COALESCE(t.req, 0),
        achieved_total = COALESCE(t.ach, 0),
        jpm = CASE WHEN t.req > 0 THEN round(t.ach * 100.0 / t.req, 2) END,
        category = CASE
            WHEN t.req IS NULL OR t.req = 0 THEN ''
            WHEN round(t.ach * 100.0 / t.req, 2) >= %(optimal)s THEN 'optimal'
            WHEN round(t.ach * 100.0 / t.req, 2) >= %(cukup)s THEN 'cukup_optimal'
            ELSE 'kurang_optimal'
        END,
        computed_at = now(),
        stale = FALSE,
        stale_since = NULL
    FROM people_user u
    LEFT JOIN (
        SELECT map_id, SUM(required) AS req, SUM(LEAST(achieved, required)) AS ach
        FROM competency_competencymapitem WHERE map_id = ANY(%(ids)s) GROUP BY map_id
    ) t ON t.map_id = u.id
    WHERE m.employee_id = u.id AND u.id = ANY(%(ids)s)
    """,
]


def recompute_maps_bulk(*, employee_ids: Sequence[int]) -> int:
    """Recomputes many maps with set-based SQL, one transaction per chunk of employees.

    Gives the same maps as recompute_map for each employee. Returns how many were recomputed.
    Side effects: locks each chunk's map rows while it runs.
    """
    ids = sorted(set(employee_ids))
    chunk = settings.COMPETENCY_BULK_CHUNK
    bands = settings.COMPETENCY_JPM_BANDS
    for start in range(0, len(ids), chunk):
        params = {
            "ids": ids[start : start + chunk],
            "optimal": bands["optimal"],
            "cukup": bands["cukup_optimal"],
        }
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in _BULK_SQL:
                cursor.execute(statement, params)
    return len(ids)


def _ids(sql: str, params: Sequence[object] = ()) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def recompute_all_maps() -> int:
    """Every employee who holds a position or already has a map."""
    return recompute_maps_bulk(
        employee_ids=_ids(
            "SELECT id FROM people_user WHERE position_id IS NOT NULL "
            "UNION SELECT employee_id FROM competency_competencymap"
        )
    )


def recompute_position_maps(*, position_id: int) -> int:
    return recompute_maps_bulk(
        employee_ids=_ids("SELECT id FROM people_user WHERE position_id = %s", [position_id])
    )


def recompute_stale_maps() -> int:
    """The sweep: maps marked stale, maps whose employee changed position since they were
    computed, and employees with a position but no map yet (new or imported people)."""
    return recompute_maps_bulk(
        employee_ids=_ids(
            """
            SELECT m.employee_id FROM competency_competencymap m WHERE m.stale
            UNION
            SELECT u.id FROM people_user u
            LEFT JOIN competency_competencymap m ON m.employee_id = u.id
            WHERE u.position_id IS NOT NULL
              AND (m.employee_id IS NULL OR m.position_id IS DISTINCT FROM u.position_id)
            """
        )
    )


# Results of every source use the same entry point; the import adds many in one transaction.
RESULT_SOURCES = ResultSource
