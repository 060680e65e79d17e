"""The admin bulk upload: files staged privately, imported one by one by a worker
(importing.import_ebook), with a durable per-file report the admin page polls."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
from collections.abc import Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ebooks import selectors
from ebooks.models import Category, EbookImport, EbookImportStatus
from ebooks.services.importing import ImportOutcome, import_ebook
from rumahbelajar.imports.pipeline import Pipeline

logger = logging.getLogger(__name__)

STAGING_DIR = "ebooks/staging"
# A worker hands a long bulk import on to a fresh task before the Celery time limit is near.
IMPORT_SLICE_SECONDS = 10 * 60


@transaction.atomic
def start_ebook_import(
    *,
    requested_by: Any,
    uploads: Sequence[File],
    category: Category | None = None,
    is_published: bool = True,
) -> EbookImport:
    """Keeps the uploaded files in private staging storage and queues their import.

    Side effects: writes the files to default storage (streamed; deleted again if this fails);
    fires the import task on commit.
    """
    job = EbookImport.objects.create(
        requested_by=requested_by,
        category=category,
        is_published=is_published,
        total_files=len(uploads),
    )
    staged: list[dict[str, str]] = []
    try:
        for index, upload in enumerate(uploads):
            stored = default_storage.save(f"{STAGING_DIR}/{job.pk}/{index:04d}", upload)
            staged.append({"name": Path(upload.name or "").name[:255], "path": stored})
    except BaseException:
        for entry in staged:
            with suppress(Exception):
                default_storage.delete(entry["path"])
        raise
    job.files = staged
    job.save(update_fields=["files"])
    ebook_import.queue(job.pk)
    return job


class EbookImportPipeline(Pipeline[EbookImport]):
    """The bulk upload on the shared job machinery (rumahbelajar.imports.pipeline): its lock,
    attempt counter, resume and purge. A job goes file by file, each all or nothing; after each
    file the report grows by one entry (durable progress the admin page polls), the staged file
    is deleted and the attempt count starts over, so a file that kills its worker fails the job
    after IMPORT_MAX_ATTEMPTS tries instead of looping. Files already in the report are skipped,
    so a job resumes where it stopped. After IMPORT_SLICE_SECONDS the rest is handed on to a
    new task, so no task nears the Celery time limit."""

    name = "ebooks-import"
    model = EbookImport
    keep_days_setting = "EBOOK_IMPORT_KEEP_DAYS"

    def visible_to(self, *, user: Any) -> QuerySet[EbookImport]:
        return selectors.ebook_imports_visible_to(user=user)

    def progress_of(self, job: EbookImport) -> dict[str, int]:
        return {"done": job.done_files, "total": job.total_files}

    def work(self, job: EbookImport) -> bool:
        if job.status != EbookImportStatus.RUNNING:
            job.status = EbookImportStatus.RUNNING
            job.save(update_fields=["status"])
        started = time.monotonic()
        categories = [job.category] if job.category is not None else []
        for index, entry in enumerate(job.files):
            if index < len(job.report):
                continue
            if time.monotonic() - started > IMPORT_SLICE_SECONDS:
                return True
            outcome = _import_staged(entry, job, categories)
            _record(job, outcome)
            with suppress(Exception):
                default_storage.delete(entry["path"])
        job.status = EbookImportStatus.DONE
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at"])
        _delete_staging(job)
        return False

    def on_failed(self, job: EbookImport) -> None:
        _delete_staging(job)

    def delete_files(self, job: EbookImport) -> None:
        _delete_staging(job)


ebook_import = EbookImportPipeline()


def run_ebook_import(*, job_id: int) -> None:
    """Works on a bulk upload (the shared task's step). Side effects: see import_ebook, per file;
    holds the job's lock while working, so a second delivery returns at once."""
    ebook_import.run(job_id=job_id)


def resume_ebook_imports(*, older_than: dt.timedelta = dt.timedelta(minutes=5)) -> list[int]:
    """Fires the import task again for jobs left pending or running (the beat sweep does this
    for every import). Side effects: fires the import task per job."""
    return ebook_import.resume(stalled_after=older_than)


def _import_staged(
    entry: Mapping[str, str], job: EbookImport, categories: list[Category]
) -> ImportOutcome:
    name = entry.get("name", "")
    stored = entry.get("path", "")
    if not stored or not default_storage.exists(stored):
        return ImportOutcome(name, "refused", reason=_("Berkas unggahan tidak ditemukan lagi."))
    try:
        try:
            source: Any = Path(default_storage.path(stored))
            handle = None
        except NotImplementedError:  # remote storage: stream it through a local copy
            handle = source = default_storage.open(stored, "rb")
        try:
            return import_ebook(
                path_or_file=source,
                original_name=name,
                categories=categories,
                is_published=job.is_published,
                uploaded_by=job.requested_by,
            )
        finally:
            if handle is not None:
                handle.close()
    except Exception:
        logger.exception("Unexpected error importing %s (job %s)", name, job.pk)
        return ImportOutcome(
            name, "refused", reason=_("Terjadi kesalahan tak terduga; berkas tidak diimpor.")
        )


def _record(job: EbookImport, outcome: ImportOutcome) -> None:
    job.report = [*job.report, outcome.as_dict()]
    counter = {
        "accepted": "accepted_count",
        "duplicate": "duplicate_count",
        "refused": "refused_count",
    }[outcome.status]
    setattr(job, counter, getattr(job, counter) + 1)
    job.attempts = 0  # progress: the next file gets its own attempts
    job.save(update_fields=["report", counter, "attempts"])


def _delete_staging(job: EbookImport) -> None:
    for entry in job.files:
        with suppress(Exception):
            default_storage.delete(entry.get("path", ""))
    with suppress(Exception):
        local = Path(default_storage.path(f"{STAGING_DIR}/{job.pk}"))
        shutil.rmtree(local, ignore_errors=True)


def purge_old_ebook_imports(*, older_than: dt.timedelta | None = None) -> int:
    """Deletes old finished import jobs (their reports) and any staged files they left
    (EBOOK_IMPORT_KEEP_DAYS; the beat sweep does this). Side effects: deletes files."""
    return ebook_import.purge(older_than=older_than)
