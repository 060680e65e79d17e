"""The CSV/XLSX import of assessment results: reading, set-based checking, and the all-or-nothing
apply. The admin (competency.import_admin) and the tasks (competency.import_tasks) call the
functions at the end of this module; nothing else writes results in bulk.

Flow: start_result_import stores the file and queues validate_result_import (worker), which checks
every row and stores a preview (counts "baru" / "sudah ada" / errors, first errors, a full error
report as CSV). confirm_result_import queues apply_result_import, which checks every row again
(data may have changed since the preview) and inserts the new ones in ONE transaction, chunk by
chunk through COPY into a temporary table and INSERT … SELECT … ON CONFLICT (external_id) DO
NOTHING; any error rolls everything back. The affected maps are marked stale in that transaction
and ONE bulk recompute (recompute_maps_bulk over the affected employees) is queued after commit;
a broker that is down leaves them stale for the minute sweep.

Checking is set-based: per chunk of CHUNK_SIZE rows one query for NIPs (only employees visible to
the uploader), one for existing external_ids and one for existing identical results; the
competency codes are loaded once.

Decisions:
- A NIP outside the HR admin's units gets the same message as an unknown NIP ("tidak dikenal atau
  di luar unit yang Anda kelola"), so the import does not reveal who works elsewhere.
- Idempotency: a row whose external_id is already stored is counted "sudah ada" and skipped (as
  record_result does), even if its values differ: a stored result is never changed. A row
  WITHOUT external_id is "sudah ada" when a result with the same employee, competency, level,
  date and method is already stored (or appeared earlier in the file): the same fact twice is one
  fact, so re-importing a file without keys adds nothing.
- The same external_id twice in a file: identical rows count once (the rest "sudah ada"); different
  values are an error on the later row.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import logging
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from competency import services
from competency.import_models import ResultImport
from competency.models import AssessmentMethod, AssessmentResult, Competency, ResultSource
from rumahbelajar.people import selectors as people_selectors
from rumahbelajar.people.imports import ImportFileError, detect_format
from rumahbelajar.people.models import ImportFormat, ImportStatus, User
from rumahbelajar.people.nip import normalize_nip
from rumahbelajar.progress import JobProgress

__all__ = ["ImportFileError", "detect_format"]

logger = logging.getLogger(__name__)

CHUNK_SIZE = 5000
# The preview keeps the first errors; the error report and the count are always complete.
MAX_REPORTED_ERRORS = 500

REQUIRED_COLUMNS = ("nip", "competency", "level", "assessed_on")
OPTIONAL_COLUMNS = ("method", "external_id")
COLUMN_ALIASES = {
    "kompetensi": "competency",
    "kode_kompetensi": "competency",
    "tanggal": "assessed_on",
    "tanggal_asesmen": "assessed_on",
    "metode": "method",
    "id_eksternal": "external_id",
}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_METHODS = set(AssessmentMethod.values)


def max_bytes() -> int:
    """RESULT_IMPORT_MAX_BYTES when set, else the employee import's limit."""
    return getattr(settings, "RESULT_IMPORT_MAX_BYTES", settings.EMPLOYEE_IMPORT_MAX_BYTES)


def max_rows() -> int:
    return getattr(settings, "RESULT_IMPORT_MAX_ROWS", settings.EMPLOYEE_IMPORT_MAX_ROWS)


class ImportNotReady(Exception):
    """The import is not in a state that allows this step."""


# --- reading --------------------------------------------------------------------------------------


@dataclass
class RowSource:
    columns: list[str]
    rows: Iterator[tuple[int, dict[str, Any]]]
    estimated_rows: int


