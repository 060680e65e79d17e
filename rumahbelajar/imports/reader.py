"""Reading an import file: CSV or XLSX, told apart by content, streamed row by row.

CSV: UTF-8 (with or without BOM) or Windows-1252, which Excel on Windows writes for "CSV"; comma,
semicolon or tab as delimiter. XLSX: the first sheet, through openpyxl in read-only mode, after
its zip entries passed the size and ratio checks (a zip bomb is refused before openpyxl inflates
shared strings). Headings are matched case- and space-insensitively, with each domain's aliases.
Row numbers are those a spreadsheet shows: the heading is row 1.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.files.base import File
from django.utils.translation import gettext as _

from rumahbelajar.imports.models import ImportFormat
from rumahbelajar.people.nip import normalize_nip

Row = tuple[int, dict[str, Any]]
# An entry this small cannot be a bomb whatever its ratio (a styles.xml of repeated tags).
_RATIO_FLOOR_BYTES = 1024 * 1024


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong type, no header, missing columns, too big)."""


@dataclass(frozen=True)
class Columns:
    """A domain's columns: canonical names (an export writes these) and the headings people use."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)

    def positions(self, heading: list[Any]) -> dict[str, int]:
        positions: dict[str, int] = {}
        for index, value in enumerate(heading):
            name = str(value or "").strip().lower().replace(" ", "_")
            canonical = self.aliases.get(name, name)
            if canonical in self.required + self.optional:
                if canonical in positions:
                    raise ImportFileError(
                        _("Kolom %(name)s muncul dua kali.") % {"name": canonical}
                    )
                positions[canonical] = index
        missing = [c for c in self.required if c not in positions]
        if missing:
            raise ImportFileError(
                _("Kolom wajib tidak ada: %(columns)s. Baris pertama harus berisi judul kolom.")
                % {"columns": ", ".join(missing)}
            )
        return positions


@dataclass
class RowSource:
    columns: list[str]
    rows: Iterator[Row]
    estimated_rows: int


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


@contextmanager
def open_rows(stream: IO[bytes], file_format: str, columns: Columns) -> Iterator[RowSource]:
    """Opens a file and yields its columns and a stream of (row number, values by column)."""
    opener = _open_xlsx if file_format == ImportFormat.XLSX else _open_csv
    with opener(stream, columns) as source:
        yield source


def _rows(records: Iterator[Any], positions: dict[str, int]) -> Iterator[Row]:
    for number, record in enumerate(records, start=2):
        if not record or all(v is None or str(v).strip() == "" for v in record):
            continue  # blank lines keep their number but are not rows
        width = len(record)
        yield number, {c: (record[i] if i < width else None) for c, i in positions.items()}


def _csv_error(exc: Exception) -> ImportFileError:
    return ImportFileError(_("Berkas CSV tidak dapat dibaca: %(error)s") % {"error": exc})


def _guarded(rows: Iterator[Row]) -> Iterator[Row]:
    try:
        yield from rows
    except (csv.Error, UnicodeDecodeError) as exc:
        raise _csv_error(exc) from None


@contextmanager
def _open_csv(stream: IO[bytes], columns: Columns) -> Iterator[RowSource]:
    stream.seek(0)
    lines = sum(block.count(b"\n") for block in iter(lambda: stream.read(1 << 20), b""))
    stream.seek(0)
    sample = stream.read(65536)
    stream.seek(0)
    encoding = "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        encoding = "cp1252"  # what Excel on Windows writes for "CSV" without "UTF-8"
    text = io.TextIOWrapper(stream, encoding=encoding, newline="", errors="strict")
    try:
        first_line = sample.decode(encoding, errors="ignore").lstrip("\ufeff").split("\n", 1)[0]
        try:
            dialect: Any = csv.Sniffer().sniff(first_line, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(text, dialect)
        try:
            heading = next(reader)
        except StopIteration:
            raise ImportFileError(_("Berkas kosong.")) from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise _csv_error(exc) from None
        positions = columns.positions(heading)
        yield RowSource(list(positions), _guarded(_rows(reader, positions)), max(lines - 1, 0))
    finally:
        text.detach()


def check_xlsx_archive(stream: IO[bytes]) -> None:
    """Refuses an XLSX whose zip entries would inflate beyond IMPORT_XLSX_MAX_ENTRY_BYTES each
    (or in total), or by more than IMPORT_XLSX_MAX_RATIO times: openpyxl reads shared strings
    into memory whole, so a zip bomb must stop here. The sizes are those the archive declares,
    and zipfile never inflates an entry past its declared size. Rewinds the stream."""
    limit = settings.IMPORT_XLSX_MAX_ENTRY_BYTES
    ratio = settings.IMPORT_XLSX_MAX_RATIO
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile:
        raise ImportFileError(_("Berkas ZIP rusak; unggah XLSX atau CSV.")) from None
    finally:
        stream.seek(0)
    total = 0
    for entry in entries:
        total += entry.file_size
        inflated = entry.file_size > _RATIO_FLOOR_BYTES and (
            entry.file_size > ratio * max(entry.compress_size, 1)
        )
        if entry.file_size > limit or total > limit * 4 or inflated:
            raise ImportFileError(
                _("Berkas XLSX terlalu besar setelah dibuka (%(name)s); simpan sebagai CSV.")
                % {"name": entry.filename}
            )


@contextmanager
def _open_xlsx(stream: IO[bytes], columns: Columns) -> Iterator[RowSource]:
    from openpyxl import load_workbook  # only the imports need it

    check_xlsx_archive(stream)
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
            heading = next(records)
        except StopIteration:
            raise ImportFileError(_("Lembar kerja pertama kosong.")) from None
        positions = columns.positions(list(heading))
        estimated = max((sheet.max_row or 1) - 1, 0)
        yield RowSource(list(positions), _rows(records, positions), estimated)
    finally:
        workbook.close()


def chunked(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def text(value: Any) -> str:
    """A cell as trimmed text: 12.0 → "12", a midnight datetime → its date."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    return str(value).strip()


class CsvCopy:
    """A CSV copy of the rows read from an XLSX file, written while they are checked: openpyxl
    needs ~130 µs a row, csv ~5, so the apply step reads the file once more at CSV speed.

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

    def add(self, columns: list[str], chunk: list[Row]) -> None:
        if not self.last_row:
            self.writer.writerow(columns)
            self.last_row = 1
        for number, values in chunk:
            for _blank in range(number - self.last_row - 1):
                self.writer.writerow([])
            self.writer.writerow([text(values[c]) for c in columns])
            self.last_row = number

    def as_file(self) -> File:
        self.text.flush()
        self.file.seek(0)
        return File(self.file)


def nip(value: Any) -> tuple[str, str]:
    """A NIP cell as its digits (the displayed form's spaces and dots dropped), and what makes the
    cell unusable ('' when nothing does): a spreadsheet that stored the NIP as a number has lost
    its last digits; an empty cell has none. The NIP's own rules are people.nip's."""
    digits = normalize_nip(text(value))
    if isinstance(value, float):
        return digits, _(
            "NIP tersimpan sebagai angka sehingga digit terakhirnya hilang; format kolom NIP sebagai Teks."
        )
    if not digits:
        return digits, _("NIP wajib diisi.")
    return digits, ""
