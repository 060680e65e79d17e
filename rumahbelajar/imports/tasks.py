"""The import tasks: one that runs a job's next step, one beat sweep. Thin and idempotent."""

from __future__ import annotations

from celery import shared_task

from rumahbelajar.imports.pipeline import PIPELINES, sweep


@shared_task(name="imports.run", acks_late=True)
def run_import_task(*, pipeline: str, job_id: int) -> None:
    PIPELINES[pipeline].run(job_id=job_id)


@shared_task(name="imports.sweep", acks_late=True)
def sweep_imports_task() -> None:
    """Resumes import jobs whose task was lost or whose worker died; purges old jobs."""
    sweep()
