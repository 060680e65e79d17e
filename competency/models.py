"""The competency dictionary, position standards, assessment results and the stored maps.

Permenpan RB 38/2017: three types of competency, five levels each; a position's standard sets a
required level per competency; an employee's map compares their latest results with it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rumahbelajar.imports.models import RowImportJob
from rumahbelajar.people.models import actor_field

LEVEL_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class CompetencyType(models.TextChoices):
    TEKNIS = "teknis", _("Teknis")
    MANAJERIAL = "manajerial", _("Manajerial")
    SOSIAL_KULTURAL = "sosial_kultural", _("Sosial kultural")


class Competency(models.Model):
    """One competency of the dictionary: M1…M8 and SK1 are fixed by regulation, T… by the agency."""

    code = models.CharField(_("kode"), max_length=20, unique=True)
    type = models.CharField(_("jenis"), max_length=20, choices=CompetencyType.choices)
    name = models.CharField(_("nama"), max_length=200)
    definition = models.TextField(_("definisi"))
    sort_order = models.PositiveSmallIntegerField(_("urutan"), default=0)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("kompetensi")
        verbose_name_plural = _("kompetensi")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^(M[1-8]|SK1|T[0-9A-Z.\-]+)$"),
                name="competency_code_shape",
                violation_error_message=_("Kode: M1-M8, SK1, atau T diikuti angka/huruf."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_fixed(self) -> bool:
        """The regulation's nine competencies are not edited in the portal."""
        return self.type != CompetencyType.TEKNIS


class CompetencyLevel(models.Model):
    """What a level of a competency means: a description and behaviour indicators."""

    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="levels")
    level = models.PositiveSmallIntegerField(_("level"), validators=LEVEL_VALIDATORS)
    description = models.TextField(_("deskripsi"))
    indicators = ArrayField(models.TextField(), verbose_name=_("indikator perilaku"), default=list)

    class Meta:
        verbose_name = _("level kompetensi")
        verbose_name_plural = _("level kompetensi")
        ordering = ["competency", "level"]
        constraints = [
            models.UniqueConstraint(fields=["competency", "level"], name="competency_level_unique"),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5), name="competency_level_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.competency.code} level {self.level}"


