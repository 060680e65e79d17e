"""The content admin: categories, e-books (metadata, categories, competency tags) and the bulk
upload, which stages the files and lets a worker import them while the page shows progress.

A book's file is never replaced in place: it is the book's identity (content-addressed, SHA-256);
a new edition is uploaded as a new book. Every write goes through ebooks.services. The admin forms
live here (ebooks/forms.py holds the catalogue's form).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from competency.models import Competency
from ebooks import selectors, services
from ebooks.models import Category, Ebook, EbookCompetency
from rumahbelajar.imports.admin import ImportJobAdminMixin
from rumahbelajar.service_admin import DeleteThroughServiceMixin, message_count

EBOOKS_CHANGED = ngettext_lazy("%(count)d e-book diubah.", "%(count)d e-book diubah.", "count")
# Django refuses a request with more files than DATA_UPLOAD_MAX_NUMBER_FILES (100 by default).
MAX_FILES_PER_UPLOAD = 100


# --- forms ----------------------------------------------------------------------------------------


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input type="file" multiple> (the pattern of Django's docs)."""

    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # An empty file is refused by the import, in the report, not by failing the whole upload.
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class EbookUploadForm(forms.Form):
    uploads = MultipleFileField(
        label=_("Berkas e-book (PDF atau EPUB)"),
        widget=MultipleFileInput(
            attrs={"accept": ".pdf,.epub,application/pdf,application/epub+zip"}
        ),
        help_text=_(
            "Pilih satu atau beberapa berkas (paling banyak %(count)s sekaligus, masing-masing "
            "paling besar %(limit)s). Jenis berkas dikenali dari isinya, bukan dari namanya."
        )
        % {"count": MAX_FILES_PER_UPLOAD, "limit": filesizeformat(settings.EBOOK_MAX_UPLOAD_BYTES)},
    )
    category = forms.ModelChoiceField(
        label=_("Kategori untuk semua berkas"), queryset=Category.objects.all(), required=False
    )
    is_published = forms.BooleanField(
        label=_("Langsung terbitkan"),
        required=False,
        initial=True,
        help_text=_("Matikan untuk memeriksa metadata dulu sebelum pegawai dapat melihatnya."),
    )

    def clean_uploads(self) -> list[Any]:
        uploads = self.cleaned_data["uploads"]
        if len(uploads) > MAX_FILES_PER_UPLOAD:
            raise ValidationError(
                _("Paling banyak %(count)s berkas sekaligus.") % {"count": MAX_FILES_PER_UPLOAD}
            )
        limit = settings.EBOOK_MAX_UPLOAD_BYTES
        too_big = [u.name for u in uploads if u.size > limit]
        if too_big:
            raise ValidationError(
                _("Melebihi batas %(limit)s: %(names)s")
                % {"limit": filesizeformat(limit), "names": ", ".join(too_big)}
            )
        return uploads


class EbookAdminForm(forms.ModelForm):
    # Typed as printed (with hyphens or spaces); stored as 10 or 13 digits after the checksum.
    isbn = forms.CharField(
        label=_("ISBN"),
        max_length=20,
        required=False,
        help_text=_("ISBN-10 atau ISBN-13; tanda hubung boleh ditulis."),
    )

    class Meta:
        model = Ebook
        fields = [*services.EDITABLE_FIELDS, "categories"]
        widgets = {"categories": forms.CheckboxSelectMultiple}

    def clean_isbn(self) -> str:
        return services.clean_isbn(self.cleaned_data.get("isbn") or "")


class EbookCompetencyInline(admin.TabularInline):
    model = EbookCompetency
    fields = ("competency", "target_level")
    extra = 1
    verbose_name = _("kompetensi yang dikembangkan")
    verbose_name_plural = _("kompetensi yang dikembangkan")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "competency":
            kwargs["queryset"] = Competency.objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- categories -----------------------------------------------------------------------------------


