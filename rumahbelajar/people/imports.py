"""Reading and checking employee files (CSV/XLSX) for the HR import, and its live progress.

Nothing here writes to the database: people.services applies what `EmployeeRowChecker` plans.
Files are read as streams (csv.reader over the storage file, openpyxl in read-only mode) and
checked in chunks, so memory follows the chunk size rather than the file size; only the sets of
NIPs and emails already seen stay (to report duplicates inside the file).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import logging
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.validators import EmailValidator
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from rumahbelajar.people import selectors
from rumahbelajar.people.models import EmployeeType, ImportFormat, Position, Rank, Unit, User
from rumahbelajar.people.nip import normalize_nip, validate_nip, validate_nip_format
from rumahbelajar.progress import JobProgress

logger = logging.getLogger(__name__)

CHUNK_SIZE = 2000
# The report keeps the first errors only; the count is always complete.
MAX_REPORTED_ERRORS = 500

# Canonical column names (the export writes exactly these, so an exported file imports back)
# and the Indonesian headings people also use.
REQUIRED_COLUMNS = ("nip", "full_name", "email", "employee_type", "unit")
OPTIONAL_COLUMNS = ("position", "rank")
COLUMN_ALIASES = {
    "nama": "full_name",
    "nama_lengkap": "full_name",
    "jenis_pegawai": "employee_type",
    "jenis": "employee_type",
    "unit_kerja": "unit",
    "kode_unit": "unit",
    "jabatan": "position",
    "kode_jabatan": "position",
    "golongan": "rank",
}
# Model field each column writes, for the per-file list of fields an update touches.
COLUMN_FIELDS = {
    "full_name": "full_name",
    "email": "email",
    "employee_type": "employee_type",
    "unit": "unit_id",
    "position": "position_id",
    "rank": "rank",
}

_EMAIL = EmailValidator()
_RANKS = {value.upper(): value for value in Rank.values}
_TYPES = {"PNS": EmployeeType.PNS, "PPPK": EmployeeType.PPPK}


class EmployeeResource(resources.ModelResource):
    """The employee columns for export; the import reads the same headings (see REQUIRED_COLUMNS)."""

    unit = fields.Field(
        attribute="unit", column_name="unit", widget=widgets.ForeignKeyWidget(Unit, field="code")
    )
    position = fields.Field(
        attribute="position",
        column_name="position",
        widget=widgets.ForeignKeyWidget(Position, field="code"),
    )

    class Meta:
        model = User
        fields = ("nip", "full_name", "email", "employee_type", "unit", "position", "rank")
        export_order = fields
        import_id_fields = ("nip",)
        name = gettext_lazy("Pegawai")

    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        # The file opens in a spreadsheet: text that would start a formula is quoted.
        value = super().export_field(field, instance, **kwargs)
        if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
            return "'" + value
        return value


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong type, no header, missing columns, too big)."""


# --- reading --------------------------------------------------------------------------------------


def detect_format(stream: IO[bytes]) -> str:
    """Tells CSV from XLSX by content, never by name; rewinds the stream."""
    stream.seek(0)
    head = stream.read(8192)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(stream) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            raise ImportFileError(_("Berkas ZIP rusak; unggah XLSX atau CSV.")) from None
        finally:
            stream.seek(0)
        if "xl/workbook.xml" not in names:
            raise ImportFileError(_("Berkas ZIP ini bukan buku kerja XLSX."))
        return ImportFormat.XLSX
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(_("Format XLS lama tidak didukung; simpan sebagai XLSX atau CSV."))
    if not head.strip() or b"\x00" in head:
        raise ImportFileError(_("Berkas kosong atau bukan teks CSV / XLSX."))
    return ImportFormat.CSV


@dataclass
class RowSource:
    columns: list[str]
    rows: Iterator[tuple[int, dict[str, Any]]]
    estimated_rows: int


