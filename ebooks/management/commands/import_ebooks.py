"""`manage.py import_ebooks PATH...`: imports PDF and EPUB files, or folders of them (recursively),
through ebooks.services.import_ebook, the same service as the admin's bulk upload.

One report line per file (accepted: title and pages; duplicate: of which book; refused: why), a
progress bar on a terminal (files done, rate, time left) and plain lines otherwise, a summary, and
exit status 1 if any file was refused.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ebooks import services
from ebooks.models import Category, EbookLanguage

# In folders, files with these endings are taken (their type is still decided by content);
# a file named on the command line is always tried.
FOLDER_SUFFIXES = {".pdf", ".epub"}
BAR_WIDTH = 28


def _files(paths: list[str]) -> tuple[list[Path], list[str], int]:
    """The files to import, in a stable order; the paths that do not exist; files skipped."""
    found: list[Path] = []
    missing: list[str] = []
    skipped = 0
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            for child in sorted(path.rglob("*")):
                if not child.is_file() or any(
                    p.startswith(".") for p in child.relative_to(path).parts
                ):
                    continue
                if child.suffix.lower() in FOLDER_SUFFIXES:
                    found.append(child)
                else:
                    skipped += 1
        else:
            missing.append(raw)
    return found, missing, skipped


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}j{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


class Progress:
    """A one-line progress bar redrawn under the report lines (terminal only)."""

    def __init__(self, out: Any, total: int, *, enabled: bool) -> None:
        self.out = out
        self.total = total
        self.enabled = enabled and total > 0
        self.started = time.monotonic()
        self.done = 0

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = self.done / elapsed
        filled = BAR_WIDTH * self.done // self.total
        left = (self.total - self.done) / rate if rate > 0 else 0
        eta = f"sisa ~{_duration(left)}" if self.done else "sisa ?"
        return (
            f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self.done}/{self.total} berkas · "
            f"{rate:.1f} berkas/detik · {eta}"
        )

    def clear(self) -> None:
        if self.enabled:
            self.out.write("\r\033[K", ending="")

    def draw(self) -> None:
        if self.enabled:
            self.out.write(self.line(), ending="")
            self.out.flush()

    def advance(self) -> None:
        self.done += 1


class Command(BaseCommand):
    help = (
        "Imports PDF/EPUB e-books from files or folders (recursively). Prints one line per file; "
        "exits with status 1 if any file was refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
        parser.add_argument("--category", help="slug of a category to put every book in")
        parser.add_argument(
            "--language", choices=EbookLanguage.values, help="language when the file does not say"
        )
        parser.add_argument(
            "--unpublished", action="store_true", help="import without publishing (check first)"
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="plain lines even on a terminal"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        files, missing, skipped = _files(options["paths"])
        for raw in missing:
            self.stderr.write(f"Tidak ditemukan: {raw}")
        categories: list[Category] = []
        if options["category"]:
            category = Category.objects.filter(slug=options["category"]).first()
            if category is None:
                raise CommandError(f"Kategori tidak dikenal: {options['category']}")
            categories = [category]
        if not files:
            raise CommandError("Tidak ada berkas PDF/EPUB untuk diimpor.", returncode=1)

        tty = self.stdout.isatty() and not options["no_progress"]
        progress = Progress(self.stdout, len(files), enabled=tty)
        counts = {"accepted": 0, "duplicate": 0, "refused": 0}
        width = len(str(len(files)))
        progress.draw()
        for number, path in enumerate(files, start=1):
            outcome = services.import_ebook(
                path_or_file=path,
                original_name=path.name,
                categories=categories,
                language=options["language"],
                is_published=not options["unpublished"],
            )
            counts[outcome.status] += 1
            progress.advance()
            progress.clear()
            self._report(f"[{number:>{width}}/{len(files)}]", path, outcome)
            progress.draw()
        progress.clear()

        elapsed = time.monotonic() - progress.started
        summary = (
            f"{len(files)} berkas dalam {elapsed:.1f} detik ({len(files) / max(elapsed, 1e-6):.1f} "
            f"berkas/detik): {counts['accepted']} diterima, {counts['duplicate']} ganda, "
            f"{counts['refused']} ditolak."
        )
        if skipped:
            summary += f" {skipped} berkas lain di folder dilewati (bukan .pdf/.epub)."
        if counts["refused"] or missing:
            self.stdout.write(self.style.WARNING(summary))
            raise CommandError(
                f"{counts['refused'] + len(missing)} berkas ditolak atau tidak ditemukan.",
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(summary))

    def _report(self, prefix: str, path: Path, outcome: services.ImportOutcome) -> None:
        label = {"accepted": "DITERIMA", "duplicate": "GANDA   ", "refused": "DITOLAK "}[
            outcome.status
        ]
        line = f"{prefix} {label} {path} — {outcome.describe()}"
        style = {
            "accepted": self.style.SUCCESS,
            "duplicate": self.style.WARNING,
            "refused": self.style.ERROR,
        }[outcome.status]
        self.stdout.write(style(line))