def _positions(raw: list[Any]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, value in enumerate(raw):
        name = str(value or "").strip().lower().replace(" ", "_")
        canonical = COLUMN_ALIASES.get(name, name)
        if canonical in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
            if canonical in positions:
                raise ImportFileError(_("Kolom %(name)s muncul dua kali.") % {"name": canonical})
            positions[canonical] = index
    missing = [c for c in REQUIRED_COLUMNS if c not in positions]
    if missing:
        raise ImportFileError(
            _("Kolom wajib tidak ada: %(columns)s. Baris pertama harus berisi judul kolom.")
            % {"columns": ", ".join(missing)}
        )
    return positions


def _rows(
    records: Iterator[Any], positions: dict[str, int]
) -> Iterator[tuple[int, dict[str, Any]]]:
    # Row numbers are those a spreadsheet shows: the heading is row 1.
    for number, record in enumerate(records, start=2):
        if not record or all(v is None or str(v).strip() == "" for v in record):
            continue
        width = len(record)
        yield number, {c: (record[i] if i < width else None) for c, i in positions.items()}


@contextmanager
def open_rows(stream: IO[bytes], file_format: str) -> Iterator[RowSource]:
    if file_format == ImportFormat.XLSX:
        with _open_xlsx(stream) as source:
            yield source
    else:
        with _open_csv(stream) as source:
            yield source


@contextmanager
def _open_csv(stream: IO[bytes]) -> Iterator[RowSource]:
    stream.seek(0)
    estimated = sum(block.count(b"\n") for block in iter(lambda: stream.read(1 << 20), b""))
    stream.seek(0)
    sample = stream.read(65536)
    stream.seek(0)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        raise ImportFileError(_("Berkas CSV harus berenkode UTF-8.")) from None
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        first_line = sample.decode("utf-8", errors="ignore").lstrip("\ufeff").split("\n", 1)[0]
        try:
            dialect: Any = csv.Sniffer().sniff(first_line, delimiters=",;")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(text, dialect)
        try:
            header = next(reader)
        except StopIteration:
            raise ImportFileError(_("Berkas kosong.")) from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ImportFileError(
                _("Berkas CSV tidak dapat dibaca: %(error)s") % {"error": exc}
            ) from None
        positions = _positions(header)
        yield RowSource(list(positions), _guarded(_rows(reader, positions)), max(estimated - 1, 0))
    finally:
        text.detach()


def _guarded(rows: Iterator[tuple[int, dict[str, Any]]]) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        yield from rows
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ImportFileError(
            _("Berkas CSV tidak dapat dibaca: %(error)s") % {"error": exc}
        ) from None


@contextmanager
def _open_xlsx(stream: IO[bytes]) -> Iterator[RowSource]:
    from openpyxl import load_workbook  # only the import needs it

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError(
            _("Berkas XLSX tidak dapat dibaca: %(error)s") % {"error": exc}
        ) from None
    try:
        sheet = workbook.worksheets[0]
        records = sheet.iter_rows(values_only=True)
        try:
            header = next(records)
        except StopIteration:
            raise ImportFileError(_("Lembar kerja pertama kosong.")) from None
        positions = _positions(list(header))
        yield RowSource(
            list(positions), _rows(records, positions), max((sheet.max_row or 1) - 1, 0)
        )
    finally:
        workbook.close()


def chunked(
    rows: Iterator[tuple[int, dict[str, Any]]], size: int = CHUNK_SIZE
) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    chunk: list[tuple[int, dict[str, Any]]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- checking -------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    return str(value).strip()


def _safe_cell(value: str) -> str:
    # The report opens in a spreadsheet: text that would start a formula is quoted.
    return "'" + value if value.startswith(("=", "+", "-", "@")) else value


class ErrorReport:
    """Every row error of a run, as CSV in a temporary file (the job keeps only the first ones)."""

    HEADER = ("baris", "kolom", "nilai", "kesalahan")

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self.text = io.TextIOWrapper(self.file, encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.text)
        self.writer.writerow(self.HEADER)

    def add(self, row: int, column: str, value: str, message: str) -> None:
        self.writer.writerow([row, column, _safe_cell(value), message])

    def as_file(self) -> File:
        self.text.flush()
        self.file.seek(0)
        return File(self.file)

    def close(self) -> None:
        self.text.close()


# employee_id, competency_id, level, assessed_on, method, external_id
NewRow = tuple[int, int, int, dt.date, str, str | None]


@dataclass
class CheckOutcome:
    total_rows: int = 0
    new: int = 0
    existing: int = 0
    error_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


class ResultRowChecker:
    """Checks rows chunk by chunk for one uploader; returns the rows that would be new."""

    def __init__(self, *, requested_by: User, report: ErrorReport | None = None) -> None:
        self.visible = people_selectors.employees_visible_to(user=requested_by)
        self.report = report
        self.today = timezone.localdate()
        self.competencies = {
            code.upper(): (pk, active)
            for pk, code, active in Competency.objects.values_list("pk", "code", "is_active")
        }
        self.employees: dict[str, int | None] = {}
        self.seen_keys: dict[str, tuple[int, tuple[Any, ...]]] = {}
        self.seen_facts: set[tuple[Any, ...]] = set()
        self.outcome = CheckOutcome()

    def _error(self, row: int, column: str, message: str, value: Any = "") -> None:
        self.outcome.error_count += 1
        text = _text(value)[:200]
        if len(self.outcome.errors) < MAX_REPORTED_ERRORS:
            self.outcome.errors.append(
                {"row": row, "field": column, "message": message, "value": text}
            )
        if self.report is not None:
            self.report.add(row, column, text, message)

    # per row, without the database
    def _clean(self, number: int, raw: dict[str, Any]) -> dict[str, Any] | None:
        errors_before = self.outcome.error_count
        raw_nip = raw.get("nip")
        nip = normalize_nip(_text(raw_nip))
        if isinstance(raw_nip, float):
            self._error(
                number,
                "nip",
                _(
                    "NIP tersimpan sebagai angka sehingga digit terakhirnya hilang; format kolom NIP sebagai Teks."
                ),
                raw_nip,
            )
        elif not nip:
            self._error(number, "nip", _("NIP wajib diisi."))

        code = _text(raw.get("competency")).upper()
        competency = self.competencies.get(code)
        if not code:
            self._error(number, "competency", _("Kode kompetensi wajib diisi."))
        elif competency is None:
            self._error(number, "competency", _("Kode kompetensi tidak dikenal."), code)
        elif not competency[1]:
            self._error(number, "competency", _("Kompetensi tidak aktif."), code)

        level = _level(raw.get("level"))
        assessed_on = _date(raw.get("assessed_on"))
        method = (
            _text(raw.get("method")).lower().replace(" ", "_") or AssessmentMethod.UJI_KOMPETENSI
        )
        external_id = _text(raw.get("external_id")) or None
        try:
            services.validate_result(
                level=level,
                assessed_on=assessed_on,
                method=method,
                source=ResultSource.IMPORT,
                external_id=external_id,
                today=self.today,
            )
        except services.InvalidResult as exc:
            for column, message in exc.errors.items():
                self._error(number, column, message, raw.get(column))
        if self.outcome.error_count != errors_before:
            return None
        return {
            "row": number,
            "nip": nip,
            "competency_id": competency[0],  # type: ignore[index]
            "level": level,
            "assessed_on": assessed_on,
            "method": method,
            "external_id": external_id,
        }

    def _load_employees(self, nips: set[str]) -> None:
        missing = list(nips - self.employees.keys())
        if not missing:
            return
        self.employees.update(dict.fromkeys(missing))
        found = self.visible.filter(nip__in=missing).order_by().values_list("nip", "pk")
        self.employees.update({nip: pk for nip, pk in found if nip})

    def check_chunk(self, chunk: list[tuple[int, dict[str, Any]]]) -> list[NewRow]:
        self.outcome.total_rows += len(chunk)
        rows = [r for r in (self._clean(n, raw) for n, raw in chunk) if r is not None]
        self._load_employees({r["nip"] for r in rows})
        placed = []
        for row in rows:
            employee_id = self.employees.get(row["nip"])
            if employee_id is None:
                self._error(
                    row["row"],
                    "nip",
                    _("NIP tidak dikenal atau di luar unit yang Anda kelola."),
                    row["nip"],
                )
                continue
            row["employee_id"] = employee_id
            placed.append(row)
        keys = [r["external_id"] for r in placed if r["external_id"] is not None]
        stored_keys = (
            set(
                AssessmentResult.objects.filter(external_id__in=keys)
                .order_by()
                .values_list("external_id", flat=True)
            )
            if keys
            else set()
        )
        stored_facts = _stored_facts([r for r in placed if r["external_id"] is None])
        new: list[NewRow] = []
        for row in placed:
            fact = (
                row["employee_id"],
                row["competency_id"],
                row["level"],
                row["assessed_on"],
                row["method"],
            )
            key = row["external_id"]
            if key is not None:
                seen = self.seen_keys.get(key)
                if seen is not None:
                    if seen[1] != fact:
                        self._error(
                            row["row"],
                            "external_id",
                            _(
                                "ID eksternal ganda dalam berkas dengan nilai berbeda: lihat baris %(row)s."
                            )
                            % {"row": seen[0]},
                            key,
                        )
                    else:
                        self.outcome.existing += 1
                    continue
                self.seen_keys[key] = (row["row"], fact)
                if key in stored_keys:
                    self.outcome.existing += 1
                    continue
            else:
                if fact in self.seen_facts or fact in stored_facts:
                    self.outcome.existing += 1
                    continue
                self.seen_facts.add(fact)
            self.outcome.new += 1
            new.append((*fact, key))
        return new


def _level(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _text(value)
    return int(text) if text.isdigit() and len(text) < 3 else text


def _date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if _DATE_RE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return text
    return text


def _stored_facts(rows: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    """Stored results identical to rows without external_id, in one query."""
    if not rows:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT r.employee_id, r.competency_id, r.level, r.assessed_on, r.method
            FROM competency_assessmentresult r
            JOIN (SELECT DISTINCT * FROM unnest(%s::bigint[], %s::bigint[], %s::date[]))
                AS k(employee_id, competency_id, assessed_on)
              ON r.employee_id = k.employee_id AND r.competency_id = k.competency_id
             AND r.assessed_on = k.assessed_on
            """,
            [
                [r["employee_id"] for r in rows],
                [r["competency_id"] for r in rows],
                [r["assessed_on"] for r in rows],
            ],
        )
        return set(cursor.fetchall())


# --- writing --------------------------------------------------------------------------------------

_TEMP = "competency_result_import_rows"
_INSERT_SQL = f"""
    INSERT INTO competency_assessmentresult
        (employee_id, competency_id, level, assessed_on, method, external_id, source,
         recorded_by_id, recorded_at)
    SELECT employee_id, competency_id, level, assessed_on, method, external_id, %s, %s,
           statement_timestamp()
    FROM {_TEMP}
    ON CONFLICT (external_id) WHERE external_id IS NOT NULL DO NOTHING
    RETURNING employee_id
"""  # noqa: S608 (a constant table name)


class ResultWriter:
    """Inserts checked chunks: COPY into a temporary table, then one INSERT … SELECT with
    ON CONFLICT DO NOTHING (a concurrent insert of the same external_id is skipped, not an error).
    Must run inside a transaction."""

    def __init__(self, *, recorded_by_id: int | None) -> None:
        self.recorded_by_id = recorded_by_id
        self.inserted = 0
        self.employee_ids: set[int] = set()
        self.ready = False

    def write(self, rows: list[NewRow]) -> None:
        if not rows:
            return
        with connection.cursor() as cursor:
            if not self.ready:
                # IF NOT EXISTS + TRUNCATE: a savepoint (tests, nested atomic) does not drop it.
                cursor.execute(
                    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_TEMP} (employee_id bigint,"
                    " competency_id bigint, level smallint, assessed_on date,"
                    " method varchar(30), external_id varchar(100)) ON COMMIT DROP"
                )
                cursor.execute(f"TRUNCATE {_TEMP}")
                self.ready = True
            copy_sql = (
                f"COPY {_TEMP} (employee_id, competency_id, level, assessed_on, method,"
                " external_id) FROM STDIN"
            )
            with cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(_INSERT_SQL, [ResultSource.IMPORT, self.recorded_by_id])
            returned = cursor.fetchall()
            self.inserted += len(returned)
            self.employee_ids.update(r[0] for r in returned)
            cursor.execute(f"TRUNCATE {_TEMP}")


# --- progress -------------------------------------------------------------------------------------

_progress = JobProgress("competency:result-import")
set_progress = _progress.set
get_progress = _progress.get


# --- the job --------------------------------------------------------------------------------------


def result_imports_visible_to(*, user: User) -> Any:
    """Import jobs a person may follow: their own; every job for a superuser."""
    jobs = ResultImport.objects.select_related("requested_by")
    return jobs if user.is_superuser else jobs.filter(requested_by=user)


@transaction.atomic
def start_result_import(
    *, requested_by: User, uploaded_file: File, file_format: str, original_name: str = ""
) -> ResultImport:
    """Stores the file privately and queues its check.

    Side effects: writes the file to default storage; fires competency.validate_result_import on
    commit.
    """
    from competency.import_tasks import validate_result_import_task

    job = ResultImport(
        requested_by=requested_by,
        file_format=file_format,
        original_name=(original_name or getattr(uploaded_file, "name", "") or "")[:255],
    )
    job.file.save("upload", uploaded_file, save=False)
    job.save(force_insert=True)
    validate_result_import_task.delay_on_commit(job_id=job.pk)
    return job


def _run(
    job: ResultImport, *, writer: ResultWriter | None = None, report: ErrorReport | None = None
) -> CheckOutcome:
    """Reads the job's file and checks every row; with a writer, writes each clean chunk."""
    if job.requested_by is None:
        raise ImportFileError(_("Pengguna yang mengunggah berkas ini sudah tidak ada."))
    with (
        default_storage.open(str(job.file.name), "rb") as stream,
        open_rows(stream, job.file_format) as source,
    ):
        checker = ResultRowChecker(requested_by=job.requested_by, report=report)
        total = max(source.estimated_rows, job.total_rows)
        set_progress(job.pk, done=0, total=total)
        for chunk in chunked(source.rows):
            new = checker.check_chunk(chunk)
            if writer is not None and not checker.outcome.error_count:
                writer.write(new)
            done = checker.outcome.total_rows
            set_progress(job.pk, done=done, total=max(total, done))
            if done > max_rows():
                raise ImportFileError(_("Berkas melebihi %(limit)s baris.") % {"limit": max_rows()})
    if not checker.outcome.total_rows:
        raise ImportFileError(_("Berkas tidak berisi baris data."))
    return checker.outcome


def _finish(
    job: ResultImport,
    *,
    status: str,
    outcome: CheckOutcome | None = None,
    message: str = "",
    report: ErrorReport | None = None,
) -> None:
    job.status = status
    job.message = message
    fields = ["status", "message"]
    if outcome is not None:
        job.total_rows = outcome.total_rows
        job.new_count = outcome.new
        job.existing_count = outcome.existing
        job.error_count = outcome.error_count
        job.errors = outcome.errors
        fields += ["total_rows", "new_count", "existing_count", "error_count", "errors"]
        if report is not None and outcome.error_count:
            job.error_report.save("errors.csv", report.as_file(), save=False)
            fields.append("error_report")
    if status in {ImportStatus.DONE, ImportStatus.FAILED}:
        job.finished_at = timezone.now()
        fields.append("finished_at")
    job.save(update_fields=fields)


def validate_result_import(*, job_id: int) -> ResultImport:
    """Checks every row and stores the preview (counts, first errors, the full error report).

    Side effects: locks the job row briefly; writes progress to the cache and the error report
    to default storage. Writes no results. Idempotent: a job past validation is left alone.
    """
    with transaction.atomic():
        job = (
            ResultImport.objects.select_for_update(of=("self",))
            .select_related("requested_by")
            .get(pk=job_id)
        )
        if job.status not in {ImportStatus.PENDING, ImportStatus.VALIDATING}:
            return job
        job.status = ImportStatus.VALIDATING
        job.save(update_fields=["status"])
    report = ErrorReport()
    try:
        outcome = _run(job, report=report)
        _finish(job, status=ImportStatus.PREVIEW, outcome=outcome, report=report)
    except ImportFileError as exc:
        _finish(job, status=ImportStatus.FAILED, message=str(exc))
    except Exception:
        _finish(
            job,
            status=ImportStatus.FAILED,
            message=_("Terjadi kesalahan tak terduga saat memeriksa berkas."),
        )
        raise
    finally:
        report.close()
    return job


@transaction.atomic
def confirm_result_import(*, job: ResultImport, confirmed_by: User) -> ResultImport:
    """Accepts a clean preview and queues the apply step.

    Side effects: locks the job row; fires competency.apply_result_import on commit.
    """
    from competency.import_tasks import apply_result_import_task

    job = ResultImport.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportStatus.PREVIEW or job.error_count or not job.total_rows:
        raise ImportNotReady(_("Impor ini tidak dapat diterapkan."))
    if job.requested_by_id != confirmed_by.pk and not confirmed_by.is_superuser:
        raise ImportNotReady(_("Hanya pengunggah berkas yang dapat menerapkannya."))
    job.status = ImportStatus.APPLYING
    job.save(update_fields=["status"])
    apply_result_import_task.delay_on_commit(job_id=job.pk)
    return job


class _RowsFailed(Exception):
    def __init__(self, outcome: CheckOutcome) -> None:
        self.outcome = outcome


def apply_result_import(*, job_id: int) -> ResultImport:
    """Applies a previewed file all-or-nothing: every row is checked again and the new ones
    inserted in chunks inside ONE transaction; any error rolls everything back.

    Side effects: locks the job row for the whole run; bulk-inserts results; marks the affected
    maps stale (set-based) in the same transaction; fires ONE
    competency.recompute_result_import_maps after commit; writes progress to the cache.
    Idempotent: only a job in "applying" is worked on, and it leaves that state in the same
    transaction as the results it wrote.
    """
    from competency.import_tasks import recompute_result_import_maps_task

    job = ResultImport.objects.select_related("requested_by").get(pk=job_id)
    report = ErrorReport()
    try:
        with transaction.atomic():
            locked = ResultImport.objects.select_for_update().get(pk=job_id)
            if locked.status != ImportStatus.APPLYING:
                return locked
            writer = ResultWriter(recorded_by_id=job.requested_by_id)
            outcome = _run(job, writer=writer, report=report)
            if outcome.error_count:
                raise _RowsFailed(outcome)
            # Rows lost to a concurrent insert of the same external_id are "sudah ada" now.
            outcome.existing += outcome.new - writer.inserted
            outcome.new = writer.inserted
            affected = sorted(writer.employee_ids)
            services.mark_maps_stale(employee_ids=affected)
            job.affected_employee_ids = affected
            job.save(update_fields=["affected_employee_ids"])
            _finish(job, status=ImportStatus.DONE, outcome=outcome)
            if affected:
                recompute_result_import_maps_task.delay_on_commit(job_id=job.pk)
    except _RowsFailed as exc:
        _finish(
            job,
            status=ImportStatus.FAILED,
            outcome=exc.outcome,
            report=report,
            message=_(
                "Data berubah sejak pratinjau; tidak ada yang diterapkan. Perbaiki lalu unggah ulang."
            ),
        )
    except ImportFileError as exc:
        _finish(job, status=ImportStatus.FAILED, message=str(exc))
    except IntegrityError:
        logger.warning("Result import %s hit a constraint", job_id, exc_info=True)
        _finish(
            job,
            status=ImportStatus.FAILED,
            message=_("Data bentrok dengan perubahan lain; tidak ada yang diterapkan."),
        )
    except Exception:
        _finish(
            job,
            status=ImportStatus.FAILED,
            message=_("Terjadi kesalahan tak terduga; tidak ada yang diterapkan."),
        )
        raise
    finally:
        report.close()
    return job


def recompute_result_import_maps(*, job_id: int) -> int:
    """Recomputes, set-based and chunked, the maps of everyone an applied import touched.

    Side effects: as services.recompute_maps_bulk. Returns how many maps were recomputed.
    """
    ids = (
        ResultImport.objects.filter(pk=job_id, status=ImportStatus.DONE)
        .values_list("affected_employee_ids", flat=True)
        .first()
    )
    return services.recompute_maps_bulk(employee_ids=ids or [])
