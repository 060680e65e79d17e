"""E-book test data: real files made by several tools (fpdf2, pypdf's writer, a hand-written PDF,
a hand-built EPUB), hostile and broken files, and a factory for catalogue rows.

`EbookFactory` makes a row directly (no file parsing), with its search vectors computed by the
service, for search and selector tests; `stored_ebook()` imports a real file through the service
for tests that need the stored file (serving, admin).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import factory
from django.utils.text import slugify
from factory.django import DjangoModelFactory

from ebooks import services
from ebooks.models import Category, Ebook

PARAGRAPH = (
    "Pelayanan publik yang baik menuntut aparatur memahami standar pelayanan, menghormati hak "
    "setiap warga, dan menindaklanjuti pengaduan masyarakat dengan cepat."
)


# --- PDFs -----------------------------------------------------------------------------------------


def fpdf_pdf(
    *, title: str = "Buku Uji", author: str = "Penulis Uji", pages: int = 3, text: str = PARAGRAPH
) -> bytes:
    """A PDF written by fpdf2, with metadata and `text` on every page."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_font("Helvetica", size=12)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.multi_cell(0, 8, f"Halaman {number}. {text}")
    return bytes(pdf.output())


def pypdf_pdf(
    *, pages: int = 2, title: str = "Dibuat dengan pypdf", author: str = "pypdf"
) -> bytes:
    """A PDF written by pypdf's writer: blank pages and metadata, no text."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title, "/Author": author})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def handwritten_pdf(text: str = "Halo dunia") -> bytes:
    """A minimal one-page PDF written by hand, with a correct cross-reference table."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(fpdf_pdf())))
    writer.encrypt("rahasia-sekali", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def truncated_pdf() -> bytes:
    data = fpdf_pdf(pages=4)
    return data[: len(data) // 2]


def garbage_pdf() -> bytes:
    """Starts like a PDF and ends like one; nothing in between is a PDF."""
    return b"%PDF-1.7\n" + b"ini bukan isi PDF yang sah\n" * 50 + b"%%EOF\n"


FAKE_PDF_HTML = (
    b"<!DOCTYPE html>\n<html><head><title>Bukan PDF</title></head><body>Halo</body></html>\n"
)


# --- EPUBs ----------------------------------------------------------------------------------------


def _png(width: int = 60, height: int = 90) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def epub_bytes(
    *,
    title: str = "Hak Asasi Manusia untuk Aparatur",
    author: str = "Siti Aminah",
    language: str = "id",
    chapters: tuple[str, ...] = (PARAGRAPH, "Bab kedua tentang pengaduan masyarakat."),
    cover: bool = True,
    mimetype: bytes = b"application/epub+zip",
    extra_entries: dict[str, bytes] | None = None,
) -> bytes:
    """A valid minimal EPUB 3: `mimetype` first and stored, container.xml, an OPF with Dublin
    Core metadata, XHTML chapters, and optionally a cover image."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" '
            'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
            "</rootfiles></container>",
            compress_type=zipfile.ZIP_DEFLATED,
        )
        items = "".join(
            f'<item id="c{i}" href="text/c{i}.xhtml" media-type="application/xhtml+xml"/>'
            for i in range(len(chapters))
        )
        if cover:
            items += '<item id="cover" href="images/cover.png" media-type="image/png" properties="cover-image"/>'
        spine = "".join(f'<itemref idref="c{i}"/>' for i in range(len(chapters)))
        archive.writestr(
            "OEBPS/content.opf",
            '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
            'unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<dc:identifier id="id">urn:uuid:1234</dc:identifier><dc:title>{title}</dc:title>'
            f"<dc:creator>{author}</dc:creator><dc:language>{language}</dc:language>"
            "<dc:date>2021-05-01</dc:date></metadata>"
            f"<manifest>{items}</manifest><spine>{spine}</spine></package>",
            compress_type=zipfile.ZIP_DEFLATED,
        )
        for i, chapter in enumerate(chapters):
            archive.writestr(
                f"OEBPS/text/c{i}.xhtml",
                '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head>'
                f"<title>Bab {i + 1}</title><style>p {{ color: red }}</style></head><body>"
                f"<h1>Bab {i + 1}</h1><p>{chapter}</p><script>var x = 1;</script></body></html>",
                compress_type=zipfile.ZIP_DEFLATED,
            )
        if cover:
            archive.writestr("OEBPS/images/cover.png", _png(), compress_type=zipfile.ZIP_STORED)
        for name, data in (extra_entries or {}).items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def zip_bomb_epub(size: int = 64 * 1024 * 1024) -> bytes:
    """An "EPUB" with the right mimetype entry and one huge, highly compressible entry."""
    return epub_bytes(extra_entries={"OEBPS/bomb.xhtml": b"\0" * size})


# --- rows -----------------------------------------------------------------------------------------


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Kategori {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class EbookFactory(DjangoModelFactory):
    """A catalogue row without parsing a file (the stored file is a placeholder name); its search
    vectors are computed by the service, as an import would."""

    class Meta:
        model = Ebook
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Buku Uji {n}")
    slug = factory.Sequence(lambda n: f"buku-uji-{n}")
    authors = ""
    description = ""
    body_text = ""
    file_format = "pdf"
    page_count = 10
    size_bytes = 1000
    sha256 = factory.Sequence(lambda n: hashlib.sha256(f"ebook-{n}".encode()).hexdigest())
    file = factory.LazyAttribute(lambda o: f"ebooks/files/{o.sha256[:2]}/{o.sha256}.pdf")
    is_published = True

    @factory.post_generation
    def categories(self, create: bool, extracted: list[Category] | None, **kwargs: object) -> None:
        if create and extracted:
            self.categories.set(extracted)

    @factory.post_generation
    def competencies(self, create: bool, extracted: dict | None, **kwargs: object) -> None:
        if create and extracted:
            services.set_ebook_tags(ebook=self, competencies=extracted)

    @factory.post_generation
    def vectors(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            services.refresh_search_vectors(ebook_ids=[self.pk])


def stored_ebook(
    tmp_path: Path, data: bytes | None = None, *, name: str = "buku.pdf", **kwargs: object
) -> Ebook:
    """A book imported through the service from a real file (stored in the test's MEDIA_ROOT)."""
    outcome = services.import_ebook(
        path_or_file=write(tmp_path, name, data if data is not None else fpdf_pdf()), **kwargs
    )
    assert outcome.status == "accepted", outcome.reason
    assert outcome.ebook is not None
    return outcome.ebook
