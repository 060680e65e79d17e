"""Importing one e-book file: checked by content (ebooks.files), stored privately, created with
its search vectors, all or nothing. The command and the admin bulk upload (services.bulk) share it."""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, cast

from django.conf import settings
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, connection, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ebooks import files
from ebooks.cache import bump_version
from ebooks.models import (
    Category,
    Ebook,
    EbookCompetency,
    EbookLanguage,
    ebook_cover_path,
    ebook_file_path,
)
from ebooks.services.catalogue import (
    EbookError,
    TagSpec,
    clean_isbn,
    refresh_search_vectors,
    resolve_tags,
)

logger = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024

ImportStatus = Literal["accepted", "duplicate", "refused"]


@dataclass
class ImportOutcome:
    """What became of one file: accepted (a new book), duplicate (of an existing book) or refused
    (with the reason)."""

    name: str
    status: ImportStatus
    reason: str = ""
    ebook: Ebook | None = None
    duplicate_of: Ebook | None = None

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"

    @property
    def refused(self) -> bool:
        return self.status == "refused"

    def as_dict(self) -> dict[str, Any]:
        book = self.ebook or self.duplicate_of
        return {
            "name": self.name,
            "status": self.status,
            "reason": self.reason,
            "ebook_id": book.pk if book else None,
            "title": book.title if book else "",
            "slug": book.slug if book else "",
            "page_count": book.page_count if book else 0,
            "file_format": book.file_format if book else "",
        }

    def describe(self) -> str:
        """One line for a report: what was imported, of which book it is a copy, or why not."""
        if self.ebook is not None:
            return _("“%(title)s”, %(pages)s halaman") % {
                "title": self.ebook.title,
                "pages": self.ebook.page_count,
            }
        if self.duplicate_of is not None:
            return _("sama dengan “%(title)s” (%(slug)s), tidak diimpor lagi") % {
                "title": self.duplicate_of.title,
                "slug": self.duplicate_of.slug,
            }
        return self.reason


@dataclass
class _LocalFile:
    path: Path
    size: int
    sha256: str


