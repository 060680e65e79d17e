"""Progress of a long job (an import), kept in the cache.

A job's apply step runs in one long transaction whose writes to the job row nobody else sees
until it commits, so the progress bar reads from the cache instead. Progress is a nicety: a cache
outage is logged and never fails the job.
"""

from __future__ import annotations

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)

PROGRESS_TIMEOUT = 24 * 60 * 60


class JobProgress:
    """Progress of the jobs of one kind, under cache keys "<name>:<job id>:progress"."""

    def __init__(self, name: str) -> None:
        self.name = name

    def _key(self, job_id: int) -> str:
        return f"{self.name}:{job_id}:progress"

    def set(self, job_id: int, *, done: int, total: int) -> None:
        try:
            cache.set(self._key(job_id), {"done": done, "total": total}, PROGRESS_TIMEOUT)
        except Exception:
            logger.warning(
                "Could not store %s progress for job %s", self.name, job_id, exc_info=True
            )

    def get(self, job_id: int) -> dict[str, int]:
        try:
            value = cache.get(self._key(job_id))
        except Exception:
            logger.warning(
                "Could not read %s progress for job %s", self.name, job_id, exc_info=True
            )
            value = None
        return value or {"done": 0, "total": 0}
