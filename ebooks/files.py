"""Looking inside an e-book file before it is accepted: its type by content, the PDF and EPUB
checks, metadata, page count, a cover and the text for search.

Nothing here touches the database or the storage: `ebooks.services.import_ebook` calls
`inspect_file()` on a local copy of the upload and stores what it returns. Every refusal is a
`FileRefused` whose message is the reason shown to the person importing (Indonesian).

Memory stays small whatever the file size: pypdf and PDFium read the file from disk on demand,
the zip reader decompresses entry by entry with hard limits, and the text kept for search is
capped (TEXT_MAX_CHARS).
"""

from __future__ import annotations

import hashlib
import io
import logging
import posixpath
import re
import threading
import warnings
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DefusedET
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
EPUB_MIMETYPE = b"application/epub+zip"

# Text kept for search (and snippets); a longer book is searchable by its first 200,000 characters.
TEXT_MAX_CHARS = 200_000
COVER_WIDTH = 400
COVER_MAX_HEIGHT = 800
COVER_QUALITY = 75
# Zip-bomb guards for EPUB: entries, total declared uncompressed size, what we ever decompress.
EPUB_MAX_ENTRIES = 5_000
EPUB_MAX_UNCOMPRESSED = 500 * 1024 * 1024
EPUB_MAX_ENTRY_READ = 8 * 1024 * 1024
EPUB_MAX_TOTAL_READ = 64 * 1024 * 1024
EPUB_MAX_RATIO = 200  # declared uncompressed / compressed, per entry above 1 MB
# An EPUB has no pages; its "page count" is an estimate at this many characters per page.
EPUB_CHARS_PER_PAGE = 1_800

# PDFium is not thread-safe; a worker or command is single-threaded, but a threaded web process
# calling this (admin) must not run two documents at once.
_PDFIUM_LOCK = threading.Lock()
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_HTML_HEAD = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<\?xml[^>]*>\s*<html)", re.I)


class FileRefused(Exception):
    """The file cannot become an e-book; the message says why, for the person importing it."""


@dataclass
class BookFile:
    """What an e-book file says about itself."""

    file_format: str  # "pdf" | "epub"
    page_count: int
    title: str = ""
    authors: str = ""
    description: str = ""
    language: str = ""  # "id" / "en" when the file says so
    year: int | None = None
    text: str = ""
    cover_webp: bytes = b""


