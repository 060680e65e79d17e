"""Recording an assessment result: one entry point for the API, the admin and the import."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from competency.models import (
    AssessmentMethod,
    AssessmentResult,
    Competency,
    ResultSource,
)
from competency.services.errors import InvalidResult
from competency.services.maps import mark_maps_stale
from rumahbelajar.people.models import User
from rumahbelajar.queue import queue_after_commit

EXTERNAL_ID_MAX_LENGTH = AssessmentResult._meta.get_field("external_id").max_length or 100

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


# Results of every source use the same entry point; the import adds many in one transaction.
RESULT_SOURCES = ResultSource
