"""Writes of the reports: marking SIASN rows as sent."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from reports.models import SiasnSent
from rumahbelajar.people import selectors as people_selectors
from rumahbelajar.people.models import User
from training.models import LearningRecord


@transaction.atomic
def mark_siasn_sent(*, record_ids: Sequence[int], year: int, by: User) -> int:
    """Marks the given ledger lines as sent to SIASN: exactly the rows of the export the admin
    looked at (their ids travel in the form), never rows added since. Lines outside `by`'s
    units or `year`, or already marked, are skipped. Returns how many were marked.
    Side effects: one insert (ON CONFLICT DO NOTHING: a double submit marks nothing twice)."""
    ids = (
        LearningRecord.objects.filter(
            pk__in=list(record_ids),
            year=year,
            employee__in=people_selectors.employees_visible_to(user=by),
        )
        .exclude(siasn_sent__isnull=False)
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    created = SiasnSent.objects.bulk_create(
        [SiasnSent(record_id=pk, sent_at=now, sent_by=by) for pk in ids],
        ignore_conflicts=True,
    )
    return len(created)
