"""The admin bulk upload: files staged privately, imported one by one by a worker
(importing.import_ebook), with a durable per-file report the admin page polls."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ebooks.models import Category, EbookImport, EbookImportStatus
from ebooks.services.importing import ImportOutcome, import_ebook

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
    fires ebooks.run_import on commit.
    """
    from ebooks.tasks import run_ebook_import_task

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
    run_ebook_import_task.delay_on_commit(job_id=job.pk)
    return job


def run_ebook_import(*, job_id: int) -> EbookImport:
    """Imports a bulk upload file by file, each all-or-nothing; after each file the job's report
    grows by one entry (durable progress the admin page polls) and the staged file is deleted.

    Side effects: see import_ebook, per file; holds an advisory lock on the job while working, so
    a second delivery of the task returns at once. Idempotent and resumable: files already in the
    report are skipped. Hands the rest on to a new task (fired after the lock is released) after
    IMPORT_SLICE_SECONDS, so no task nears the Celery time limit.
    """
    from ebooks.tasks import run_ebook_import_task

    with _job_lock(job_id) as locked:
        if not locked:  # another worker is on it
            return EbookImport.objects.get(pk=job_id)
        job, finished = _run_slice(job_id)
    if not finished:
        run_ebook_import_task.delay(job_id=job_id)
    return job


@contextmanager
def _job_lock(job_id: int) -> Iterator[bool]:
    key = f"ebooks-import:{job_id}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [key])
        locked = bool(cursor.fetchone()[0])
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [key])


def _run_slice(job_id: int) -> tuple[EbookImport, bool]:
    """Works on the job for up to IMPORT_SLICE_SECONDS; (job, whether it is finished)."""
    with transaction.atomic():
        job = EbookImport.objects.select_for_update().get(pk=job_id)
        if not job.is_running:
            return job, True
        if job.status != EbookImportStatus.RUNNING:
            job.status = EbookImportStatus.RUNNING
            job.save(update_fields=["status"])
    started = time.monotonic()
    categories = [job.category] if job.category is not None else []
    for index, entry in enumerate(job.files):
        if index < len(job.report):
            continue
        if time.monotonic() - started > IMPORT_SLICE_SECONDS:
            return job, False
        outcome = _import_staged(entry, job, categories)
        _record(job, outcome)
        with suppress(Exception):
            default_storage.delete(entry["path"])
    job.status = EbookImportStatus.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    _delete_staging(job)
    return job, True


def resume_ebook_imports(*, older_than: dt.timedelta = dt.timedelta(minutes=5)) -> list[int]:
    """Fires the import task again for jobs still pending after `older_than` (the broker was away
    when they were queued) and for running ones (a worker that died); a job another worker holds
    is left alone by run_ebook_import's lock. Side effects: fires ebooks.run_import per job."""
    from ebooks.tasks import run_ebook_import_task

    cutoff = timezone.now() - older_than
    ids = list(
        EbookImport.objects.filter(
            Q(status=EbookImportStatus.PENDING, created_at__lt=cutoff)
            | Q(status=EbookImportStatus.RUNNING)
        ).values_list("pk", flat=True)
    )
    for job_id in ids:
        run_ebook_import_task.delay(job_id=job_id)
    return ids


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
    job.save(update_fields=["report", counter])


def fail_ebook_import(*, job_id: int, message: str) -> None:
    """Marks a job failed (the task's last resort). Side effects: deletes its staged files."""
    job = EbookImport.objects.get(pk=job_id)
    job.status = EbookImportStatus.FAILED
    job.message = message
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "finished_at"])
    _delete_staging(job)


def _delete_staging(job: EbookImport) -> None:
    for entry in job.files:
        with suppress(Exception):
            default_storage.delete(entry.get("path", ""))
    with suppress(Exception):
        local = Path(default_storage.path(f"{STAGING_DIR}/{job.pk}"))
        shutil.rmtree(local, ignore_errors=True)


def purge_old_ebook_imports(*, older_than: dt.timedelta = dt.timedelta(days=30)) -> int:
    """Deletes finished import jobs (their reports) older than `older_than`, and any staged files
    they left. Side effects: deletes files from default storage. Returns jobs deleted."""
    old = list(
        EbookImport.objects.filter(created_at__lt=timezone.now() - older_than).exclude(
            status__in=[EbookImportStatus.PENDING, EbookImportStatus.RUNNING]
        )
    )
    for job in old:
        _delete_staging(job)
    EbookImport.objects.filter(pk__in=[job.pk for job in old]).delete()
    return len(old)
