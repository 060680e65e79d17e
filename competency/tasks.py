"""Thin Celery tasks: take ids, call one service. Idempotent; acks_late (settings)."""

from celery import shared_task

from competency import services


@shared_task(name="competency.recompute_map", acks_late=True, max_retries=5, default_retry_delay=2)
def recompute_map_task(*, employee_id: int) -> None:
    services.recompute_map(employee_id=employee_id)


@shared_task(name="competency.recompute_position_maps", acks_late=True)
def recompute_position_maps_task(*, position_id: int) -> None:
    services.recompute_position_maps(position_id=position_id)


@shared_task(name="competency.sweep_stale_maps", acks_late=True)
def sweep_stale_maps() -> None:
    services.recompute_stale_maps()