def clean_text(value: str, *, limit: int | None = None) -> str:
    """Text safe for PostgreSQL and the snippet markers: no NUL or other control characters,
    runs of blanks collapsed."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub(" ", value)
    value = _SPACES.sub(" ", value)
    value = _BLANK_LINES.sub("\n\n", value).strip()
    if limit is not None and len(value) > limit:
        value = value[:limit].rsplit(" ", 1)[0]
    return value


def _one_line(value: object, limit: int) -> str:
    return clean_text(str(value or "")).replace("\n", " ")[:limit].strip()


# --- type by content ------------------------------------------------------------------------------


def detect_format(path: Path) -> str:
    """'pdf' or 'epub' by the bytes, never by the name. Raises FileRefused otherwise."""
    with path.open("rb") as fh:
        head = fh.read(1024)
    if not head:
        raise FileRefused(_("Berkas kosong."))
    if head.startswith(PDF_MAGIC):
        return "pdf"
    if head.startswith(ZIP_MAGIC):
        return "epub"
    if _HTML_HEAD.match(head.lstrip(b"\xef\xbb\xbf")):
        raise FileRefused(_("Isi berkas adalah halaman HTML, bukan PDF atau EPUB."))
    raise FileRefused(_("Bukan berkas PDF atau EPUB (isi berkas tidak dikenali)."))


def inspect_file(path: Path) -> BookFile:
    """Checks a local file and reads what an e-book needs. Raises FileRefused with the reason."""
    file_format = detect_format(path)
    if file_format == "pdf":
        return inspect_pdf(path)
    return inspect_epub(path)


# --- PDF ------------------------------------------------------------------------------------------


def inspect_pdf(path: Path) -> BookFile:
    import pypdf
    import pypdfium2 as pdfium

    with path.open("rb") as fh:
        fh.seek(0, io.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - 2048))
        tail = fh.read()
    if b"%%EOF" not in tail:
        raise FileRefused(_("PDF rusak atau terpotong: penanda akhir berkas (%%EOF) tidak ada."))

    # An open file, not the path: given a path, pypdf would read the whole file into memory.
    with path.open("rb") as handle, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = pypdf.PdfReader(handle, strict=False)
            encrypted = reader.is_encrypted
            pages = 0 if encrypted else len(reader.pages)
        except Exception as exc:  # pypdf raises many kinds for a damaged file
            raise FileRefused(_("PDF rusak: %(error)s") % {"error": _short(exc)}) from None
        if encrypted:
            raise FileRefused(
                _(
                    "PDF terenkripsi (dilindungi kata sandi); simpan ulang tanpa enkripsi lalu impor."
                )
            )
        if pages < 1:
            raise FileRefused(_("PDF tidak berisi halaman."))
        info = BookFile(file_format="pdf", page_count=pages)
        try:
            metadata = reader.metadata
            if metadata is not None:
                info.title = _one_line(metadata.title, 300)
                author = _one_line(metadata.author, 500)
                info.authors = author.replace(",", ";") if author else ""
                info.description = _one_line(metadata.subject, 2000)
        except Exception:  # broken metadata is no reason to refuse a readable book
            logger.info("Unreadable PDF metadata in %s", path, exc_info=True)

    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(str(path))
        except Exception as exc:
            raise FileRefused(_("PDF rusak: %(error)s") % {"error": _short(exc)}) from None
        try:
            count = len(document)
            if count < 1:
                raise FileRefused(_("PDF tidak berisi halaman."))
            info.page_count = count
            info.cover_webp = _render_cover(document)
            info.text = _pdf_text(document)
        except FileRefused:
            raise
        except Exception as exc:
            raise FileRefused(_("PDF rusak: %(error)s") % {"error": _short(exc)}) from None
        finally:
            document.close()
    return info


def _render_cover(document: object) -> bytes:
    page = document[0]  # type: ignore[index]
    try:
        width, height = page.get_size()
        if width <= 0 or height <= 0:
            raise FileRefused(_("PDF rusak: halaman pertama tidak berukuran."))
        scale = min(COVER_WIDTH / width, COVER_MAX_HEIGHT / height)
        bitmap = page.render(scale=scale, may_draw_forms=False)
        image = bitmap.to_pil()
        return _webp(image)
    finally:
        page.close()


def _pdf_text(document: object) -> str:
    parts: list[str] = []
    total = 0
    for index in range(len(document)):  # type: ignore[arg-type]
        if total >= TEXT_MAX_CHARS:
            break
        page = document[index]  # type: ignore[index]
        try:
            textpage = page.get_textpage()
            try:
                text = textpage.get_text_range()
            finally:
                textpage.close()
        finally:
            page.close()
        text = clean_text(text)
        if text:
            parts.append(text)
            total += len(text) + 2
    return clean_text("\n\n".join(parts), limit=TEXT_MAX_CHARS)


# --- EPUB -----------------------------------------------------------------------------------------

_NS = {
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
}


class _Budget:
    """What may still be decompressed from one EPUB (the zip-bomb guard while reading)."""

    def __init__(self) -> None:
        self.left = EPUB_MAX_TOTAL_READ


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget) -> bytes:
    limit = min(EPUB_MAX_ENTRY_READ, budget.left)
    chunks: list[bytes] = []
    read = 0
    with archive.open(info) as stream:
        while True:
            chunk = stream.read(64 * 1024)
            if not chunk:
                break
            read += len(chunk)
            if read > limit:
                raise FileRefused(
                    _("EPUB ditolak: isi %(name)s terlalu besar setelah diekstrak (zip bomb?).")
                    % {"name": info.filename[:80]}
                )
            chunks.append(chunk)
    budget.left -= read
    return b"".join(chunks)


def _parse_xml(data: bytes, what: str) -> ET.Element:
    """The parsed container.xml or OPF. Entity definitions are how XML bombs expand and a real
    EPUB never needs them: defusedxml refuses any, whatever the document's encoding (a search for
    the bytes `<!ENTITY` would miss them in UTF-16)."""
    try:
        return DefusedET.fromstring(data, forbid_dtd=False, forbid_entities=True)
    except DefusedXmlException:
        raise FileRefused(
            _("EPUB ditolak: %(what)s memuat definisi entitas XML.") % {"what": what}
        ) from None
    except ET.ParseError as exc:
        raise FileRefused(
            _("EPUB rusak: %(what)s tidak dapat dibaca (%(error)s).") % {"what": what, "error": exc}
        ) from None


def _check_zip(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    entries = archive.infolist()
    if not entries:
        raise FileRefused(_("EPUB rusak: arsip kosong."))
    if len(entries) > EPUB_MAX_ENTRIES:
        raise FileRefused(
            _("EPUB ditolak: terlalu banyak berkas di dalamnya (%(count)s, batas %(limit)s).")
            % {"count": len(entries), "limit": EPUB_MAX_ENTRIES}
        )
    declared = sum(entry.file_size for entry in entries)
    if declared > EPUB_MAX_UNCOMPRESSED:
        raise FileRefused(
            _("EPUB ditolak: ukuran setelah diekstrak terlalu besar (%(size)s MB; zip bomb?).")
            % {"size": declared // (1024 * 1024)}
        )
    for entry in entries:
        if entry.file_size > 1024 * 1024 and entry.file_size > EPUB_MAX_RATIO * max(
            entry.compress_size, 1
        ):
            raise FileRefused(
                _("EPUB ditolak: %(name)s terkompresi tidak wajar (zip bomb?).")
                % {"name": entry.filename[:80]}
            )
    return entries


def inspect_epub(path: Path) -> BookFile:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRefused(
            _("EPUB rusak: arsip ZIP tidak dapat dibaca (%(error)s).") % {"error": exc}
        ) from None
    with archive:
        try:
            return _inspect_epub_archive(archive)
        except FileRefused:
            raise
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            OSError,
            EOFError,
            ValueError,
            KeyError,
            RuntimeError,
            NotImplementedError,
        ) as exc:
            raise FileRefused(_("EPUB rusak: %(error)s") % {"error": _short(exc)}) from None


def _inspect_epub_archive(archive: zipfile.ZipFile) -> BookFile:
    entries = _check_zip(archive)
    budget = _Budget()
    first = entries[0]
    if first.filename != "mimetype":
        raise FileRefused(_("Bukan EPUB: arsip ZIP tanpa entri 'mimetype' di awal."))
    if first.file_size > 100 or _read_entry(archive, first, budget) != EPUB_MIMETYPE:
        raise FileRefused(_("Bukan EPUB: entri 'mimetype' tidak berisi application/epub+zip."))
    by_name = {entry.filename: entry for entry in entries}

    container = by_name.get("META-INF/container.xml")
    if container is None:
        raise FileRefused(_("EPUB rusak: META-INF/container.xml tidak ada."))
    root = _parse_xml(_read_entry(archive, container, budget), "container.xml")
    rootfile = root.find(".//c:rootfile", _NS)
    opf_name = rootfile.get("full-path", "") if rootfile is not None else ""
    opf_entry = by_name.get(opf_name)
    if opf_entry is None:
        raise FileRefused(_("EPUB rusak: berkas paket (OPF) tidak ditemukan."))
    opf = _parse_xml(_read_entry(archive, opf_entry, budget), "OPF")
    base = posixpath.dirname(opf_name)

    info = BookFile(file_format="epub", page_count=0)
    metadata = opf.find("opf:metadata", _NS)
    if metadata is not None:
        info.title = _one_line(metadata.findtext("dc:title", "", _NS), 300)
        creators = [_one_line(c.text, 200) for c in metadata.findall("dc:creator", _NS)]
        info.authors = "; ".join(c for c in creators if c)[:500]
        info.description = _one_line(
            _strip_html(metadata.findtext("dc:description", "", _NS)), 2000
        )
        language = (metadata.findtext("dc:language", "", _NS) or "").strip().lower()
        if language.startswith(("id", "in")):
            info.language = "id"
        elif language.startswith("en"):
            info.language = "en"
        match = re.match(r"\s*(\d{4})", metadata.findtext("dc:date", "", _NS) or "")
        if match and 1800 <= int(match.group(1)) <= 2100:
            info.year = int(match.group(1))

    manifest = {item.get("id", ""): item for item in opf.findall("opf:manifest/opf:item", _NS)}
    spine = [
        manifest[ref.get("idref", "")]
        for ref in opf.findall("opf:spine/opf:itemref", _NS)
        if ref.get("idref", "") in manifest
    ]
    if not spine:
        raise FileRefused(_("EPUB rusak: daftar isi (spine) kosong."))

    parts: list[str] = []
    total_chars = 0
    for item in spine:
        entry = by_name.get(_join(base, item.get("href", "")))
        if entry is None:
            continue
        if total_chars < TEXT_MAX_CHARS and budget.left > 0:
            text = clean_text(
                _strip_html(_read_entry(archive, entry, budget).decode("utf-8", "replace"))
            )
            parts.append(text)
            total_chars += len(text)
        else:  # past the cap, estimate the rest of the book from compressed-size proportions
            total_chars += entry.file_size // 2
    info.text = clean_text("\n\n".join(parts), limit=TEXT_MAX_CHARS)
    info.page_count = max(1, -(-total_chars // EPUB_CHARS_PER_PAGE))
    info.cover_webp = _epub_cover(archive, opf, manifest, base, by_name, budget)
    return info


def _join(base: str, href: str) -> str:
    href = href.split("#", 1)[0]
    from urllib.parse import unquote

    return (
        posixpath.normpath(posixpath.join(base, unquote(href)))
        if base
        else posixpath.normpath(unquote(href))
    )


def _epub_cover(
    archive: zipfile.ZipFile,
    opf: ET.Element,
    manifest: dict[str, ET.Element],
    base: str,
    by_name: dict[str, zipfile.ZipInfo],
    budget: _Budget,
) -> bytes:
    """The cover image the OPF names (EPUB 3 `cover-image`, EPUB 2 <meta name="cover">), as WebP;
    b"" when there is none or it is not a readable image."""
    item = next(
        (i for i in manifest.values() if "cover-image" in (i.get("properties") or "").split()),
        None,
    )
    if item is None:
        meta = opf.find("opf:metadata/opf:meta[@name='cover']", _NS)
        if meta is not None:
            item = manifest.get(meta.get("content", ""))
    if item is None or not (item.get("media-type") or "").startswith("image/"):
        return b""
    entry = by_name.get(_join(base, item.get("href", "")))
    if entry is None:
        return b""
    try:
        return _thumbnail(_read_entry(archive, entry, budget))
    except FileRefused:
        return b""


# --- images ---------------------------------------------------------------------------------------


def _webp(image: object) -> bytes:
    from PIL import Image

    assert isinstance(image, Image.Image)
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, "WEBP", quality=COVER_QUALITY, method=4)
    return out.getvalue()


def _thumbnail(data: bytes) -> bytes:
    """A stored image scaled to the cover width, as WebP; b"" if Pillow cannot read it safely."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > 40_000_000:
                    return b""
                image.thumbnail((COVER_WIDTH, COVER_MAX_HEIGHT))
                return _webp(image)
    except Exception:  # any unreadable or hostile image: fall back to the placeholder
        logger.info("Unreadable cover image", exc_info=True)
        return b""


