"""The e-book catalogue: books with their private files, categories, competency tags, and what
each reader has done with them (reading position, favourites)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rumahbelajar.imports.models import ImportJob


class Category(models.Model):
    name = models.CharField(_("nama"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("urutan"), default=0)

    class Meta:
        verbose_name = _("kategori")
        verbose_name_plural = _("kategori")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class EbookFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    EPUB = "epub", "EPUB"


class EbookLanguage(models.TextChoices):
    ID = "id", _("Bahasa Indonesia")
    EN = "en", _("Bahasa Inggris")


def ebook_file_path(instance: Ebook, filename: str) -> str:
    """Content-addressed and private: the name says nothing and is never a public URL."""
    return f"ebooks/files/{instance.sha256[:2]}/{instance.sha256}.{instance.file_format}"


def ebook_cover_path(instance: Ebook, filename: str) -> str:
    return f"ebooks/covers/{instance.sha256[:2]}/{instance.sha256}.webp"


class Ebook(models.Model):
    title = models.CharField(_("judul"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=320, unique=True)
    authors = models.CharField(
        _("penulis"), max_length=500, blank=True, help_text=_("Pisahkan dengan titik koma.")
    )
    publisher = models.CharField(_("penerbit"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(
        _("tahun terbit"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), MaxValueValidator(2100)],
    )
    language = models.CharField(
        _("bahasa"), max_length=5, choices=EbookLanguage.choices, default=EbookLanguage.ID
    )
    isbn = models.CharField(
        _("ISBN"),
        max_length=13,
        blank=True,
        help_text=_("ISBN-10 atau ISBN-13, tanpa tanda hubung."),
    )
    description = models.TextField(_("deskripsi"), blank=True)
    categories = models.ManyToManyField(
        Category, verbose_name=_("kategori"), blank=True, related_name="ebooks"
    )
    competencies = models.ManyToManyField(
        "competency.Competency",
        through="EbookCompetency",
        verbose_name=_("kompetensi yang dikembangkan"),
        blank=True,
        related_name="+",
    )
    file = models.FileField(_("berkas"), upload_to=ebook_file_path, max_length=200)
    file_format = models.CharField(_("format"), max_length=5, choices=EbookFormat.choices)
    page_count = models.PositiveIntegerField(_("jumlah halaman"), default=0)
    size_bytes = models.PositiveBigIntegerField(_("ukuran (byte)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True, editable=False)
    cover = models.ImageField(_("sampul"), upload_to=ebook_cover_path, max_length=200, blank=True)
    body_text = models.TextField(_("teks untuk pencarian"), blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    # Title, authors and description only (weights A-C): small enough to stay in the row, so
    # ranking thousands of matches never reads the large body vector (see ebooks.selectors).
    rank_vector = SearchVectorField(null=True, editable=False)
    is_published = models.BooleanField(_("terbit"), default=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diperbarui"), auto_now=True)

    class Meta:
        verbose_name = _("e-book")
        verbose_name_plural = _("e-book")
        ordering = ["title"]
        indexes = [
            GinIndex(fields=["search_vector"], name="ebooks_ebook_search"),
            models.Index(
                fields=["-created_at"], name="ebooks_ebook_newest", condition=Q(is_published=True)
            ),
            models.Index(
                fields=["title"], name="ebooks_ebook_title", condition=Q(is_published=True)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="ebooks_ebook_sha256_hex"
            ),
            models.CheckConstraint(
                condition=Q(isbn="") | Q(isbn__regex=r"^([0-9]{9}[0-9X]|97[89][0-9]{10})$"),
                name="ebooks_ebook_isbn_shape",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_pdf(self) -> bool:
        """Read in the browser (pdf.js); anything else is downloaded."""
        return self.file_format == EbookFormat.PDF

    @property
    def author_list(self) -> list[str]:
        return [name.strip() for name in self.authors.split(";") if name.strip()]


class EbookCompetency(models.Model):
    """A book develops a competency, aimed at a level (what it is good for reaching)."""

    ebook = models.ForeignKey(Ebook, on_delete=models.CASCADE, related_name="competency_tags")
    competency = models.ForeignKey(
        "competency.Competency", on_delete=models.CASCADE, related_name="ebook_tags"
    )
    target_level = models.PositiveSmallIntegerField(
        _("level sasaran"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        verbose_name = _("kompetensi e-book")
        verbose_name_plural = _("kompetensi e-book")
        constraints = [
            models.UniqueConstraint(fields=["ebook", "competency"], name="ebooks_tag_unique"),
            models.CheckConstraint(
                condition=Q(target_level__gte=1, target_level__lte=5), name="ebooks_tag_level_1_5"
            ),
        ]
        indexes = [
            # selectors.ebooks_for_gaps: the newest books aimed at one level of one competency.
            models.Index(
                fields=["competency", "target_level", "-ebook"], name="ebooks_tag_level_newest"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ebook_id} → {self.competency_id} ({self.target_level})"


class ReadingProgress(models.Model):
    """Where a reader is in a book; the reader reopens here."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reading_progress"
    )
    ebook = models.ForeignKey(Ebook, on_delete=models.CASCADE, related_name="reading_progress")
    page = models.PositiveIntegerField(_("halaman"), default=1)
    # EPUB positions are CFI strings; PDFs use the page number.
    location = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("posisi baca")
        verbose_name_plural = _("posisi baca")
        constraints = [
            models.UniqueConstraint(fields=["user", "ebook"], name="ebooks_progress_unique"),
            models.CheckConstraint(condition=Q(page__gte=1), name="ebooks_progress_page_positive"),
        ]
        indexes = [models.Index(fields=["user", "-updated_at"], name="ebooks_progress_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.ebook_id} p.{self.page}"


class Favourite(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourite_ebooks"
    )
    ebook = models.ForeignKey(Ebook, on_delete=models.CASCADE, related_name="favourites")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("favorit")
        verbose_name_plural = _("favorit")
        constraints = [
            models.UniqueConstraint(fields=["user", "ebook"], name="ebooks_favourite_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.ebook_id}"


class EbookImportStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu")
    RUNNING = "running", _("Diproses")
    DONE = "done", _("Selesai")
    FAILED = "failed", _("Gagal")


class EbookImport(ImportJob):
    """One bulk upload from the admin, imported file by file by a worker (ebooks.services.bulk,
    on the shared import pipeline).

    The uploads wait in private staging storage (`files`: original name and stored name per file);
    `report` grows by one entry per file as the worker goes, so progress survives a restart.
    """

    WORKER_STATES = frozenset({EbookImportStatus.PENDING, EbookImportStatus.RUNNING})

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diminta oleh"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="ebook_imports",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=EbookImportStatus.choices,
        default=EbookImportStatus.PENDING,
    )
    files = models.JSONField(_("berkas"), default=list, blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("kategori"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_published = models.BooleanField(_("langsung terbit"), default=True)
    total_files = models.PositiveIntegerField(_("jumlah berkas"), default=0)
    accepted_count = models.PositiveIntegerField(_("diterima"), default=0)
    duplicate_count = models.PositiveIntegerField(_("ganda"), default=0)
    refused_count = models.PositiveIntegerField(_("ditolak"), default=0)
    report = models.JSONField(_("laporan"), default=list, blank=True)

    class Meta(ImportJob.Meta):
        verbose_name = _("impor e-book")
        verbose_name_plural = _("impor e-book")

    def __str__(self) -> str:
        return f"{self.pk} ({self.get_status_display()})"

    @property
    def done_files(self) -> int:
        return len(self.report)
