"""The job state machine every import shares; a domain plugs in its columns, checks and writes.

`Pipeline` is the part the e-book bulk upload shares too: queueing after commit, ONE worker entry
point (`run`) that takes a per-job advisory lock (a second delivery returns at once), counts the
attempt on the job and fails it cleanly past IMPORT_MAX_ATTEMPTS (a task that kills its worker is
redelivered by the broker forever otherwise), the resume sweep and the purge.

`RowPipeline` adds the CSV/XLSX flow: start (the file stored privately) → validate every row in
the worker into a preview with a complete error report → confirm → apply all or nothing in ONE
transaction, every row checked again, with progress in the cache.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rumahbelajar.imports.models import ImportFormat, ImportJob, ImportStatus, RowImportJob
from rumahbelajar.imports.reader import Columns, CsvCopy, ImportFileError, chunked, open_rows
from rumahbelajar.imports.reader import text as cell_text
from rumahbelajar.progress import JobProgress
from rumahbelajar.queue import publish, queue_after_commit

logger = logging.getLogger(__name__)

# The preview keeps the first errors; the error report and the count are always complete.
MAX_REPORTED_ERRORS = 500

PIPELINES: dict[str, Pipeline[Any]] = {}


class ImportNotReady(Exception):
    """The import is not in a state that allows this step."""


@contextmanager
def job_lock(name: str, job_id: int) -> Iterator[bool]:
    """A session advisory lock on one job: held while a worker works on it, gone with the worker's
    connection if it dies, so a redelivered or resumed task knows whether someone is on it."""
    key = f"{name}:{job_id}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [key])
        locked = bool(cursor.fetchone()[0])
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [key])


class Pipeline[J: ImportJob]:
    """One kind of import job. Instances register themselves by `name` (the task's argument, the
    lock's and the progress's key)."""

    name: ClassVar[str]
    model: type[J]
    keep_days_setting: ClassVar[str] = "IMPORT_KEEP_DAYS"

    def __init__(self) -> None:
        PIPELINES[self.name] = self
        self.progress = JobProgress(self.name)

    def visible_to(self, *, user: Any) -> QuerySet[J]:
        """Jobs a person may follow: their own; every job for a superuser."""
        jobs = self.model._default_manager.select_related("requested_by")
        return jobs if user.is_superuser else jobs.filter(requested_by=user)

    def progress_of(self, job: J) -> dict[str, int]:
        """{"done": …, "total": …} for the progress bar."""
        return self.progress.get(job.pk)

    # --- the worker ---------------------------------------------------------------------------
    def queue(self, job_id: int) -> None:
        """Runs the job's next step in a worker once the transaction commits."""
        from rumahbelajar.imports.tasks import run_import_task

        queue_after_commit(run_import_task, pipeline=self.name, job_id=job_id)

    def publish(self, job_id: int) -> None:
        """Runs the job's next step in a worker; for callers outside a transaction."""
        from rumahbelajar.imports.tasks import run_import_task

        publish(run_import_task, pipeline=self.name, job_id=job_id)

    def run(self, *, job_id: int) -> None:
        """The worker's entry point: works on the job if it is in a worker state and nobody else
        is on it. Side effects: those of the step; counts the attempt on the job."""
        more = False
        with job_lock(self.name, job_id) as locked:
            if not locked:
                return
            job = self._begin(job_id)
            if job is None:
                return
            try:
                more = self.work(job)
            except Exception:
                logger.exception("%s %s failed", self.name, job_id)
                self.fail(job_id=job_id, message=self.unexpected_message(job.status))
                raise
        if more:  # handed on after the lock is released
            self.publish(job_id)

    def _begin(self, job_id: int) -> J | None:
        with transaction.atomic():
            job = self.model._default_manager.select_for_update().get(pk=job_id)
            if job.status not in job.WORKER_STATES:
                return None
            job.attempts += 1
            job.save(update_fields=["attempts"])
        limit = settings.IMPORT_MAX_ATTEMPTS
        if job.attempts > limit:
            logger.error("%s %s given up after %s attempts", self.name, job_id, limit)
            self.fail(
                job_id=job_id,
                message=_(
                    "Impor dihentikan: pekerja gagal %(count)s kali pada berkas ini. Periksa berkasnya lalu unggah ulang."
                )
                % {"count": limit},
            )
            return None
        job = self.model._default_manager.select_related("requested_by").get(pk=job_id)
        return job

    def work(self, job: J) -> bool:
        """Does the step the job's status asks for; True when the job wants another task."""
        raise NotImplementedError

    def unexpected_message(self, status: str) -> str:
        return _("Terjadi kesalahan tak terduga; impor dihentikan.")

    def fail(self, *, job_id: int, message: str) -> None:
        """Marks the job failed. Side effects: `on_failed` (a domain's clean-up)."""
        self.model._default_manager.filter(pk=job_id).update(
            status=self.model.FAILED, message=message, finished_at=timezone.now()
        )
        self.on_failed(self.model._default_manager.get(pk=job_id))

    def on_failed(self, job: J) -> None:
        pass

    # --- the sweep ----------------------------------------------------------------------------
    def resume(self, *, stalled_after: dt.timedelta) -> list[int]:
        """Queues again every job left in a worker state for `stalled_after`: its task never
        reached the broker, or its worker died. A job a live worker holds is left alone by the
        lock in `run`. Side effects: fires the import task per job."""
        cutoff = timezone.now() - stalled_after
        ids = list(
            self.model._default_manager.filter(
                status__in=self.model.WORKER_STATES, created_at__lt=cutoff
            ).values_list("pk", flat=True)
        )
        for job_id in ids:
            self.publish(job_id)
        return ids

    def purge(self, *, older_than: dt.timedelta | None = None) -> int:
        """Deletes jobs older than `older_than` (the pipeline's keep setting) and their files,
        except those a worker may be working on. Side effects: deletes files from default
        storage after the rows are gone. Returns the jobs deleted."""
        if older_than is None:
            older_than = dt.timedelta(days=getattr(settings, self.keep_days_setting))
        cutoff = timezone.now() - older_than
        working = self.model.WORKER_STATES - {ImportStatus.PENDING}
        old = self.model._default_manager.filter(created_at__lt=cutoff).exclude(status__in=working)
        deleted = 0
        while batch := list(old[:500]):
            with transaction.atomic():
                self.model._default_manager.filter(pk__in=[job.pk for job in batch]).delete()
            for job in batch:
                self.delete_files(job)
            deleted += len(batch)
        return deleted

    def delete_files(self, job: J) -> None:
        for model_field in job._meta.concrete_fields:
            if isinstance(model_field, models.FileField):
                name = getattr(job, model_field.attname)
                if name:
                    try:
                        default_storage.delete(str(name))
                    except OSError:
                        logger.warning("Could not delete import file %s", name, exc_info=True)


