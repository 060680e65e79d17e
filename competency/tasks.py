"""Thin Celery tasks: take ids, call one service. Idempotent (they recompute from the database as it
is) and acks_late, so a task lost with its worker runs again (at most max_retries times: a task
that kills its worker each time then fails instead of looping); a database that is briefly away
(OperationalError, InterfaceError: connection lost, deadlock, serialization failure) is retried
with backoff, and whatever still fails is caught by the stale-map sweep, since the stale mark
lives in PostgreSQL.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from competency import services
from rumahbelajar.people.models import User

logger = logging.getLogger(__name__)

_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 1,  # 1 s, 2 s, 4 s, … with full jitter
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 6,
    "acks_late": True,
    # A worker lost under the task: sent again after this long, at most max_retries times in all
    # (settings.CELERY_TASK_RETRY_ON_WORKER_LOST); the stale-map sweep catches what is left.
    "default_retry_delay": 30,
}


@shared_task(name="competency.recompute_map", **_RETRY)
def recompute_map_task(*, employee_id: int) -> None:
    """Recomputes one employee's map (fired after a result is saved)."""
    try:
        services.recompute_map(employee_id=employee_id)
    except User.DoesNotExist:
        # Deleted since the result was saved: the map went with them (CASCADE).
        logger.info("recompute_map_task: employee %s no longer exists", employee_id)


@shared_task(name="competency.recompute_position_maps", **_RETRY)
def recompute_position_maps_task(*, position_id: int) -> None:
    """Recomputes, set-based, the maps of everyone holding the position (after a standard change)."""
    services.recompute_position_maps(position_id=position_id)


@shared_task(name="competency.sweep_stale_maps", acks_late=True, max_retries=0)
def sweep_stale_maps() -> None:
    """The beat's minute sweep (settings.CELERY_BEAT_SCHEDULE). Skips when another sweep runs;
    never retried, also when its worker dies: the next minute's run is the retry."""
    count = services.recompute_stale_maps(wait=False)
    if count:
        logger.info("sweep_stale_maps: recomputed %s maps", count)


@shared_task(name="competency.recompute_result_import_maps", **_RETRY)
def recompute_result_import_maps_task(*, job_id: int) -> None:
    """ONE bulk recompute for an applied import; what it misses the stale-map sweep catches."""
    from competency import imports

    imports.recompute_result_import_maps(job_id=job_id)
