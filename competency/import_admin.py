"""The assessment-result import in the admin: upload → check (worker) → preview → apply (worker)
→ done, with a live progress bar and a downloadable error report.

`ResultImportAdminMixin` goes before admin.ModelAdmin on the AssessmentResult admin; it adds the
URLs `admin:competency_assessmentresult_import` (upload), `…_import_job`, `…_import_progress`
(JSON for static/admin-extra/import-progress.js), `…_import_apply` (POST) and `…_import_errors`
(CSV). Whoever may add results may import them (HR admins: only for people in their units, which
competency.imports checks per row); a job is seen only by its uploader and superusers.
"""

from __future__ import annotations

from typing import Any, cast

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

from competency import imports
from competency.import_models import ResultImport
from rumahbelajar.people.models import ImportStatus, User


class ResultImportForm(forms.Form):
    file = forms.FileField(
        label=_("Berkas hasil asesmen (CSV atau XLSX)"),
        help_text=_("Baris pertama berisi judul kolom. Jenis berkas dikenali dari isinya."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = imports.max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("Berkas terlalu besar (%(size)s); batasnya %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        try:
            self.file_format = imports.detect_format(upload)
        except imports.ImportFileError as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload


class ResultImportAdminMixin:
    """Adds "Impor hasil asesmen" to a ModelAdmin of competency.AssessmentResult."""

    result_import_templates = {
        "form": "admin/competency/import/import_form.html",
        "job": "admin/competency/import/import_job.html",
    }

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view  # type: ignore[attr-defined]
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"  # type: ignore[attr-defined]
        return [
            path("import/", wrap(self.result_import_view), name=f"{prefix}_import"),
            path(
                "import/<int:job_id>/",
                wrap(self.result_import_job_view),
                name=f"{prefix}_import_job",
            ),
            path(
                "import/<int:job_id>/progress/",
                wrap(self.result_import_progress_view),
                name=f"{prefix}_import_progress",
            ),
            path(
                "import/<int:job_id>/apply/",
                wrap(require_POST(self.result_import_apply_view)),
                name=f"{prefix}_import_apply",
            ),
            path(
                "import/<int:job_id>/errors.csv",
                wrap(self.result_import_errors_view),
                name=f"{prefix}_import_errors",
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def has_result_import_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("competency.add_assessmentresult")

    def _result_import_job(self, request: HttpRequest, job_id: int) -> ResultImport:
        if not self.has_result_import_permission(request):
            raise PermissionDenied
        user = cast(User, request.user)
        job = imports.result_imports_visible_to(user=user).filter(pk=job_id).first()
        if job is None:
            raise Http404
        return job

    def _result_import_context(self, request: HttpRequest, **extra: Any) -> dict[str, Any]:
        site = self.admin_site  # type: ignore[attr-defined]
        return {**site.each_context(request), "opts": self.opts, **extra}  # type: ignore[attr-defined]

    def result_import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_result_import_permission(request):
            raise PermissionDenied
        form = ResultImportForm(
            request.POST if request.method == "POST" else None, request.FILES or None
        )
        if form.is_valid():
            upload = form.cleaned_data["file"]
            job = imports.start_result_import(
                requested_by=cast(User, request.user),
                uploaded_file=upload,
                file_format=form.file_format,
                original_name=upload.name,
            )
            return redirect(f"admin:{self._result_import_prefix()}_import_job", job_id=job.pk)
        context = self._result_import_context(
            request,
            title=_("Impor hasil asesmen"),
            form=form,
            jobs=imports.result_imports_visible_to(user=cast(User, request.user))[:10],
            required_columns=imports.REQUIRED_COLUMNS,
            optional_columns=imports.OPTIONAL_COLUMNS,
        )
        return TemplateResponse(request, self.result_import_templates["form"], context)

    def result_import_job_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        job = self._result_import_job(request, job_id)
        context = self._result_import_context(
            request,
            title=_("Impor hasil asesmen: %(name)s") % {"name": job.original_name},
            job=job,
            progress=imports.get_progress(job.pk),
            can_apply=job.status == ImportStatus.PREVIEW
            and not job.error_count
            and bool(job.total_rows),
        )
        return TemplateResponse(request, self.result_import_templates["job"], context)

    def result_import_progress_view(self, request: HttpRequest, job_id: int) -> JsonResponse:
        job = self._result_import_job(request, job_id)
        progress = imports.get_progress(job.pk)
        total, done = progress["total"], progress["done"]
        percent = min(100, done * 100 // total) if total else 0
        return JsonResponse(
            {"status": job.status, "done": done, "total": total, "percent": percent}
        )

    def result_import_apply_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        job = self._result_import_job(request, job_id)
        try:
            imports.confirm_result_import(job=job, confirmed_by=cast(User, request.user))
        except imports.ImportNotReady as exc:
            messages.error(request, str(exc))
        return redirect(f"admin:{self._result_import_prefix()}_import_job", job_id=job.pk)

    def result_import_errors_view(self, request: HttpRequest, job_id: int) -> FileResponse:
        job = self._result_import_job(request, job_id)
        if not job.error_report:
            raise Http404
        return FileResponse(
            job.error_report.open("rb"),
            as_attachment=True,
            filename=f"kesalahan-impor-{job.pk}.csv",
            content_type="text/csv; charset=utf-8",
        )

    def _result_import_prefix(self) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}"  # type: ignore[attr-defined]