class PositionStandard(models.Model):
    """The required level of one competency for one position (Standar Kompetensi Jabatan)."""

    position = models.ForeignKey(
        "people.Position",
        on_delete=models.CASCADE,
        related_name="standards",
        verbose_name=_("jabatan"),
    )
    competency = models.ForeignKey(
        Competency, on_delete=models.PROTECT, related_name="standards", verbose_name=_("kompetensi")
    )
    required_level = models.PositiveSmallIntegerField(
        _("level yang dipersyaratkan"), validators=LEVEL_VALIDATORS
    )

    class Meta:
        verbose_name = _("standar kompetensi jabatan")
        verbose_name_plural = _("standar kompetensi jabatan")
        ordering = ["position", "competency__sort_order", "competency__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["position", "competency"], name="competency_standard_unique"
            ),
            models.CheckConstraint(
                condition=Q(required_level__gte=1, required_level__lte=5),
                name="competency_standard_level_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position} · {self.competency.code} ≥ {self.required_level}"


class AssessmentMethod(models.TextChoices):
    UJI_KOMPETENSI = "uji_kompetensi", _("Uji kompetensi")
    ASSESSMENT_CENTER = "assessment_center", _("Assessment center")
    CAT = "cat", _("Computer assisted test (CAT)")
    WAWANCARA = "wawancara", _("Wawancara berbasis kompetensi")
    PORTOFOLIO = "portofolio", _("Portofolio")
    LAINNYA = "lainnya", _("Lainnya")


class ResultSource(models.TextChoices):
    API = "api", _("API sistem asesmen")
    ADMIN = "admin", _("Formulir admin")
    IMPORT = "import", _("Impor berkas")
    DEMO = "demo", _("Data demo")


class AssessmentResult(models.Model):
    """One scored result. The achieved level is the latest result per competency
    (by assessment date, then by arrival)."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="assessment_results",
        verbose_name=_("pegawai"),
    )
    competency = models.ForeignKey(
        Competency, on_delete=models.PROTECT, related_name="results", verbose_name=_("kompetensi")
    )
    level = models.PositiveSmallIntegerField(_("level"), validators=LEVEL_VALIDATORS)
    assessed_on = models.DateField(_("tanggal asesmen"))
    method = models.CharField(
        _("metode"),
        max_length=30,
        choices=AssessmentMethod.choices,
        default=AssessmentMethod.UJI_KOMPETENSI,
    )
    source = models.CharField(_("sumber"), max_length=10, choices=ResultSource.choices)
    # NULL (not "") when absent, so the partial unique index only covers real keys.
    external_id = models.CharField(_("ID eksternal"), max_length=100, null=True, blank=True)  # noqa: DJ001
    recorded_by = actor_field(_("dicatat oleh"))
    recorded_at = models.DateTimeField(_("dicatat pada"), auto_now_add=True)

    class Meta:
        verbose_name = _("hasil asesmen")
        verbose_name_plural = _("hasil asesmen")
        ordering = ["-assessed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=Q(external_id__isnull=False),
                name="competency_result_external_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5), name="competency_result_level_1_5"
            ),
        ]
        indexes = [
            # The latest-result lookup: per employee and competency, newest first.
            models.Index(
                fields=["employee", "competency", "-assessed_on", "-id"],
                name="competency_result_latest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} · {self.competency_id} = {self.level} ({self.assessed_on})"


class JpmCategory(models.TextChoices):
    """Mapping bands (pemetaan); the thresholds are settings (COMPETENCY_JPM_BANDS)."""

    OPTIMAL = "optimal", _("Optimal")
    CUKUP_OPTIMAL = "cukup_optimal", _("Cukup Optimal")
    KURANG_OPTIMAL = "kurang_optimal", _("Kurang Optimal")


class CompetencyMap(models.Model):
    """An employee's stored map (peta kompetensi): recomputed by workers, read by pages and the API.

    `stale` is set in the same transaction that saves a result or changes a standard or position, and
    cleared by the recomputation; the periodic sweep recomputes whatever is still stale.
    """

    employee = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="competency_map",
        verbose_name=_("pegawai"),
    )
    position = models.ForeignKey(
        "people.Position", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    jpm = models.DecimalField(_("JPM"), max_digits=5, decimal_places=2, null=True, blank=True)
    category = models.CharField(
        _("kategori"), max_length=20, choices=JpmCategory.choices, blank=True
    )
    required_total = models.PositiveIntegerField(default=0)
    achieved_total = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(_("dihitung pada"), null=True, blank=True)
    stale = models.BooleanField(_("perlu dihitung ulang"), default=True)
    stale_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("peta kompetensi")
        verbose_name_plural = _("peta kompetensi")
        indexes = [
            models.Index(
                fields=["stale_since"], name="competency_map_stale", condition=Q(stale=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id}: {self.jpm}"


class CompetencyMapItem(models.Model):
    """One row of a stored map: required vs achieved for one competency."""

    map = models.ForeignKey(CompetencyMap, on_delete=models.CASCADE, related_name="items")
    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="+")
    required = models.PositiveSmallIntegerField()
    achieved = models.PositiveSmallIntegerField(help_text=_("0 bila belum diases."))
    gap = models.PositiveSmallIntegerField()
    assessed = models.BooleanField()
    last_assessed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["competency__sort_order", "competency__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["map", "competency"], name="competency_map_item_unique"
            ),
            models.CheckConstraint(
                condition=Q(achieved__gte=0, achieved__lte=5, required__gte=1, required__lte=5),
                name="competency_map_item_levels",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.competency_id}: {self.achieved}/{self.required}"


class TargetPosition(models.Model):
    """The position an employee aims at (jabatan target; PP 11/2017 art. 206: the gap against
    the current and the future position). Its gaps are not stored: they are computed when read,
    from the position's standard and the employee's latest results (selectors.target_for)."""

    employee = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="target_position",
        verbose_name=_("pegawai"),
    )
    position = models.ForeignKey(
        "people.Position",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("jabatan target"),
    )
    chosen_at = models.DateTimeField(_("dipilih pada"), auto_now=True)

    class Meta:
        verbose_name = _("jabatan target")
        verbose_name_plural = _("jabatan target")

    def __str__(self) -> str:
        return f"{self.employee_id} → {self.position_id}"


class ApiToken(models.Model):
    """A bearer token of the assessment system. Only a SHA-256 hash of the token is stored."""

    name = models.CharField(_("nama"), max_length=100, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        _("awalan"), max_length=8, editable=False, help_text=_("Untuk mengenali token.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("token API")
        verbose_name_plural = _("token API")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ResultImport(RowImportJob):
    """One uploaded file of assessment results (impor hasil asesmen), on the shared import
    pipeline (rumahbelajar.imports; the rows are competency.imports')."""

    upload_folder = "result-imports"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diminta oleh"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="result_imports",
    )
    new_count = models.PositiveIntegerField(_("baru"), default=0)
    existing_count = models.PositiveIntegerField(_("sudah ada"), default=0)
    # Whose maps the applied rows changed: the bulk recompute after commit reads them.
    affected_employee_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)

    class Meta(RowImportJob.Meta):
        verbose_name = _("impor hasil asesmen")
        verbose_name_plural = _("impor hasil asesmen")