def _canonical_header(raw: list[Any]) -> tuple[list[str], dict[str, int]]:
    names = [str(v or "").strip().lower().replace(" ", "_") for v in raw]
    positions: dict[str, int] = {}
    for index, name in enumerate(names):
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
    return list(positions), positions


def _rows(
    records: Iterator[Any], positions: dict[str, int], first_row: int
) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, record in enumerate(records, start=first_row):
        if record is None or all(v is None or str(v).strip() == "" for v in record):
            continue  # blank lines keep their number but are not rows
        width = len(record)
        yield number, {c: (record[i] if i < width else None) for c, i in positions.items()}


def _count_lines(stream: IO[bytes]) -> int:
    stream.seek(0)
    lines = sum(block.count(b"\n") for block in iter(lambda: stream.read(1 << 20), b""))
    stream.seek(0)
    return lines


@contextmanager
def open_rows(stream: IO[bytes], file_format: str) -> Iterator[RowSource]:
    """Opens an employee file and yields its columns and a stream of (row number, values).

    Row numbers are those a spreadsheet shows: the heading is row 1.
    """
    if file_format == ImportFormat.XLSX:
        yield from _open_xlsx(stream)
    else:
        yield from _open_csv(stream)


def _open_csv(stream: IO[bytes]) -> Iterator[RowSource]:
    estimated = max(_count_lines(stream) - 1, 0)
    sample = stream.read(65536)
    stream.seek(0)
    encoding = "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        encoding = "cp1252"  # what Excel on Windows writes for "CSV" without "UTF-8"
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        head = sample.decode(encoding, errors="ignore")
        try:
            dialect: Any = csv.Sniffer().sniff(head.split("\n", 1)[0], delimiters=",;\t")
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
        columns, positions = _canonical_header(header)
        yield RowSource(columns, _guarded_csv(_rows(reader, positions, 2)), estimated)
    finally:
        text.detach()


def _guarded_csv(
    rows: Iterator[tuple[int, dict[str, Any]]],
) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        yield from rows
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ImportFileError(
            _("Berkas CSV tidak dapat dibaca: %(error)s") % {"error": exc}
        ) from None


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
        columns, positions = _canonical_header(list(header))
        estimated = max((sheet.max_row or 0) - 1, 0)
        yield RowSource(columns, _rows(records, positions, 2), estimated)
    finally:
        workbook.close()


class CsvCopy:
    """A CSV copy of the rows read from an XLSX file, written while they are checked.

    Row numbers survive: rows skipped as blank become blank lines.
    """

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by open())
        self.text = io.TextIOWrapper(self.file, encoding="utf-8", newline="")
        self.writer = csv.writer(self.text)
        self.last_row = 0

    @classmethod
    @contextmanager
    def open(cls, *, enabled: bool) -> Iterator[CsvCopy | None]:
        if not enabled:
            yield None
            return
        copy = cls()
        try:
            yield copy
        finally:
            copy.text.close()

    def add(self, columns: list[str], chunk: list[tuple[int, dict[str, Any]]]) -> None:
        if not self.last_row:
            self.writer.writerow(columns)
            self.last_row = 1
        for number, values in chunk:
            for _blank in range(number - self.last_row - 1):
                self.writer.writerow([])
            self.writer.writerow([_text(values[c]) for c in columns])
            self.last_row = number

    def as_file(self) -> File:
        self.text.flush()
        self.file.seek(0)
        return File(self.file)


# --- checking -------------------------------------------------------------------------------------


@dataclass(slots=True)
class RowError:
    row: int
    field: str
    message: str
    value: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message, "value": self.value}


