"""The CSV/XLSX import of assessment results: its columns, set-based checking and the writer, on
the shared pipeline (rumahbelajar.imports). The admin (competency.admin) and the shared task call
`result_import`; nothing else writes results in bulk.

Flow: start stores the file and queues the validation (worker), which checks
every row and stores a preview (counts "baru" / "sudah ada" / errors, first errors, a full error
report as CSV). confirm queues the apply step, which checks every row again
(data may have changed since the preview) and inserts the new ones in ONE transaction, chunk by
chunk through COPY into a temporary table and INSERT … SELECT … ON CONFLICT (external_id) DO
NOTHING; any error rolls everything back. The affected maps are marked stale in that transaction
and ONE bulk recompute (recompute_maps_bulk over the affected employees) is queued after commit;
a broker that is down leaves them stale for the minute sweep.

Checking is set-based: per chunk of 5,000 rows one query for NIPs (only employees visible to
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

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from competency import services
from competency.models import (
    AssessmentMethod,
    AssessmentResult,
    Competency,
    ResultImport,
    ResultSource,
)
from rumahbelajar.imports.models import ImportStatus
from rumahbelajar.imports.pipeline import ErrorReport, Outcome, RowPipeline
from rumahbelajar.imports.reader import Columns
from rumahbelajar.imports.reader import nip as nip_cell
from rumahbelajar.imports.reader import text as _text
from rumahbelajar.people import selectors as people_selectors
from rumahbelajar.people.models import User
from rumahbelajar.queue import queue_after_commit

REQUIRED_COLUMNS = ("nip", "competency", "level", "assessed_on")
OPTIONAL_COLUMNS = ("method", "external_id")
_ALIASES = {
    "kompetensi": "competency",
    "kode_kompetensi": "competency",
    "tanggal": "assessed_on",
    "tanggal_asesmen": "assessed_on",
    "metode": "method",
    "id_eksternal": "external_id",
}
COLUMNS = Columns(REQUIRED_COLUMNS, OPTIONAL_COLUMNS, _ALIASES)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_METHODS = set(AssessmentMethod.values)


# --- checking -------------------------------------------------------------------------------------


# employee_id, competency_id, level, assessed_on, method, external_id
NewRow = tuple[int, int, int, dt.date, str, str | None]


@dataclass
class CheckOutcome(Outcome):
    new: int = 0
    existing: int = 0


class ResultRowChecker:
    """Checks rows chunk by chunk for one uploader; returns the rows that would be new."""

    def __init__(self, *, requested_by: User, report: ErrorReport | None = None) -> None:
        self.visible = people_selectors.employees_visible_to(user=requested_by)
        self.today = timezone.localdate()
        self.competencies = {
            code.upper(): (pk, active)
            for pk, code, active in Competency.objects.values_list("pk", "code", "is_active")
        }
        self.employees: dict[str, int | None] = {}
        self.seen_keys: dict[str, tuple[int, tuple[Any, ...]]] = {}
        self.seen_facts: set[tuple[Any, ...]] = set()
        self.outcome = CheckOutcome(report=report)

    def _error(self, row: int, column: str, message: str, value: Any = "") -> None:
        self.outcome.error(row, column, message, value)

    # per row, without the database
    def _clean(self, number: int, raw: dict[str, Any]) -> dict[str, Any] | None:
        errors_before = self.outcome.error_count
        nip, nip_error = nip_cell(raw.get("nip"))
        if nip_error:
            self._error(number, "nip", nip_error, raw.get("nip"))

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


# --- the job --------------------------------------------------------------------------------------


class ResultImportPipeline(RowPipeline[ResultImport]):
    """The assessment-result import: the shared pipeline with the result columns and writer.

    Side effects of apply: bulk-inserts results; marks the affected maps stale (set-based) in the
    same transaction; fires ONE competency.recompute_result_import_maps after commit.
    """

    name = "result-import"
    model = ResultImport
    columns = COLUMNS
    count_fields = {"new": "new_count", "existing": "existing_count"}
    chunk_size = 5000
    # The job keeps the format it was uploaded in (tests/competency/test_import.py pins it).
    apply_reads_csv_copy = False
    max_bytes_setting = "RESULT_IMPORT_MAX_BYTES"
    max_rows_setting = "RESULT_IMPORT_MAX_ROWS"

    def max_bytes(self) -> int:
        """RESULT_IMPORT_MAX_BYTES when set, else the employee import's limit."""
        return getattr(settings, self.max_bytes_setting, settings.EMPLOYEE_IMPORT_MAX_BYTES)

    def max_rows(self) -> int:
        return getattr(settings, self.max_rows_setting, settings.EMPLOYEE_IMPORT_MAX_ROWS)

    def checker(
        self, *, job: ResultImport, columns: list[str], report: ErrorReport | None
    ) -> ResultRowChecker:
        assert job.requested_by is not None  # the pipeline refuses an orphaned job
        return ResultRowChecker(requested_by=job.requested_by, report=report)

    def writer(self, *, job: ResultImport, checker: Any) -> ResultWriter:
        return ResultWriter(recorded_by_id=job.requested_by_id)

    def after_apply(self, *, job: ResultImport, writer: Any, outcome: Any) -> None:
        from competency.tasks import recompute_result_import_maps_task

        # Rows lost to a concurrent insert of the same external_id are "sudah ada" now.
        outcome.existing += outcome.new - writer.inserted
        outcome.new = writer.inserted
        affected = sorted(writer.employee_ids)
        services.mark_maps_stale(employee_ids=affected)
        job.affected_employee_ids = affected
        job.save(update_fields=["affected_employee_ids"])
        if affected:
            queue_after_commit(recompute_result_import_maps_task, job_id=job.pk)


result_import = ResultImportPipeline()


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
