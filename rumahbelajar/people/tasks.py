"""Background work for people: the employee import and its clean-up."""

from __future__ import annotations

from celery import shared_task

from rumahbelajar.people import services


@shared_task(name="people.validate_employee_import", acks_late=True)
def validate_employee_import_task(*, job_id: int) -> None:
    services.validate_employee_import(job_id=job_id)


@shared_task(name="people.apply_employee_import", acks_late=True)
def apply_employee_import_task(*, job_id: int) -> None:
    services.apply_employee_import(job_id=job_id)


@shared_task(name="people.purge_old_import_jobs", acks_late=True)
def purge_old_import_jobs_task() -> None:
    services.purge_old_employee_imports()