@dataclass
class ChunkPlan:
    """What one chunk of valid rows would write: model values of new people (with "nip") and of
    changed ones (with "pk")."""

    create: list[dict[str, Any]] = field(default_factory=list)
    update: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CheckOutcome:
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def _values(items: list[str]) -> RawSQL:
    # One array parameter instead of thousands of placeholders in an IN (...) list.
    return RawSQL("SELECT unnest(%s::text[])", [items])


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class EmployeeRowChecker:
    """Checks rows chunk by chunk for one requester and plans the creates and updates.

    Units and positions are looked up by code in bulk (once per new code), existing people by
    NIP and email once per chunk.
    """

    def __init__(self, *, requested_by: User, columns: list[str]) -> None:
        self.requested_by = requested_by
        self.scope: list[str] | None = (
            None if requested_by.is_superuser else selectors.managed_unit_paths(user=requested_by)
        )
        self.columns = set(columns)
        self.update_fields = [COLUMN_FIELDS[c] for c in COLUMN_FIELDS if c in self.columns]
        self.units: dict[str, tuple[int, str] | None] = {}
        self.positions: dict[str, int | None] = {}
        self.seen_nips: dict[str, int] = {}
        self.seen_emails: dict[str, int] = {}
        self.outcome = CheckOutcome()
        self.today = dt.date.today()

    # errors
    def _error(self, row: int, field_name: str, message: str, value: Any = "") -> None:
        self.outcome.error_count += 1
        if len(self.outcome.errors) < MAX_REPORTED_ERRORS:
            self.outcome.errors.append(RowError(row, field_name, message, _text(value)).as_dict())

    def _in_scope(self, path: str | None) -> bool:
        if self.scope is None:
            return True
        return path is not None and any(path.startswith(p) for p in self.scope)

    # per row, without the database
    def _clean_row(self, number: int, raw: dict[str, Any]) -> dict[str, Any] | None:
        errors_before = self.outcome.error_count
        employee_type = _TYPES.get(_text(raw.get("employee_type")).upper())
        if employee_type is None:
            self._error(
                number,
                "employee_type",
                _("Jenis pegawai harus PNS atau PPPK."),
                raw.get("employee_type"),
            )

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
        else:
            try:
                if employee_type is None:
                    validate_nip_format(nip)  # the full rule depends on the type
                else:
                    validate_nip(nip, employee_type, today=self.today)
            except ValidationError as exc:
                self._error(number, "nip", " ".join(exc.messages), nip)
            else:
                if nip in self.seen_nips:
                    self._error(
                        number,
                        "nip",
                        _("NIP ganda dalam berkas: sudah ada di baris %(row)s.")
                        % {"row": self.seen_nips[nip]},
                        nip,
                    )
                else:
                    self.seen_nips[nip] = number

        full_name = _text(raw.get("full_name"))
        if not full_name:
            self._error(number, "full_name", _("Nama wajib diisi."))
        elif len(full_name) > 200:
            self._error(number, "full_name", _("Nama paling banyak 200 karakter."), full_name[:50])

        email = _text(raw.get("email")).lower()
        try:
            if len(email) > 254:
                raise ValidationError("too long")
            _EMAIL(email)
        except ValidationError:
            self._error(number, "email", _("Alamat email tidak valid."), email)
        else:
            if email in self.seen_emails:
                self._error(
                    number,
                    "email",
                    _("Email ganda dalam berkas: sudah ada di baris %(row)s.")
                    % {"row": self.seen_emails[email]},
                    email,
                )
            else:
                self.seen_emails[email] = number

        rank = ""
        if "rank" in self.columns:
            raw_rank = _text(raw.get("rank"))
            if raw_rank:
                rank = _RANKS.get(raw_rank.upper(), "")
                if not rank:
                    self._error(
                        number, "rank", _("Golongan tidak dikenal (contoh: III/a)."), raw_rank
                    )
                elif employee_type == EmployeeType.PPPK:
                    self._error(
                        number, "rank", _("Golongan PNS tidak berlaku untuk PPPK."), raw_rank
                    )

        unit_code = _text(raw.get("unit"))
        if not unit_code:
            self._error(number, "unit", _("Kode unit wajib diisi."))
        position_code = _text(raw.get("position")) if "position" in self.columns else ""

        if self.outcome.error_count != errors_before:
            return None
        return {
            "row": number,
            "nip": nip,
            "full_name": full_name,
            "email": email,
            "employee_type": employee_type,
            "unit": unit_code,
            "position": position_code,
            "rank": rank,
        }

    # lookups, in bulk
    def _load_codes(self, rows: list[dict[str, Any]]) -> None:
        unit_codes = {r["unit"] for r in rows} - self.units.keys()
        if unit_codes:
            self.units.update(dict.fromkeys(unit_codes))
            for pk, code, path in Unit.objects.filter(code__in=unit_codes).values_list(
                "pk", "code", "path"
            ):
                self.units[code] = (pk, path)
        position_codes = {r["position"] for r in rows if r["position"]} - self.positions.keys()
        if position_codes:
            self.positions.update(dict.fromkeys(position_codes))
            self.positions.update(
                {
                    code: pk
                    for pk, code in Position.objects.filter(code__in=position_codes).values_list(
                        "pk", "code"
                    )
                }
            )

    def check_chunk(self, chunk: list[tuple[int, dict[str, Any]]]) -> ChunkPlan:
        self.outcome.total_rows += len(chunk)
        rows = [r for r in (self._clean_row(n, raw) for n, raw in chunk) if r is not None]
        self._load_codes(rows)
        compared = ["pk", "is_staff", "is_superuser", "unit__path", *self.update_fields]
        existing = {
            nip: dict(zip(compared, rest, strict=True))
            for nip, *rest in User.objects.filter(nip__in=_values([r["nip"] for r in rows]))
            .values_list("nip", *compared)
            .order_by()
        }
        email_owner = dict(
            User.objects.filter(email__in=_values([r["email"] for r in rows]))
            .values_list("email", "nip")
            .order_by()
        )
        plan = ChunkPlan()
        for row in rows:
            values = self._check_against_database(row, existing.get(row["nip"]), email_owner)
            if values is None:
                continue
            person = existing.get(row["nip"])
            if person is None:
                plan.create.append({"nip": row["nip"], **values})
                self.outcome.created += 1
            elif any(person[name] != values[name] for name in self.update_fields):
                plan.update.append({"pk": person["pk"], **values})
                self.outcome.updated += 1
            else:
                self.outcome.unchanged += 1
        return plan

    def _check_against_database(
        self, row: dict[str, Any], person: dict[str, Any] | None, email_owner: dict[str, str | None]
    ) -> dict[str, Any] | None:
        """The row's model values, or None after reporting what stops it."""
        number, errors_before = row["row"], self.outcome.error_count
        unit = self.units.get(row["unit"])
        if unit is None:
            self._error(number, "unit", _("Kode unit tidak dikenal."), row["unit"])
        elif not self._in_scope(unit[1]):
            self._error(number, "unit", _("Unit ini di luar unit yang Anda kelola."), row["unit"])
        position_id = None
        if row["position"]:
            position_id = self.positions.get(row["position"])
            if position_id is None:
                self._error(number, "position", _("Kode jabatan tidak dikenal."), row["position"])
        if person is not None and self.scope is not None:
            if person["is_staff"] or person["is_superuser"]:
                self._error(
                    number, "nip", _("Akun admin tidak dapat diubah lewat impor."), row["nip"]
                )
            elif not self._in_scope(person["unit__path"]):
                self._error(
                    number,
                    "nip",
                    _("NIP ini milik pegawai di luar unit yang Anda kelola."),
                    row["nip"],
                )
        if email_owner.get(row["email"], row["nip"]) != row["nip"]:
            self._error(number, "email", _("Email sudah dipakai pengguna lain."), row["email"])
        if self.outcome.error_count != errors_before or unit is None:
            return None
        return {
            "full_name": row["full_name"],
            "email": row["email"],
            "employee_type": row["employee_type"],
            "unit_id": unit[0],
            "position_id": position_id,
            "rank": row["rank"],
        }


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


# --- progress -------------------------------------------------------------------------------------

_progress = JobProgress("people:employee-import")
set_progress = _progress.set
get_progress = _progress.get
