"""The durable state of an import job, shared by every import as abstract models.

The row is the truth a beat sweep works from: a job in a worker state whose task was lost (broker
down at commit) or whose worker died is queued again, and `attempts` stops a job that kills its
worker from being redelivered forever. Live progress of the all-or-nothing apply step lives in
the cache (rumahbelajar.progress), because nobody sees its writes to this row until it commits.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu")
    VALIDATING = "validating", _("Memeriksa")
    PREVIEW = "preview", _("Pratinjau")
    APPLYING = "applying", _("Menerapkan")
    DONE = "done", _("Selesai")
    FAILED = "failed", _("Gagal")


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


def private_upload_to(instance: Any, filename: str) -> str:
    # The stored name never reuses the uploaded one; the folder is outside any public URL.
    return f"private/{instance.upload_folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class ImportJob(models.Model):
    """What every import job has. A concrete job adds `status` (its choices) and `requested_by`.

    WORKER_STATES are those a worker moves on from (the sweep queues them again); FINISHED_STATES
    those nothing moves on from (the purge may delete them).
    """

    WORKER_STATES: ClassVar[frozenset[str]] = frozenset()
    FINISHED_STATES: ClassVar[frozenset[str]] = frozenset({ImportStatus.DONE, ImportStatus.FAILED})
    FAILED: ClassVar[str] = ImportStatus.FAILED

    status: Any
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    message = models.TextField(_("pesan"), blank=True)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def is_running(self) -> bool:
        return self.status in self.WORKER_STATES

    @property
    def is_applying(self) -> bool:
        return self.status == ImportStatus.APPLYING

    @property
    def is_done(self) -> bool:
        return self.status == ImportStatus.DONE

    @property
    def has_checked_rows(self) -> bool:
        """Its rows were read and checked: a preview, an applied job or one that failed on them."""
        return self.status in {ImportStatus.PREVIEW, ImportStatus.DONE} or (
            self.status == ImportStatus.FAILED and bool(getattr(self, "total_rows", 0))
        )


class RowImportJob(ImportJob):
    """One uploaded CSV/XLSX file on its way: pending → validating → preview → applying → done,
    or failed from any of them. A concrete job adds its counters and `upload_folder`."""

    WORKER_STATES = frozenset(
        {ImportStatus.PENDING, ImportStatus.VALIDATING, ImportStatus.APPLYING}
    )
    upload_folder: ClassVar[str]

    file = models.FileField(_("berkas"), upload_to=private_upload_to, max_length=255)
    file_format = models.CharField(_("format"), max_length=10, choices=ImportFormat.choices)
    original_name = models.CharField(_("nama berkas"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(_("jumlah baris"), default=0)
    error_count = models.PositiveIntegerField(_("jumlah kesalahan"), default=0)
    # The first errors, for the preview page; the full list is in `error_report`.
    errors = models.JSONField(_("kesalahan"), default=list, blank=True)
    error_report = models.FileField(
        _("laporan kesalahan"), upload_to=private_upload_to, max_length=255, blank=True
    )

    class Meta(ImportJob.Meta):
        abstract = True

    def __str__(self) -> str:
        return f"{self.original_name or self.pk} ({self.get_status_display()})"  # type: ignore[attr-defined]

    @property
    def can_apply(self) -> bool:
        return (
            self.status == ImportStatus.PREVIEW and not self.error_count and bool(self.total_rows)
        )
