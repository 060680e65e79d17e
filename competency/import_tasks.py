"""Background work of the assessment-result import (competency.imports): thin, idempotent tasks."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from competency import imports


@shared_task(name="competency.validate_result_import", acks_late=True)
def validate_result_import_task(*, job_id: int) -> None:
    imports.validate_result_import(job_id=job_id)


@shared_task(name="competency.apply_result_import", acks_late=True)
def apply_result_import_task(*, job_id: int) -> None:
    imports.apply_result_import(job_id=job_id)


@shared_task(
    name="competency.recompute_result_import_maps",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=1,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=6,
)
def recompute_result_import_maps_task(*, job_id: int) -> None:
    """ONE bulk recompute for an applied import; what it misses the stale-map sweep catches."""
    imports.recompute_result_import_maps(job_id=job_id)