@contextmanager
def _local_file(source: str | Path | IO[bytes] | File) -> Iterator[_LocalFile]:
    """The source as a file on local disk, with its size and SHA-256, read in chunks.

    A path (or an upload Django already spooled to disk) is hashed in place; any other file
    object is copied to a temporary file while hashing. Refuses files over
    settings.EBOOK_MAX_UPLOAD_BYTES without reading further than the limit.
    """
    limit = settings.EBOOK_MAX_UPLOAD_BYTES
    too_big = files.FileRefused(
        _("Berkas melebihi batas ukuran %(limit)s MB.") % {"limit": limit // (1024 * 1024)}
    )
    local: Path | None = None
    if isinstance(source, str | Path):
        local = Path(source)
    elif hasattr(source, "temporary_file_path"):
        local = Path(source.temporary_file_path())
    if local is not None:
        try:
            size = local.stat().st_size
        except OSError as exc:
            raise files.FileRefused(
                _("Berkas tidak dapat dibaca: %(error)s") % {"error": exc.strerror}
            ) from None
        if size > limit:
            raise too_big
        digest = hashlib.sha256()
        with local.open("rb") as fh:
            for chunk in iter(lambda: fh.read(CHUNK_BYTES), b""):
                digest.update(chunk)
        yield _LocalFile(local, size, digest.hexdigest())
        return

    declared = getattr(source, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise too_big
    stream = cast(IO[bytes], source)
    with tempfile.TemporaryDirectory(prefix="rb-ebook-") as tmp:
        path = Path(tmp) / "upload"
        digest, size = hashlib.sha256(), 0
        with suppress(AttributeError, OSError, ValueError):
            stream.seek(0)
        with path.open("wb") as out:
            for chunk in iter(lambda: stream.read(CHUNK_BYTES), b""):
                size += len(chunk)
                if size > limit:
                    raise too_big
                digest.update(chunk)
                out.write(chunk)
        yield _LocalFile(path, size, digest.hexdigest())


_JUNK_TITLES = re.compile(
    r"^(microsoft (word|powerpoint) - .*|untitled.*|document\d*|dokumen\d*|judul|title|"
    r".*\.(docx?|pptx?|odt|indd|pdf|rtf|tex))$",
    re.I,
)


def _title_from_name(name: str) -> str:
    stem = Path(name).stem if name else ""
    stem = re.sub(r"[_\-.]+", " ", stem).strip()
    return stem[:300] or _("Tanpa judul")


def _choose_title(explicit: str | None, from_file: str, original_name: str) -> str:
    for candidate in (explicit, from_file):
        candidate = (candidate or "").strip()
        if candidate and not _JUNK_TITLES.match(candidate):
            return candidate[:300]
    return _title_from_name(original_name)


def _unique_slug(title: str, sha256: str, *, wanted: str | None = None) -> str:
    base = slugify(wanted or title)[:300].strip("-") or "ebook"
    if base.isdigit():  # a slug of digits would read as an id in /ebooks/<id-or-slug>/
        base = f"ebook-{base}"
    for candidate in (base, f"{base}-{sha256[:8]}", f"{base}-{sha256[:16]}"):
        if not Ebook.objects.filter(slug=candidate).exists():
            return candidate
    return f"{base}-{sha256}"


def _store_file(storage: Any, name: str, source: File | IO[bytes]) -> bool:
    """Saves a content-addressed file under exactly `name`; False if it is already there for
    another book (extra demo rows share files), True if this call wrote it."""
    if storage.exists(name):
        if Ebook.objects.filter(file=name).exists() or Ebook.objects.filter(cover=name).exists():
            return False
        storage.delete(name)  # an orphan of an interrupted import: same name, so same content
    saved = storage.save(name, source)
    if saved != name:  # the storage renamed it: someone else wrote the name meanwhile
        storage.delete(saved)
        raise EbookError(_("Berkas sedang diimpor oleh proses lain; coba lagi."))
    return True


def import_ebook(
    *,
    path_or_file: str | Path | IO[bytes] | File,
    original_name: str = "",
    title: str | None = None,
    authors: str | None = None,
    description: str | None = None,
    publisher: str = "",
    year: int | None = None,
    language: str | None = None,
    isbn: str = "",
    slug: str | None = None,
    categories: Iterable[Category] = (),
    competencies: TagSpec | None = None,
    is_published: bool = True,
    uploaded_by: Any = None,
) -> ImportOutcome:
    """Imports one PDF or EPUB: checks it by content, reads metadata, page count, cover and search
    text, stores the file privately and creates the book, all or nothing.

    Side effects: reads the file twice in chunks (hash, then inspection from a local copy);
    writes the file and its cover to default storage and inserts the book in one transaction that
    holds an advisory lock on the file's SHA-256; on any failure after the files were written
    they are deleted again (a crash in between leaves an orphan that delete_orphan_files() sweeps).
    Duplicates (same SHA-256) are reported, not imported. The slow part (parsing, rendering) runs
    before the transaction opens.
    """
    name = original_name or (
        Path(path_or_file).name
        if isinstance(path_or_file, str | Path)
        else Path(getattr(path_or_file, "name", "") or "").name
    )
    try:
        isbn = clean_isbn(isbn)
        tags = resolve_tags(competencies)
        with _local_file(path_or_file) as local:
            if local.size == 0:
                raise files.FileRefused(_("Berkas kosong."))
            existing = Ebook.objects.filter(sha256=local.sha256).first()
            if existing is not None:
                return ImportOutcome(name, "duplicate", ebook=None, duplicate_of=existing)
            info = files.inspect_file(local.path)
            chosen_title = _choose_title(title, info.title, name)
            values: dict[str, Any] = {
                "title": chosen_title,
                "authors": (authors if authors is not None else info.authors)[:500],
                "description": description if description is not None else info.description,
                "publisher": publisher[:200],
                "year": year if year is not None else info.year,
                "language": language or info.language or EbookLanguage.ID,
                "isbn": isbn,
                "is_published": is_published,
            }
            if not info.cover_webp:
                info.cover_webp = files.placeholder_cover(chosen_title, seed=local.sha256)
            return _create_ebook(
                local,
                info,
                values,
                slug=slug,
                categories=list(categories),
                tags=tags,
                uploaded_by=uploaded_by,
                name=name,
            )
    except files.FileRefused as exc:
        return ImportOutcome(name, "refused", reason=str(exc))
    except (ValidationError, EbookError) as exc:
        reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return ImportOutcome(name, "refused", reason=reason)


def _create_ebook(
    local: _LocalFile,
    info: files.BookFile,
    values: dict[str, Any],
    *,
    slug: str | None,
    categories: list[Category],
    tags: dict[int, int],
    uploaded_by: Any,
    name: str,
) -> ImportOutcome:
    storage = Ebook._meta.get_field("file").storage
    written: list[str] = []
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                    [f"ebook:{local.sha256}"],
                )
            existing = Ebook.objects.filter(sha256=local.sha256).first()
            if existing is not None:  # imported by someone else while we were inspecting
                return ImportOutcome(name, "duplicate", duplicate_of=existing)
            ebook = Ebook(
                **values,
                sha256=local.sha256,
                file_format=info.file_format,
                page_count=info.page_count,
                size_bytes=local.size,
                body_text=info.text,
            )
            ebook.slug = _unique_slug(values["title"], local.sha256, wanted=slug)
            file_name = ebook_file_path(ebook, name)
            cover_name = ebook_cover_path(ebook, name)
            with local.path.open("rb") as fh:
                if _store_file(storage, file_name, File(fh)):
                    written.append(file_name)
            if _store_file(storage, cover_name, ContentFile(info.cover_webp)):
                written.append(cover_name)
            ebook.file.name = file_name
            ebook.cover.name = cover_name
            ebook.save(force_insert=True)
            bump_version()  # after commit: the new book shows in the catalogue at once
            if categories:
                ebook.categories.set(categories)
            EbookCompetency.objects.bulk_create(
                EbookCompetency(ebook=ebook, competency_id=cid, target_level=level)
                for cid, level in tags.items()
            )
            refresh_search_vectors(ebook_ids=[ebook.pk])
            if uploaded_by is not None and getattr(uploaded_by, "pk", None):
                LogEntry.objects.log_actions(
                    uploaded_by.pk, [ebook], ADDITION, _("Diimpor dari %(name)s") % {"name": name}
                )
    except BaseException as exc:
        for written_name in written:
            with suppress(Exception):
                storage.delete(written_name)
        if isinstance(exc, IntegrityError):
            logger.warning("Import of %s hit a constraint", name, exc_info=True)
            return ImportOutcome(name, "refused", reason=_("Bentrok dengan data lain; coba lagi."))
        raise
    return ImportOutcome(name, "accepted", ebook=ebook)