_PALETTE = [
    ((30, 64, 124), (255, 255, 255)),
    ((123, 31, 38), (255, 255, 255)),
    ((20, 92, 74), (255, 255, 255)),
    ((92, 55, 12), (255, 255, 255)),
    ((58, 46, 110), (255, 255, 255)),
    ((33, 33, 33), (255, 214, 102)),
]


def placeholder_cover(title: str, *, seed: str = "") -> bytes:
    """A plain generated cover (colour from the seed, the title in large type), as WebP."""
    from PIL import Image, ImageDraw, ImageFont

    colour, ink = _PALETTE[
        int(hashlib.sha256((seed or title).encode()).hexdigest(), 16) % len(_PALETTE)
    ]
    width, height = COVER_WIDTH, int(COVER_WIDTH * 1.4)
    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=34)
    words, lines, line = (title or "E-book").split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) > width - 60 and line:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    y = 70
    for text in lines[:8]:
        draw.text((30, y), text, font=font, fill=ink)
        y += 44
    draw.rectangle((30, height - 60, width - 30, height - 56), fill=ink)
    return _webp(image)


# --- helpers --------------------------------------------------------------------------------------


class _TextExtractor(HTMLParser):
    """Visible text of an (X)HTML document: tags dropped, blocks become line breaks, scripts and
    styles skipped. Never fetches or expands anything."""

    _BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article"}
        | {"blockquote", "pre", "dd", "dt", "table"}
    )
    _SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower().rsplit(":", 1)[-1]
        if tag in self._SKIP:
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        tag = tag.lower().rsplit(":", 1)[-1]
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _strip_html(value: str | bytes | None) -> str:
    if not value:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    parser = _TextExtractor()
    try:
        parser.feed(value)
        parser.close()
    except Exception:  # HTMLParser is lenient; anything else means "no text"
        return ""
    return "".join(parser.parts)


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:200]
