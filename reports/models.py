"""What the reports keep of their own: how our activity types map onto SIASN's course types, and
which ledger lines HR has marked as sent to SIASN.

A SIASN course row (riwayat kursus/diklat) is one line of the JP ledger (training.LearningRecord):
a completed training writes one, HR records other activities, and approved learning-log
activities will write theirs there too, so they join the export without a change here.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rumahbelajar.people.models import actor_field
from training.models import ActivityType, LearningRecord


class SiasnCourseType(models.Model):
    """SIASN's `jenisDiklatId` (1 struktural … 10 magang …) and `jenisKursus` for one of our
    activity types: the agency's choice, so data edited in the admin (seeded by the migration)."""

    activity_type = models.CharField(
        _("jenis kegiatan"), max_length=20, choices=ActivityType.choices, unique=True
    )
    jenis_diklat_id = models.PositiveSmallIntegerField(
        _("jenisDiklatId SIASN"), validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    jenis_kursus = models.CharField(_("jenisKursus SIASN"), max_length=100)

    class Meta:
        verbose_name = _("jenis diklat SIASN")
        verbose_name_plural = _("jenis diklat SIASN")
        ordering = ["activity_type"]

    def __str__(self) -> str:
        return f"{self.get_activity_type_display()} → {self.jenis_diklat_id}"


class SiasnSent(models.Model):
    """A ledger line HR marked as sent to SIASN ("Tandai sudah dikirim"): `new=1` leaves it out."""

    record = models.OneToOneField(
        LearningRecord,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="siasn_sent",
        verbose_name=_("catatan JP"),
    )
    sent_at = models.DateTimeField(_("ditandai terkirim pada"), default=timezone.now)
    sent_by = actor_field(_("ditandai oleh"))

    class Meta:
        verbose_name = _("kiriman SIASN")
        verbose_name_plural = _("kiriman SIASN")

    def __str__(self) -> str:
        return f"{self.record_id} @ {self.sent_at:%Y-%m-%d}"
