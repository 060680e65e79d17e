"""What the portal tells a person: a row per message (the list at /notifications/), emailed
once unless the person opted out of that kind by email.

The unread count the layout shows is kept on the person's row (User.unread_notifications, read
with the person on every request anyway), so showing it costs no query; notifications.services
moves it with every write here, in the same transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    REPORT_WAITING = "report_waiting", _("Laporan kegiatan menunggu persetujuan saya")
    REPORT_APPROVED = "report_approved", _("Laporan kegiatan saya disetujui")
    REPORT_RETURNED = "report_returned", _("Laporan kegiatan saya dikembalikan")
    TRAINING_ASSIGNED = "assigned", _("Saya ditugaskan mengikuti pelatihan")
    WAITLIST_PROMOTED = "promoted", _("Saya naik dari daftar tunggu")
    TRAINING_REMINDER = "reminder", _("Pengingat pelatihan penugasan")
    TRAINING_CANCELLED = "training_cancelled", _("Pelatihan saya dibatalkan")
    JP_DIGEST = "jp_digest", _("Ringkasan bulanan bila JP saya tertinggal")
    REGISTRATION_WAITING = (
        "registration_waiting",
        _("Permintaan pendaftaran pelatihan menunggu persetujuan saya"),
    )
    REGISTRATION_APPROVED = "registration_approved", _("Permintaan pendaftaran saya disetujui")
    REGISTRATION_RETURNED = "registration_returned", _("Permintaan pendaftaran saya dikembalikan")
    MONTHLY_SUMMARY = (
        "monthly_summary",
        _("Ringkasan bulanan kepatuhan JP dan kesenjangan kompetensi (pengelola SDM dan atasan)"),
    )


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("penerima"),
    )
    kind = models.CharField(_("jenis"), max_length=24, choices=NotificationKind.choices)
    title = models.CharField(_("judul"), max_length=300)
    body = models.TextField(_("isi"), blank=True)
    url = models.CharField(_("tautan"), max_length=500, blank=True)
    #: Names the event, so a retried task or a second call never makes a second message.
    key = models.CharField(max_length=120, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)
    read_at = models.DateTimeField(_("dibaca"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("dikirim lewat email"), null=True, blank=True)

    class Meta:
        verbose_name = _("notifikasi")
        verbose_name_plural = _("notifikasi")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notifications_mine"),
            models.Index(
                fields=["recipient"], condition=Q(read_at=None), name="notifications_unread"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class EmailOptOut(models.Model):
    """A person does not want this kind by email (the list at /notifications/ keeps it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_opt_outs"
    )
    kind = models.CharField(_("jenis"), max_length=24, choices=NotificationKind.choices)

    class Meta:
        verbose_name = _("berhenti email")
        verbose_name_plural = _("berhenti email")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notifications_optout_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind}"
