"""The admin pages of an import, once: the job page (status, progress, summary, errors), its
progress as JSON (for static/admin-extra/import-progress.js) and, for CSV/XLSX imports, the
upload form, the apply button and the error report.

A ModelAdmin mixes `RowImportAdminMixin` (or `ImportJobAdminMixin` for an import with its own
upload page) in before admin.ModelAdmin and sets `import_pipeline` and the titles. URL names:
`admin:<app>_<model>_import` (upload), `…_import_job`, `…_import_progress`, `…_import_apply`
(POST) and `…_import_errors` (CSV). A job is seen only by its uploader and superusers; HR scoping
of the rows is the domain checker's.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rumahbelajar.imports.pipeline import ImportNotReady, Pipeline, RowPipeline
from rumahbelajar.imports.reader import ImportFileError, detect_format


class ImportFileForm(forms.Form):
    """One CSV or XLSX file, under the pipeline's size limit, its type told by content."""

    file = forms.FileField(
        help_text=_("Baris pertama berisi judul kolom. Jenis berkas dikenali dari isinya.")
    )

    def __init__(self, *args: Any, max_bytes: int, label: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes
        self.fields["file"].label = label
        self.file_format = ""

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                _("Berkas terlalu besar (%(size)s); batasnya %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(self.max_bytes)}
            )
        try:
            self.file_format = detect_format(upload)
        except ImportFileError as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload


class ImportJobAdminMixin:
    """The job page and its progress JSON for the jobs of `import_pipeline`."""

    import_pipeline: Pipeline[Any]
    import_title: Any  # the upload page's title, in the breadcrumbs
    import_job_template: str
    import_upload_url = "import"  # the suffix of the upload page's URL name
    import_path = "import/"

    def has_import_permission(self, request: HttpRequest) -> bool:
        raise NotImplementedError

    def import_jobs_visible_to(self, request: HttpRequest) -> Any:
        return self.import_pipeline.visible_to(user=request.user)  # type: ignore[attr-defined]

    def import_job_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view  # type: ignore[attr-defined]
        prefix = self._import_prefix()
        return [
            path(
                f"{self.import_path}<int:job_id>/",
                wrap(self.import_job_view),
                name=f"{prefix}_import_job",
            ),
            path(
                f"{self.import_path}<int:job_id>/progress/",
                wrap(self.import_progress_view),
                name=f"{prefix}_import_progress",
            ),
        ]

    def _import_prefix(self) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}"  # type: ignore[attr-defined]

    def _import_job(self, request: HttpRequest, job_id: int) -> Any:
        if not self.has_import_permission(request):
            raise PermissionDenied
        job = self.import_jobs_visible_to(request).filter(pk=job_id).first()
        if job is None:
            raise Http404
        return job

    def _import_context(self, request: HttpRequest, **extra: Any) -> dict[str, Any]:
        site = self.admin_site  # type: ignore[attr-defined]
        return {
            **site.each_context(request),
            "opts": self.opts,  # type: ignore[attr-defined]
            "import_title": self.import_title,
            "import_upload_url": self.import_upload_url,
            **extra,
        }

    def import_job_title(self, job: Any) -> Any:
        return _("%(title)s: %(name)s") % {"title": self.import_title, "name": job}

    def import_job_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        job = self._import_job(request, job_id)
        context = self._import_context(
            request,
            title=self.import_job_title(job),
            job=job,
            progress=self.import_pipeline.progress_of(job),
            can_apply=getattr(job, "can_apply", False),
        )
        return TemplateResponse(request, self.import_job_template, context)

    def import_progress_view(self, request: HttpRequest, job_id: int) -> JsonResponse:
        job = self._import_job(request, job_id)
        progress = self.import_pipeline.progress_of(job)
        total, done = progress["total"], progress["done"]
        percent = min(100, done * 100 // total) if total else 0
        return JsonResponse(
            {"status": job.status, "done": done, "total": total, "percent": percent}
        )


class RowImportAdminMixin(ImportJobAdminMixin):
    """Adds a CSV/XLSX import of `import_pipeline` (a RowPipeline) to a ModelAdmin."""

    import_pipeline: RowPipeline[Any]
    import_file_label: Any
    import_form_template: str

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view  # type: ignore[attr-defined]
        prefix = self._import_prefix()
        return [
            path("import/", wrap(self.import_view), name=f"{prefix}_import"),
            *self.import_job_urls(),
            path(
                "import/<int:job_id>/apply/",
                wrap(require_POST(self.import_apply_view)),
                name=f"{prefix}_import_apply",
            ),
            path(
                "import/<int:job_id>/errors.csv",
                wrap(self.import_errors_view),
                name=f"{prefix}_import_errors",
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def import_job_title(self, job: Any) -> Any:
        return _("%(title)s: %(name)s") % {"title": self.import_title, "name": job.original_name}

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        pipeline = self.import_pipeline
        form = ImportFileForm(
            request.POST if request.method == "POST" else None,
            request.FILES or None,
            max_bytes=pipeline.max_bytes(),
            label=self.import_file_label,
        )
        if form.is_valid():
            upload = form.cleaned_data["file"]
            job = pipeline.start(
                requested_by=request.user,
                uploaded_file=upload,
                file_format=form.file_format,
                original_name=upload.name,
            )
            return redirect(f"admin:{self._import_prefix()}_import_job", job_id=job.pk)
        context = self._import_context(
            request,
            title=self.import_title,
            form=form,
            jobs=self.import_jobs_visible_to(request)[:10],
            required_columns=pipeline.columns.required,
            optional_columns=pipeline.columns.optional,
        )
        return TemplateResponse(request, self.import_form_template, context)

    def import_apply_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        job = self._import_job(request, job_id)
        try:
            self.import_pipeline.confirm(job=job, confirmed_by=request.user)
        except ImportNotReady as exc:
            messages.error(request, str(exc))
        return redirect(f"admin:{self._import_prefix()}_import_job", job_id=job.pk)

    def import_errors_view(self, request: HttpRequest, job_id: int) -> FileResponse:
        job = self._import_job(request, job_id)
        if not job.error_report:
            raise Http404
        return FileResponse(
            job.error_report.open("rb"),
            as_attachment=True,
            filename=f"kesalahan-impor-{job.pk}.csv",
            content_type="text/csv; charset=utf-8",
        )
