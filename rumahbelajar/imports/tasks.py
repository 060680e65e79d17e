"""The import tasks: one that runs a job's next step, one beat sweep. Thin and idempotent."""

from __future__ import annotations

from celery import shared_task

from rumahbelajar.imports.pipeline import PIPELINES, sweep


# A worker that dies under a job: the task is sent again at most max_retries times (the count in
# the message); the job itself counts attempts in PostgreSQL and fails past IMPORT_MAX_ATTEMPTS,
# also when the sweep resumes it later.
@shared_task(name="imports.run", acks_late=True, max_retries=3, default_retry_delay=10)
def run_import_task(*, pipeline: str, job_id: int) -> None:
    PIPELINES[pipeline].run(job_id=job_id)


# Never retried: the next run (5 minutes) is the retry.
@shared_task(name="imports.sweep", acks_late=True, max_retries=0)
def sweep_imports_task() -> None:
    """Resumes import jobs whose task was lost or whose worker died; purges old jobs."""
    sweep()