# --- the row imports (CSV/XLSX) ---------------------------------------------------------------


class ErrorReport:
    """Every row error of a run, as CSV in a temporary file (the job keeps only the first ones)."""

    HEADER = ("baris", "kolom", "nilai", "kesalahan")

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self.text = io.TextIOWrapper(self.file, encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.text)
        self.writer.writerow(self.HEADER)

    def add(self, row: int, column: str, value: str, message: str) -> None:
        # The report opens in a spreadsheet: text that would start a formula is quoted.
        safe = "'" + value if value.startswith(("=", "+", "-", "@")) else value
        self.writer.writerow([row, column, safe, message])

    def as_file(self) -> File:
        self.text.flush()
        self.file.seek(0)
        return File(self.file)

    def close(self) -> None:
        self.text.close()


@dataclass
class Outcome:
    """What checking a file found. A domain subclasses it with its counters (named in its
    pipeline's `count_fields`) and reports row errors through `error`."""

    report: ErrorReport | None = field(default=None, repr=False, compare=False)
    total_rows: int = 0
    error_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def error(self, row: int, column: str, message: str, value: Any = "") -> None:
        self.error_count += 1
        shown = cell_text(value)[:200]
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append({"row": row, "field": column, "message": message, "value": shown})
        if self.report is not None:
            self.report.add(row, column, shown, message)


class Checker(Protocol):
    @property
    def outcome(self) -> Outcome: ...

    def check_chunk(self, chunk: list[tuple[int, dict[str, Any]]]) -> Any: ...


class Writer(Protocol):
    def write(self, plan: Any) -> None: ...


class _RowsFailed(Exception):
    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome


class RowPipeline[R: RowImportJob](Pipeline[R]):
    """A CSV/XLSX import. A domain sets `columns`, `count_fields`, the row limits and messages,
    and implements `checker`, `writer` (and `after_apply` for its side effects)."""

    columns: ClassVar[Columns]
    # Outcome attribute → job field, e.g. {"created": "created_count"}.
    count_fields: ClassVar[dict[str, str]]
    chunk_size: ClassVar[int] = 2000
    # An XLSX file is swapped for the CSV copy written while it was checked (`file_format`
    # becomes "csv"), so the apply step reads it ~25 times faster.
    apply_reads_csv_copy: ClassVar[bool] = True
    max_bytes_setting: ClassVar[str] = "EMPLOYEE_IMPORT_MAX_BYTES"
    max_rows_setting: ClassVar[str] = "EMPLOYEE_IMPORT_MAX_ROWS"
    conflict_message: ClassVar[Any] = gettext_lazy(
        "Data bentrok dengan perubahan lain; tidak ada yang diterapkan."
    )

    def checker(self, *, job: R, columns: list[str], report: ErrorReport | None) -> Checker:
        raise NotImplementedError

    def writer(self, *, job: R, checker: Any) -> Writer:
        raise NotImplementedError

    def after_apply(self, *, job: R, writer: Any, outcome: Any) -> None:
        """Inside the apply transaction, after the last chunk: the domain's side effects."""

    def max_bytes(self) -> int:
        return int(getattr(settings, self.max_bytes_setting))

    def max_rows(self) -> int:
        return int(getattr(settings, self.max_rows_setting))

    def unexpected_message(self, status: str) -> str:
        if status == ImportStatus.APPLYING:
            return _("Terjadi kesalahan tak terduga; tidak ada yang diterapkan.")
        return _("Terjadi kesalahan tak terduga saat memeriksa berkas.")

    # --- the steps ----------------------------------------------------------------------------
    @transaction.atomic
    def start(
        self, *, requested_by: Any, uploaded_file: File, file_format: str, original_name: str = ""
    ) -> R:
        """Stores the file privately and queues its check.

        Side effects: writes the file to default storage; fires the import task on commit.
        """
        job = self.model(
            requested_by=requested_by,
            file_format=file_format,
            original_name=(original_name or getattr(uploaded_file, "name", "") or "")[:255],
        )
        job.file.save("upload", uploaded_file, save=False)
        job.save(force_insert=True)
        self.queue(job.pk)
        return job

    @transaction.atomic
    def confirm(self, *, job: R, confirmed_by: Any) -> R:
        """Accepts a clean preview and queues the apply step.

        Side effects: locks the job row; fires the import task on commit.
        """
        job = self.model._default_manager.select_for_update().get(pk=job.pk)
        if not job.can_apply:
            raise ImportNotReady(_("Impor ini tidak dapat diterapkan."))
        if job.requested_by_id != confirmed_by.pk and not confirmed_by.is_superuser:  # type: ignore[attr-defined]
            raise ImportNotReady(_("Hanya pengunggah berkas yang dapat menerapkannya."))
        job.status = ImportStatus.APPLYING
        job.attempts = 0
        job.save(update_fields=["status", "attempts"])
        self.queue(job.pk)
        return job

    def work(self, job: R) -> bool:
        if job.status == ImportStatus.APPLYING:
            self.apply(job)
        else:
            self.validate(job)
        return False

    def validate(self, job: R) -> None:
        """Checks every row and stores the preview (counts, first errors, the error report).
        Writes no domain data; a rerun starts over."""
        if job.status != ImportStatus.VALIDATING:
            job.status = ImportStatus.VALIDATING
            job.save(update_fields=["status"])
        report = ErrorReport()
        try:
            copy = self.apply_reads_csv_copy and job.file_format == ImportFormat.XLSX
            with CsvCopy.open(enabled=copy) as csv_copy:
                try:
                    outcome, _writer = self._read(job, report=report, csv_copy=csv_copy)
                except ImportFileError as exc:
                    self._finish(job, status=ImportStatus.FAILED, message=str(exc))
                    return
                if csv_copy is not None and not outcome.error_count:
                    self._store_csv_copy(job, csv_copy)
            self._finish(job, status=ImportStatus.PREVIEW, outcome=outcome, report=report)
        finally:
            report.close()

    def apply(self, job: R) -> None:
        """Applies a previewed file all or nothing: every row is checked again and written in
        chunks inside ONE transaction; any error rolls everything back. The job leaves
        "applying" in the same transaction as the rows it wrote."""
        report = ErrorReport()
        try:
            with transaction.atomic():
                locked = self.model._default_manager.select_for_update().get(pk=job.pk)
                if locked.status != ImportStatus.APPLYING:
                    return
                outcome, writer = self._read(job, report=report, write=True)
                if outcome.error_count:
                    raise _RowsFailed(outcome)
                self.after_apply(job=job, writer=writer, outcome=outcome)
                self._finish(job, status=ImportStatus.DONE, outcome=outcome)
        except _RowsFailed as exc:
            self._finish(
                job,
                status=ImportStatus.FAILED,
                outcome=exc.outcome,
                report=report,
                message=_(
                    "Data berubah sejak pratinjau; tidak ada yang diterapkan. Perbaiki lalu unggah ulang."
                ),
            )
        except ImportFileError as exc:
            self._finish(job, status=ImportStatus.FAILED, message=str(exc))
        except IntegrityError:
            logger.warning("%s %s hit a constraint", self.name, job.pk, exc_info=True)
            self._finish(job, status=ImportStatus.FAILED, message=str(self.conflict_message))
        finally:
            report.close()

    # --- reading ------------------------------------------------------------------------------
    def _read(
        self,
        job: R,
        *,
        report: ErrorReport | None,
        csv_copy: CsvCopy | None = None,
        write: bool = False,
    ) -> tuple[Any, Any]:
        """Reads the job's file and checks every row; with `write`, writes each clean chunk."""
        if job.requested_by is None:  # type: ignore[attr-defined]
            raise ImportFileError(_("Pengguna yang mengunggah berkas ini sudah tidak ada."))
        limit = self.max_rows()
        with (
            default_storage.open(str(job.file.name), "rb") as stream,
            open_rows(stream, job.file_format, self.columns) as source,
        ):
            checker = self.checker(job=job, columns=source.columns, report=report)
            writer = self.writer(job=job, checker=checker) if write else None
            total = max(source.estimated_rows, job.total_rows)
            self.progress.set(job.pk, done=0, total=total)
            for chunk in chunked(source.rows, self.chunk_size):
                plan = checker.check_chunk(chunk)
                if writer is not None and not checker.outcome.error_count:
                    writer.write(plan)
                if csv_copy is not None:
                    csv_copy.add(source.columns, chunk)
                done = checker.outcome.total_rows
                self.progress.set(job.pk, done=done, total=max(total, done))
                if done > limit:
                    raise ImportFileError(_("Berkas melebihi %(limit)s baris.") % {"limit": limit})
        if not checker.outcome.total_rows:
            raise ImportFileError(_("Berkas tidak berisi baris data."))
        return checker.outcome, writer

    def _store_csv_copy(self, job: R, csv_copy: CsvCopy) -> None:
        """Swaps a checked XLSX file for its CSV copy, which the apply step reads much faster."""
        original = job.file.name
        job.file.save("upload.csv", csv_copy.as_file(), save=False)
        job.file_format = ImportFormat.CSV
        job.save(update_fields=["file", "file_format"])
        default_storage.delete(str(original))

    def _finish(
        self,
        job: R,
        *,
        status: str,
        outcome: Outcome | None = None,
        message: str = "",
        report: ErrorReport | None = None,
    ) -> None:
        job.status = status
        job.message = message
        fields = ["status", "message"]
        if outcome is not None:
            job.total_rows = outcome.total_rows
            job.error_count = outcome.error_count
            job.errors = outcome.errors
            fields += ["total_rows", "error_count", "errors"]
            for attr, model_field in self.count_fields.items():
                setattr(job, model_field, getattr(outcome, attr))
                fields.append(model_field)
            if report is not None and outcome.error_count:
                job.error_report.save("errors.csv", report.as_file(), save=False)
                fields.append("error_report")
        if status in job.FINISHED_STATES:
            job.finished_at = timezone.now()
            fields.append("finished_at")
        job.save(update_fields=fields)


def sweep() -> dict[str, tuple[list[int], int]]:
    """The beat sweep over every import: resumes stalled jobs, purges old ones.

    Side effects: fires the import task per stalled job; deletes old jobs and their files.
    """
    stalled_after = dt.timedelta(minutes=settings.IMPORT_STALLED_MINUTES)
    return {
        name: (pipeline.resume(stalled_after=stalled_after), pipeline.purge())
        for name, pipeline in PIPELINES.items()
    }