@admin.register(Category)
class CategoryAdmin(DeleteThroughServiceMixin, admin.ModelAdmin):
    list_display = ("name", "slug", "sort_order", "book_count")
    list_editable = ("sort_order",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return super().get_queryset(request).annotate(book_count=Count("ebooks"))

    @admin.display(description=_("jumlah e-book"), ordering="book_count")
    def book_count(self, obj: Category) -> int:
        return obj.book_count  # type: ignore[attr-defined]

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        data = form.cleaned_data
        values = {k: data.get(k, getattr(obj, k)) for k in ("name", "slug", "sort_order")}
        saved = services.save_category(category=obj if change else None, **values)
        obj.__dict__.update(saved.__dict__)

    def delete_with_service(self, obj: Category) -> None:
        services.delete_category(category=obj)


# --- e-books --------------------------------------------------------------------------------------


#: A book's file and what was read from it: shown, never edited (a new edition is a new e-book).
FILE_FIELDS = (
    "cover_preview",
    "file_link",
    "file_format",
    "page_count",
    "size",
    "sha256",
    "created_at",
    "updated_at",
)


@admin.register(Ebook)
class EbookAdmin(DeleteThroughServiceMixin, ImportJobAdminMixin, admin.ModelAdmin):
    form = EbookAdminForm
    import_pipeline = services.ebook_import
    import_title = _("Unggah e-book")
    import_job_template = "admin/ebooks/ebook/import_job.html"
    import_upload_url = "upload"
    import_path = "upload/"
    inlines = [EbookCompetencyInline]
    list_display = (
        "title",
        "authors",
        "file_format",
        "page_count",
        "size",
        "is_published",
        "created_at",
    )
    list_filter = ("is_published", "file_format", "language", "categories")
    search_fields = ("title", "authors", "isbn", "slug")
    search_help_text = _("Cari judul, penulis, ISBN, slug, atau SHA-256 lengkap.")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    show_full_result_count = False
    list_per_page = 50
    readonly_fields = FILE_FIELDS
    fieldsets = (
        (None, {"fields": ("title", "slug", "authors", "publisher", "year", "language", "isbn")}),
        (None, {"fields": ("description", "categories", "is_published")}),
        (
            _("Berkas (tidak dapat diganti; unggah edisi baru sebagai e-book baru)"),
            {"fields": FILE_FIELDS},
        ),
    )
    actions = ("publish", "withdraw")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ebook]:
        return super().get_queryset(request).defer("body_text", "search_vector", "rank_vector")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Ebook], search_term: str
    ) -> tuple[QuerySet[Ebook], bool]:
        term = search_term.strip().lower()
        if len(term) == 64 and all(c in "0123456789abcdef" for c in term):
            return queryset.filter(sha256=term), False
        return super().get_search_results(request, queryset, search_term)

    # --- display ----------------------------------------------------------------------------------
    @admin.display(description=_("ukuran"), ordering="size_bytes")
    def size(self, obj: Ebook) -> str:
        return filesizeformat(obj.size_bytes)

    @admin.display(description=_("sampul"))
    def cover_preview(self, obj: Ebook) -> str:
        url = _url("ebooks:ebook-cover", obj)
        if not obj.cover or not url:
            return "—"
        return format_html('<img src="{}" alt="" width="120">', url)

    @admin.display(description=_("berkas"))
    def file_link(self, obj: Ebook) -> str:
        url = _url("ebooks:ebook-file", obj)
        how = (
            _("dibaca di peramban (pdf.js)")
            if obj.file_format == "pdf"
            else _("diunduh pembaca (EPUB tidak dibaca di halaman)")
        )
        if not url:
            return str(how)
        return format_html('<a href="{}">{}</a> — {}', url, _("Buka berkas"), how)

    # --- writes through services -------------------------------------------------------------------
    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        # A book is created from its file: the upload page (one or many files) is the way in.
        if not self.has_add_permission(request):
            raise PermissionDenied
        return redirect("admin:ebooks_ebook_upload")

    def save_model(self, request: HttpRequest, obj: Ebook, form: Any, change: bool) -> None:
        values = {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS}
        services.update_ebook(ebook=obj, **values)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        tags: dict[Competency, int] = {}
        for formset in formsets:
            for inline_form in formset.forms:
                data = getattr(inline_form, "cleaned_data", None) or {}
                if data.get("competency") and not data.get("DELETE"):
                    tags[data["competency"]] = data["target_level"]
            # What the admin's change message reads (the service did the writing).
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        services.set_ebook_tags(
            ebook=form.instance, categories=form.cleaned_data["categories"], competencies=tags
        )

    def delete_with_service(self, obj: Ebook) -> None:
        services.delete_ebook(ebook=obj)

    def _publish(self, request: HttpRequest, queryset: QuerySet[Ebook], published: bool) -> None:
        count = services.set_ebooks_published(ebooks=queryset, published=published)
        message_count(self, request, EBOOKS_CHANGED, count)

    @admin.action(description=_("Terbitkan e-book terpilih"), permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Ebook]) -> None:
        self._publish(request, queryset, True)

    @admin.action(description=_("Tarik e-book terpilih (tidak terbit)"), permissions=["change"])
    def withdraw(self, request: HttpRequest, queryset: QuerySet[Ebook]) -> None:
        self._publish(request, queryset, False)

    # --- bulk upload (its job and progress pages are the shared ones) -------------------------------
    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("upload/", wrap(self.upload_view), name=f"{prefix}_upload"),
            *self.import_job_urls(),
            *super().get_urls(),
        ]

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request)

    def import_job_title(self, job: Any) -> Any:
        return _("Impor e-book #%(id)s") % {"id": job.pk}

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = EbookUploadForm(
            request.POST if request.method == "POST" else None, request.FILES or None
        )
        if request.method == "POST" and form.is_valid():
            job = services.start_ebook_import(
                requested_by=request.user,
                uploads=form.cleaned_data["uploads"],
                category=form.cleaned_data["category"],
                is_published=form.cleaned_data["is_published"],
            )
            return HttpResponseRedirect(
                reverse("admin:ebooks_ebook_import_job", kwargs={"job_id": job.pk})
            )
        context = self._import_context(
            request,
            title=_("Unggah e-book"),
            form=form,
            jobs=selectors.ebook_imports_visible_to(user=request.user).defer("report", "files")[
                :10
            ],
        )
        return TemplateResponse(request, "admin/ebooks/ebook/upload_form.html", context)


def _url(name: str, ebook: Ebook) -> str:
    try:
        return reverse(name, kwargs={"ref": ebook.slug})
    except NoReverseMatch:
        return ""
