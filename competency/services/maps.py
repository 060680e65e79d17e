"""The stored competency maps: one employee's recompute, set-based bulk SQL, the sweep."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from competency import cache as report_cache
from competency import gaps
from competency.models import (
    AssessmentResult,
    CompetencyMap,
    CompetencyMapItem,
    PositionStandard,
)
from rumahbelajar.people.models import User
from rumahbelajar.queue import queue_after_commit

logger = logging.getLogger(__name__)

# pg_try_advisory_lock key of the stale-map sweep ("rb-comp" in ASCII): one sweep at a time.
_SWEEP_LOCK_KEY = 0x72622D636F6D70

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


def recompute_map(*, employee_id: int) -> CompetencyMap:
    """Recomputes one employee's map from the database as it is now. Idempotent.

    Side effects: see _recompute_map; then moves the competency report's version on (after the
    commit when called outside a transaction, as the worker does).
    """
    cmap = _recompute_map(employee_id=employee_id)
    report_cache.bump_maps_version_now()  # the competency report reads stored maps
    return cmap


@transaction.atomic
def _recompute_map(*, employee_id: int) -> CompetencyMap:
    """Recomputes one employee's map in one transaction.

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
    # A gap item's fields are a stored map item's.
    CompetencyMapItem.objects.bulk_create(
        CompetencyMapItem(map=cmap, **asdict(item)) for item in result.items
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
        report_cache.bump_maps_version_now()  # after the chunk's commit (outside a transaction)
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
