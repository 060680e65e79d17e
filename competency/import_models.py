"""The assessment-result import job: one uploaded CSV/XLSX file on its way through validation,
preview and application (competency.imports, competency.import_tasks).

Live progress is kept in the cache (the apply step runs in one long transaction whose writes to
this row nobody else sees until it commits); this row holds the durable state.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rumahbelajar.people.models import ImportFormat, ImportStatus


def result_import_upload_to(instance: ResultImport, filename: str) -> str:
    # The stored name never reuses the uploaded one; the folder is outside any public URL.
    return f"private/result-imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class ResultImport(models.Model):
    """One uploaded file of assessment results (impor hasil asesmen)."""

    file = models.FileField(_("berkas"), upload_to=result_import_upload_to, max_length=255)
    file_format = models.CharField(_("format"), max_length=10, choices=ImportFormat.choices)
    original_name = models.CharField(_("nama berkas"), max_length=255, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diminta oleh"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="result_imports",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(_("jumlah baris"), default=0)
    new_count = models.PositiveIntegerField(_("baru"), default=0)
    existing_count = models.PositiveIntegerField(_("sudah ada"), default=0)
    error_count = models.PositiveIntegerField(_("jumlah kesalahan"), default=0)
    # The first errors, for the preview page; the full list is in `error_report`.
    errors = models.JSONField(_("kesalahan"), default=list, blank=True)
    error_report = models.FileField(
        _("laporan kesalahan"), upload_to=result_import_upload_to, max_length=255, blank=True
    )
    # Whose maps the applied rows changed: the bulk recompute after commit reads them.
    affected_employee_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    message = models.TextField(_("pesan"), blank=True)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)

    class Meta:
        verbose_name = _("impor hasil asesmen")
        verbose_name_plural = _("impor hasil asesmen")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name or self.pk} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in {
            ImportStatus.PENDING,
            ImportStatus.VALIDATING,
            ImportStatus.APPLYING,
        }
