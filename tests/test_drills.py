"""The drills' pure helpers (drills/: scripts run by `make drills`, not by the suite): the poison
files they upload and the table they print. The drills themselves are not run here."""

from __future__ import annotations

import io
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from rumahbelajar.imports.reader import ImportFileError, check_xlsx_archive

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "drills"))

import poison_files
import run as drills_run


def test_deflate_filled_inflates_to_the_head_then_the_filler():
    data, crc = poison_files.deflate_filled(b"<x>", 5000, chunk=1024)

    inflated = zlib.decompress(data, -15)

    assert inflated == b"<x>" + b"A" * 4997
    assert crc == zlib.crc32(inflated)


def test_xlsx_bomb_declares_the_inflated_size_and_stays_small(tmp_path):
    path = poison_files.xlsx_bomb(tmp_path / "bomb.xlsx", declared=64 * 1024 * 1024)

    with zipfile.ZipFile(path) as archive:
        entry = archive.getinfo("xl/sharedStrings.xml")
        with archive.open(entry) as member:
            start = member.read(40)

    assert entry.file_size == 64 * 1024 * 1024
    assert path.stat().st_size < 200_000
    assert start.startswith(b'<?xml version="1.0"?><sst')


def test_xlsx_bomb_refused_by_the_import_reader_before_openpyxl(tmp_path, settings):
    settings.IMPORT_XLSX_MAX_ENTRY_BYTES = 32 * 1024 * 1024
    path = poison_files.xlsx_bomb(tmp_path / "bomb.xlsx", declared=64 * 1024 * 1024)

    with pytest.raises(ImportFileError) as refused:
        check_xlsx_archive(io.BytesIO(path.read_bytes()))

    assert "sharedStrings.xml" in str(refused.value)


def test_broken_pdf_is_deeply_nested_behind_a_correct_xref(tmp_path):
    path = poison_files.broken_pdf(tmp_path / "broken.pdf", depth=1000)

    data = path.read_bytes()
    xref = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    first = int(data[xref:].split(b"\n")[3][:10])

    assert data.startswith(b"%PDF-1.7")
    assert b"[" * 1000 + b"]" * 1000 in data
    assert data[xref:].startswith(b"xref\n0 4\n")
    assert data[first:].startswith(b"1 0 obj\n<< /Type /Catalog")


def test_table_names_what_was_lost_and_counts_checks():
    fine = drills_run.Result("redis")
    fine.checks = [("posts stored", True, ""), ("pages", True, "")]
    lossy = drills_run.Result("worker")
    lossy.checks = [("maps correct", False, "3 stale"), ("import clean", True, "")]
    broken = drills_run.Result("postgres", note="could not run: DrillError: no initdb")

    table = drills_run.format_table([fine, lossy, broken]).splitlines()

    assert table[0].split() == ["drill", "checks", "lost", "result"]
    assert table[2].split() == ["redis", "2/2", "nothing", "ok"]
    assert table[3].startswith("worker")
    assert "maps correct (3 stale)" in table[3]
    assert table[3].rstrip().endswith("LOST")
    assert "could not run" in table[4]
    assert table[4].rstrip().endswith("LOST")
