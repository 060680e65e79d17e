"""Every write about competencies: the dictionary, standards, results, and the stored maps."""

from __future__ import annotations

import csv
import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

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
    CompetencyLevel,
    CompetencyMap,
    CompetencyMapItem,
    CompetencyType,
    PositionStandard,
    ResultSource,
)
from rumahbelajar.people.models import Position, User
from rumahbelajar.queue import queue_after_commit

logger = logging.getLogger(__name__)

LEVELS = range(1, 6)
EXTERNAL_ID_MAX_LENGTH = AssessmentResult._meta.get_field("external_id").max_length or 100
# pg_try_advisory_lock key of the stale-map sweep ("rb-comp" in ASCII): one sweep at a time.
_SWEEP_LOCK_KEY = 0x72622D636F6D70


class CompetencyError(Exception):
    """A competency rule was broken."""


class InvalidResult(CompetencyError):
    """A result that cannot be recorded; `errors` maps field names to messages."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = dict(errors)


class FixedCompetency(CompetencyError):
    """The regulation's nine competencies (M1…M8, SK1) are not changed in the portal."""


# --- Dictionary ------------------------------------------------------------------------------


DICTIONARY_DIR = Path(__file__).resolve().parent / "data"


def regulation_dictionary() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The nine fixed competencies and their 45 levels as competency/data/*.csv give them
    (Permenpan RB 38/2017, verbatim; codes M.1 become M1). Reads files; no database."""
    with (DICTIONARY_DIR / "competencies.csv").open(encoding="utf-8") as f:
        competencies = [
            {
                "code": row["code"].replace(".", ""),
                "type": row["type"],
                "name": row["name"],
                "definition": row["definition"],
                "sort_order": order,
            }
            for order, row in enumerate(csv.DictReader(f), start=1)
        ]
    with (DICTIONARY_DIR / "competency_levels.csv").open(encoding="utf-8") as f:
        levels = [
            {
                "code": row["code"].replace(".", ""),
                "level": int(row["level"]),
                "description": row["description"],
                "indicators": [p.strip() for p in row["indicators"].split(" | ") if p.strip()],
            }
            for row in csv.DictReader(f)
        ]
    return competencies, levels


@transaction.atomic
def load_regulation_dictionary() -> int:
    """Creates or restores the regulation's nine competencies and their levels exactly as the data
    migration loads them (for the demo data, and for databases a test flushed). Returns how many
    rows it wrote; 0 when everything was already as the regulation says.

    Side effects: none on maps (the texts are read live; the codes and types never change).
    """
    competencies, levels = regulation_dictionary()
    stored = {
        c.code: c for c in Competency.objects.filter(code__in=[c["code"] for c in competencies])
    }
    written = 0
    for wanted in competencies:
        current = stored.get(wanted["code"])
        if current is None or any(getattr(current, k) != v for k, v in wanted.items()):
            stored[wanted["code"]], _ = Competency.objects.update_or_create(
                code=wanted["code"], defaults={**wanted, "is_active": True}
            )
            written += 1
    existing = {
        (level.competency_id, level.level): level
        for level in CompetencyLevel.objects.filter(competency__in=list(stored.values()))
    }
    for wanted in levels:
        competency = stored[wanted["code"]]
        level = existing.get((competency.pk, wanted["level"]))
        if level is None or (level.description, level.indicators) != (
            wanted["description"],
            wanted["indicators"],
        ):
            CompetencyLevel.objects.update_or_create(
                competency=competency,
                level=wanted["level"],
                defaults={"description": wanted["description"], "indicators": wanted["indicators"]},
            )
            written += 1
    return written


@transaction.atomic
def save_technical_competency(*, competency: Competency) -> Competency:
    """Creates or updates a technical competency (type teknis, code T…) from the instance's fields.

    Side effects: locks the stored row; when `is_active` changes, marks the maps of everyone whose
    position's standard names it stale and recomputes them in bulk after commit.
    Raises FixedCompetency for the nine fixed ones and ValidationError for bad fields.
    """
    before = None
    if competency.pk is not None:
        before = Competency.objects.select_for_update().filter(pk=competency.pk).first()
    if (before is not None and before.is_fixed) or competency.type != CompetencyType.TEKNIS:
        raise FixedCompetency(_("Kompetensi manajerial dan sosial kultural tidak dapat diubah."))
    if not competency.code.startswith("T"):
        raise ValidationError({"code": _("Kode kompetensi teknis diawali huruf T.")})
    competency.full_clean()
    competency.save()
    if before is not None and before.is_active != competency.is_active:
        standards_changed(
            position_ids=list(
                PositionStandard.objects.filter(competency=competency)
                .order_by()
                .values_list("position_id", flat=True)
            )
        )
    return competency


@transaction.atomic
def set_competency_levels(
    *, competency: Competency, levels: Mapping[int, tuple[str, Sequence[str]]]
) -> None:
    """Writes what levels 1-5 of a technical competency mean: level → (description, indicators).

    Side effects: none on maps (level texts are read live). Raises FixedCompetency for the nine
    fixed ones, ValidationError unless exactly levels 1-5 each have a description and an indicator.
    """
    if competency.is_fixed:
        raise FixedCompetency(_("Kompetensi manajerial dan sosial kultural tidak dapat diubah."))
    if sorted(levels) != list(LEVELS):
        raise ValidationError(_("Kompetensi memerlukan tepat lima level: 1 sampai 5."))
    for level, (description, indicators) in levels.items():
        cleaned = [text.strip() for text in indicators if text.strip()]
        if not description.strip() or not cleaned:
            raise ValidationError(
                _("Level %(level)s memerlukan deskripsi dan minimal satu indikator.")
                % {"level": level}
            )
        CompetencyLevel.objects.update_or_create(
            competency=competency,
            level=level,
            defaults={"description": description.strip(), "indicators": cleaned},
        )


# --- Results ---------------------------------------------------------------------------------


def validate_result(
    *,
    level: object,
    assessed_on: object,
    method: object,
    today: dt.date | None = None,
    source: object = ResultSource.ADMIN,
    external_id: object = None,
) -> None:
    """Raises InvalidResult naming every bad field. Side effects: none."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
        errors["level"] = _("Level harus bilangan bulat 1 sampai 5.")
    if not isinstance(assessed_on, dt.date) or isinstance(assessed_on, dt.datetime):
        errors["assessed_on"] = _("Tanggal asesmen harus berupa tanggal.")
    elif assessed_on > today:
        errors["assessed_on"] = _("Tanggal asesmen tidak boleh di masa depan.")
    if method not in AssessmentMethod.values:
        errors["method"] = _("Metode tidak dikenal.")
    if source not in ResultSource.values:
        errors["source"] = _("Sumber tidak dikenal.")
    if external_id is not None and (
        not isinstance(external_id, str) or len(external_id) > EXTERNAL_ID_MAX_LENGTH
    ):
        errors["external_id"] = _("ID eksternal berupa teks paling panjang %(max)s karakter.") % {
            "max": EXTERNAL_ID_MAX_LENGTH
        }
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
    """Saves one result; returns (result, created). A repeated external_id returns the stored row
    and changes nothing.

    Side effects: marks the employee's map stale in the same transaction (which waits for a
    recomputation of that map in progress) and fires recompute_map_task after commit; a broker
    that is down only leaves the map stale for the sweep.
    """
    external_id = external_id or None
    validate_result(
        level=level, assessed_on=assessed_on, method=method, source=source, external_id=external_id
    )
    if not competency.is_active:
        raise InvalidResult({"competency": _("Kompetensi tidak aktif.")})
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
        # Only a concurrent insert of the same external_id is a repeat; any other integrity
        # failure (the employee deleted meanwhile, say) is re-raised as it is.
        stored = (
            AssessmentResult.objects.filter(external_id=external_id).first()
            if external_id is not None
            else None
        )
        if stored is None:
            raise
        return stored, False
    mark_maps_stale(employee_ids=[employee.pk])
    from competency import tasks

    queue_after_commit(tasks.recompute_map_task, employee_id=employee.pk)
    return result, True


# --- Standards -------------------------------------------------------------------------------

# The usual managerial and socio-cultural level by position level (docs/domain.md; editable data).
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
    for level in levels.values():
        if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
            raise ValidationError({"required_level": _("Level harus 1 sampai 5.")})
    PositionStandard.objects.bulk_create(
        [
            PositionStandard(position=position, competency=competency, required_level=level)
            for competency, level in levels.items()
        ],
        update_conflicts=True,
        unique_fields=["position", "competency"],
        update_fields=["required_level"],
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
        Competency.objects.filter(
            type__in=[CompetencyType.MANAJERIAL, CompetencyType.SOSIAL_KULTURAL], is_active=True
        )
    )
    rows = [
        PositionStandard(
            position=position,
            competency=competency,
            required_level=DEFAULT_LEVEL_BY_POSITION_LEVEL[position.level],
        )
        for position in positions
        for competency in fixed
    ]
    PositionStandard.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["position", "competency"],
        update_fields=["required_level"],
    )
    standards_changed(position_ids=[p.pk for p in positions])
    return len(rows)


def standards_changed(*, position_ids: Sequence[int]) -> None:
    """Marks the maps of the positions' holders stale (set-based) and fires a bulk recompute per
    position after commit. Call it inside the transaction that changed the standards."""
    position_ids = sorted(set(position_ids))
    if not position_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            # ORDER BY: rows are locked in employee order, like every other bulk path (no deadlock).
            """
            INSERT INTO competency_competencymap
                (employee_id, required_total, achieved_total, stale, stale_since, category)
            SELECT u.id, 0, 0, TRUE, now(), '' FROM people_user u
            WHERE u.position_id = ANY(%s) ORDER BY u.id
            ON CONFLICT (employee_id) DO UPDATE
                SET stale = TRUE,
                    stale_since = COALESCE(competency_competencymap.stale_since, EXCLUDED.stale_since)
            """,
            [position_ids],
        )
    from competency import tasks

    for position_id in position_ids:
        queue_after_commit(tasks.recompute_position_maps_task, position_id=position_id)


# --- Maps ------------------------------------------------------------------------------------


def mark_maps_stale(*, employee_ids: Sequence[int]) -> None:
    """Marks maps stale (creating them if missing), keeping the earliest stale_since.

    Side effects: locks the map rows (in employee order) until the surrounding transaction ends.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO competency_competencymap
                (employee_id, required_total, achieved_total, stale, stale_since, category)
            SELECT u.id, 0, 0, TRUE, now(), '' FROM people_user u
            WHERE u.id = ANY(%s::bigint[]) ORDER BY u.id
            ON CONFLICT (employee_id) DO UPDATE
                SET stale = TRUE,
                    stale_since = COALESCE(competency_competencymap.stale_since, EXCLUDED.stale_since)
            """,
            [sorted(set(employee_ids))],
        )


_ENSURE_MAPS_SQL = """
    INSERT INTO competency_competencymap
        (employee_id, required_total, achieved_total, stale, stale_since, category)
    SELECT u.id, 0, 0, TRUE, now(), '' FROM people_user u WHERE u.id = ANY(%(ids)s::bigint[])
    ON CONFLICT (employee_id) DO NOTHING
"""


@transaction.atomic
def recompute_map(*, employee_id: int) -> CompetencyMap:
    """Recomputes one employee's map from the database as it is now. Idempotent.

    Side effects: locks the employee's map row BEFORE reading anything else, so concurrent
    recomputations run one after the other and the last one (which sees every result, standard
    and position committed before it got the lock) writes last: an older run never overwrites a
    newer map. Raises User.DoesNotExist for an unknown employee.
    """
    with connection.cursor() as cursor:
        cursor.execute(_ENSURE_MAPS_SQL, {"ids": [employee_id]})
    cmap = CompetencyMap.objects.select_for_update().filter(employee_id=employee_id).first()
    if cmap is None:
        raise User.DoesNotExist(f"No employee with id {employee_id}")
    # Read after the lock: READ COMMITTED gives every statement from here a fresh snapshot.
    position_id = User.objects.filter(pk=employee_id).values_list("position_id", flat=True).get()
    required = dict(
        PositionStandard.objects.filter(position_id=position_id, competency__is_active=True)
        .order_by()
        .values_list("competency_id", "required_level")
        if position_id is not None
        else []
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
    cmap.position_id = position_id
    cmap.required_total = result.required_total
    cmap.achieved_total = result.achieved_total
    cmap.jpm = result.jpm
    cmap.category = result.category
    cmap.computed_at = timezone.now()
    cmap.stale = False
    cmap.stale_since = None
    cmap.save()
    return cmap


# One transaction per chunk. The lock is its own statement, taken before anything is read: under
# READ COMMITTED each later statement sees everything committed while it waited for the lock.
_BULK_SQL = [
    # Sorts and hashes of a chunk fit in memory; JIT compiling costs more than it saves here; the
    # chunk's rows are found through indexes on cached or solid-state storage, so random reads are
    # priced as such (with the default 4.0 the planner scans whole tables for 5 % of their rows).
    "SET LOCAL work_mem = '32MB'",
    "SET LOCAL jit = off",
    "SET LOCAL random_page_cost = 1.1",
    # 1. every (still existing) employee of the chunk has a map row
    _ENSURE_MAPS_SQL,
    # 2. lock them in a fixed order (no deadlock with per-employee tasks, which lock one row)
    """
    SELECT employee_id FROM competency_competencymap
    WHERE employee_id = ANY(%(ids)s::bigint[]) ORDER BY employee_id FOR UPDATE
    """,
    # 3. `fresh`: one item per active required competency with the latest result (by date, then
    #    arrival); `diff` against the stored items, so only changed rows are written; then the
    #    totals, JPM (rounded half up to 2 places, as gaps.compute_gaps) and band of each map.
    """
    WITH fresh AS (
        SELECT u.id AS map_id, s.competency_id, s.required_level AS required,
               COALESCE(r.level, 0) AS achieved,
               GREATEST(s.required_level - COALESCE(r.level, 0), 0) AS gap,
               r.level IS NOT NULL AS assessed,
               r.assessed_on AS last_assessed_on
        FROM people_user u
        JOIN competency_positionstandard s ON s.position_id = u.position_id
        JOIN competency_competency c ON c.id = s.competency_id AND c.is_active
        LEFT JOIN (
            SELECT DISTINCT ON (ar.employee_id, ar.competency_id)
                   ar.employee_id, ar.competency_id, ar.level, ar.assessed_on
            FROM competency_assessmentresult ar
            WHERE ar.employee_id = ANY(%(ids)s::bigint[])
            ORDER BY ar.employee_id, ar.competency_id, ar.assessed_on DESC, ar.id DESC
        ) r ON r.employee_id = u.id AND r.competency_id = s.competency_id
        WHERE u.id = ANY(%(ids)s::bigint[])
    ),
    stored AS (
        SELECT id, map_id, competency_id, required, achieved, gap, assessed, last_assessed_on
        FROM competency_competencymapitem WHERE map_id = ANY(%(ids)s::bigint[])
    ),
    diff AS (
        SELECT st.id AS item_id, f.map_id, f.competency_id, f.required, f.achieved, f.gap,
               f.assessed, f.last_assessed_on
        FROM fresh f
        FULL JOIN stored st ON st.map_id = f.map_id AND st.competency_id = f.competency_id
        WHERE st.id IS NULL OR f.map_id IS NULL
           OR (st.required, st.achieved, st.gap, st.assessed, st.last_assessed_on)
              IS DISTINCT FROM (f.required, f.achieved, f.gap, f.assessed, f.last_assessed_on)
    ),
    inserted AS (
        INSERT INTO competency_competencymapitem
            (map_id, competency_id, required, achieved, gap, assessed, last_assessed_on)
        SELECT map_id, competency_id, required, achieved, gap, assessed, last_assessed_on
        FROM diff WHERE item_id IS NULL
        RETURNING 1
    ),
    updated AS (
        UPDATE competency_competencymapitem i
        SET required = d.required, achieved = d.achieved, gap = d.gap, assessed = d.assessed,
            last_assessed_on = d.last_assessed_on
        FROM diff d
        WHERE i.id = d.item_id AND d.map_id IS NOT NULL AND i.map_id = ANY(%(ids)s::bigint[])
        RETURNING 1
    ),
    removed AS (
        DELETE FROM competency_competencymapitem i USING diff d
        WHERE i.id = d.item_id AND d.map_id IS NULL AND i.map_id = ANY(%(ids)s::bigint[])
        RETURNING 1
    ),
    totals AS (
        SELECT map_id, SUM(required) AS req, SUM(LEAST(achieved, required)) AS ach,
               CASE WHEN SUM(required) > 0
                    THEN round(SUM(LEAST(achieved, required)) * 100.0 / SUM(required), 2)
               END AS jpm
        FROM fresh GROUP BY map_id
    )
    UPDATE competency_competencymap m
    SET position_id = u.position_id,
        required_total = COALESCE(t.req, 0),
        achieved_total = COALESCE(t.ach, 0),
        jpm = t.jpm,
        category = CASE
            WHEN t.jpm IS NULL THEN ''
            WHEN t.jpm >= %(optimal)s THEN 'optimal'
            WHEN t.jpm >= %(cukup)s THEN 'cukup_optimal'
            ELSE 'kurang_optimal'
        END,
        computed_at = statement_timestamp(),
        stale = FALSE,
        stale_since = NULL
    FROM people_user u
    LEFT JOIN totals t ON t.map_id = u.id
    WHERE m.employee_id = u.id AND u.id = ANY(%(ids)s::bigint[])
    """,
    "SET LOCAL work_mem TO DEFAULT",
    "SET LOCAL jit TO DEFAULT",
    "SET LOCAL random_page_cost TO DEFAULT",
]


def recompute_maps_bulk(*, employee_ids: Sequence[int]) -> int:
    """Recomputes many maps with set-based SQL, one transaction per chunk of employees
    (settings.COMPETENCY_BULK_CHUNK). Gives the same maps as recompute_map for each employee.
    Returns how many employees were asked for (unknown ids are skipped).

    Side effects: locks each chunk's map rows (in employee order) while it runs; commits per chunk
    when called outside a transaction; the employees' stored pages go stale.
    """
    ids = sorted(set(employee_ids))
    chunk = settings.COMPETENCY_BULK_CHUNK
    bands = settings.COMPETENCY_JPM_BANDS
    for start in range(0, len(ids), chunk):
        params: dict[str, Any] = {
            "ids": ids[start : start + chunk],
            "optimal": Decimal(str(bands["optimal"])),
            "cukup": Decimal(str(bands["cukup_optimal"])),
        }
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in _BULK_SQL:
                cursor.execute(statement, params)
    return len(ids)


def _id_chunks(sql: str, params: Sequence[int] = ()) -> Iterator[list[int]]:
    """Keyset pagination over `sql`, which selects one id column `id` and has a `{after}` slot
    for `id > %s` and ends ORDER BY id LIMIT %s: memory stays flat at any number of employees."""
    last = 0
    chunk = settings.COMPETENCY_BULK_CHUNK
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, last, chunk])
            ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return
        yield ids
        last = ids[-1]


_ALL_MAPS_SQL = """
    SELECT u.id FROM people_user u
    WHERE (u.position_id IS NOT NULL
           OR EXISTS (SELECT 1 FROM competency_competencymap m WHERE m.employee_id = u.id))
      AND u.id > %s
    ORDER BY u.id LIMIT %s
"""

# Maps marked stale; maps computed for another position than the employee's current one (the
# people app changes positions without knowing about maps); people with a position but no map.
_DUE_MAPS_SQL = """
    SELECT u.id FROM people_user u
    LEFT JOIN competency_competencymap m ON m.employee_id = u.id
    WHERE (m.stale
           OR (m.employee_id IS NULL AND u.position_id IS NOT NULL)
           OR (m.employee_id IS NOT NULL AND m.position_id IS DISTINCT FROM u.position_id))
      AND u.id > %s
    ORDER BY u.id LIMIT %s
"""


def recompute_all_maps() -> int:
    """Every employee who holds a position or already has a map, chunk by chunk.

    Side effects: as recompute_maps_bulk. Returns how many maps were recomputed.
    """
    return sum(recompute_maps_bulk(employee_ids=ids) for ids in _id_chunks(_ALL_MAPS_SQL))


def recompute_position_maps(*, position_id: int) -> int:
    """Everyone who holds the position. Side effects: as recompute_maps_bulk."""
    return sum(
        recompute_maps_bulk(employee_ids=ids)
        for ids in _id_chunks(
            "SELECT id FROM people_user WHERE position_id = %s AND id > %s ORDER BY id LIMIT %s",
            [position_id],
        )
    )


def recompute_stale_maps(*, wait: bool = True) -> int | None:
    """The sweep: recomputes maps marked stale, maps computed for a position the employee no
    longer holds, and maps missing for people with a position (new or imported people).

    Side effects: holds a PostgreSQL advisory lock for the whole run so that sweeps never overlap;
    with wait=False returns None at once when another sweep holds it. Returns how many maps were
    recomputed.
    """
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_lock(%s)", [_SWEEP_LOCK_KEY])
        else:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_SWEEP_LOCK_KEY])
            if not cursor.fetchone()[0]:
                logger.info("Stale-map sweep skipped: another sweep is running")
                return None
    try:
        return sum(recompute_maps_bulk(employee_ids=ids) for ids in _id_chunks(_DUE_MAPS_SQL))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_SWEEP_LOCK_KEY])


# Results of every source use the same entry point; the import adds many in one transaction.
RESULT_SOURCES = ResultSource
