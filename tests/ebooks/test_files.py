"""ebooks.files: the type by content, the PDF and EPUB checks, metadata, cover and text."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from ebooks import files
from tests.ebooks import factories as f


def _cover(info: files.BookFile) -> Image.Image:
    return Image.open(io.BytesIO(info.cover_webp))


def test_inspect_file_fpdf2_pdf_reads_pages_metadata_text_and_cover(tmp_path):
    path = f.write(
        tmp_path, "a.pdf", f.fpdf_pdf(title="Hukum Pidana Dasar", author="Budi", pages=4)
    )

    info = files.inspect_file(path)

    assert info.file_format == "pdf"
    assert info.page_count == 4
    assert info.title == "Hukum Pidana Dasar"
    assert info.authors == "Budi"
    assert info.text.startswith("Halaman 1. Pelayanan publik")
    assert _cover(info).format == "WEBP"
    assert _cover(info).width == files.COVER_WIDTH


def test_inspect_file_pypdf_pdf_without_text_is_accepted(tmp_path):
    path = f.write(tmp_path, "b.pdf", f.pypdf_pdf(pages=2))

    info = files.inspect_file(path)

    assert (info.page_count, info.title, info.text) == (2, "Dibuat dengan pypdf", "")


def test_inspect_file_handwritten_pdf_is_accepted(tmp_path):
    path = f.write(tmp_path, "c.pdf", f.handwritten_pdf("Tulisan tangan"))

    info = files.inspect_file(path)

    assert (info.page_count, info.text) == (1, "Tulisan tangan")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param(
            "palsu.pdf",
            lambda: f.FAKE_PDF_HTML,
            "Isi berkas adalah halaman HTML, bukan PDF atau EPUB.",
            id="html-named-pdf",
        ),
        pytest.param(
            "x.pdf",
            lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
            "Bukan berkas PDF atau EPUB (isi berkas tidak dikenali).",
            id="unknown-bytes",
        ),
        pytest.param("kosong.pdf", lambda: b"", "Berkas kosong.", id="empty"),
    ],
)
def test_inspect_file_not_a_book_is_refused_saying_what_it_is(tmp_path, name, content, message):
    path = f.write(tmp_path, name, content())

    with pytest.raises(files.FileRefused) as refused:
        files.inspect_file(path)

    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        pytest.param("rahasia.pdf", f.encrypted_pdf, "PDF terenkripsi", id="encrypted"),
        pytest.param("potong.pdf", f.truncated_pdf, "PDF rusak atau terpotong", id="truncated"),
        pytest.param("rusak.pdf", f.garbage_pdf, "PDF rusak: ", id="garbage-between-markers"),
    ],
)
def test_inspect_file_unreadable_pdf_is_refused_with_its_reason(tmp_path, name, content, reason):
    path = f.write(tmp_path, name, content())

    with pytest.raises(files.FileRefused) as refused:
        files.inspect_file(path)

    assert str(refused.value).startswith(reason)


def test_inspect_file_valid_epub_reads_metadata_text_and_cover(tmp_path):
    path = f.write(tmp_path, "buku.epub", f.epub_bytes())

    info = files.inspect_file(path)

    assert info.file_format == "epub"
    assert (info.title, info.authors, info.language, info.year) == (
        "Hak Asasi Manusia untuk Aparatur",
        "Siti Aminah",
        "id",
        2021,
    )
    assert info.text.startswith("Bab 1\n\nPelayanan publik yang baik")
    assert "var x" not in info.text
    assert info.page_count == 1
    assert _cover(info).format == "WEBP"


def test_inspect_file_epub_without_cover_has_no_cover_bytes(tmp_path):
    path = f.write(tmp_path, "buku.epub", f.epub_bytes(cover=False))

    info = files.inspect_file(path)

    assert info.cover_webp == b""


def test_inspect_file_zip_bomb_disguised_as_epub_is_refused(tmp_path):
    path = f.write(tmp_path, "bom.epub", f.zip_bomb_epub())

    with pytest.raises(files.FileRefused) as refused:
        files.inspect_file(path)

    assert "zip bomb" in str(refused.value)


def test_inspect_file_epub_over_declared_size_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "EPUB_MAX_UNCOMPRESSED", 1000)
    path = f.write(tmp_path, "besar.epub", f.epub_bytes(chapters=("kata " * 1000,)))

    with pytest.raises(files.FileRefused) as refused:
        files.inspect_file(path)

    assert str(refused.value).startswith("EPUB ditolak: ukuran setelah diekstrak terlalu besar")


def test_inspect_file_epub_entry_growing_past_read_limit_stops_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "EPUB_MAX_ENTRY_READ", 2000)
    path = f.write(tmp_path, "panjang.epub", f.epub_bytes(chapters=("kalimat panjang " * 500,)))

    with pytest.raises(files.FileRefused) as refused:
        files.inspect_file(path)

    assert "terlalu besar setelah diekstrak" in str(refused.value)


def test_inspect_file_epub_with_too_many_entries_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "EPUB_MAX_ENTRIES", 5)
    path = f.write(tmp_path, "banyak.epub", f.epub_bytes())

    with pytest.raises(files.FileRefused) as refused:
        files.inspect_file(path)

    assert str(refused.value).startswith("EPUB ditolak: terlalu banyak berkas")


def test_inspect_file_zip_with_wrong_mimetype_is_refused(tmp_path):
    path = f.write(tmp_path, "bukan.epub", f.epub_bytes(mimetype=b"application/zip"))

    with pytest.raises(files.FileRefused) as refused:
        files.inspect_file(path)

    assert str(refused.value) == "Bukan EPUB: entri 'mimetype' tidak berisi application/epub+zip."


def test_inspect_file_epub_with_xml_entities_is_refused(tmp_path):
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><container>&a;</container>'
    data = f.epub_bytes()
    # Same archive, container.xml replaced by an entity-expanding one.
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for item in source.infolist():
            body = bomb if item.filename == "META-INF/container.xml" else source.read(item)
            archive.writestr(item, body)
    path = f.write(tmp_path, "xml.epub", out.getvalue())

    with pytest.raises(files.FileRefused) as refused:
        files.inspect_file(path)

    assert str(refused.value) == "EPUB ditolak: container.xml memuat definisi entitas XML."


def _epub_with_utf16_opf(*, entity: bool) -> bytes:
    """The factory's EPUB with its OPF re-encoded as UTF-16 (with a BOM and the matching XML
    declaration), optionally declaring an entity in an internal DTD subset."""
    source = zipfile.ZipFile(io.BytesIO(f.epub_bytes(title="Judul Asli")))
    opf = source.read("OEBPS/content.opf").decode()
    body = opf.removeprefix('<?xml version="1.0"?>')
    if entity:
        body = '<!DOCTYPE package [<!ENTITY judul "Judul Entitas">]>' + body.replace(
            "Judul Asli", "&judul;"
        )
    utf16 = ('<?xml version="1.0" encoding="UTF-16"?>' + body).encode("utf-16")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for item in source.infolist():
            data = utf16 if item.filename == "OEBPS/content.opf" else source.read(item)
            archive.writestr(item, data)
    return out.getvalue()


def test_inspect_file_epub_utf16_opf_with_entity_declaration_is_refused(tmp_path):
    path = f.write(tmp_path, "utf16.epub", _epub_with_utf16_opf(entity=True))

    with pytest.raises(files.FileRefused) as refused:
        files.inspect_file(path)

    assert str(refused.value) == "EPUB ditolak: OPF memuat definisi entitas XML."


def test_inspect_file_epub_utf16_opf_without_entities_is_read(tmp_path):
    path = f.write(tmp_path, "utf16.epub", _epub_with_utf16_opf(entity=False))

    info = files.inspect_file(path)

    assert (info.file_format, info.title) == ("epub", "Judul Asli")


def test_placeholder_cover_is_a_webp_of_the_cover_width():
    data = files.placeholder_cover("Judul Panjang Sekali untuk Sampul Buku", seed="abc")

    image = Image.open(io.BytesIO(data))

    assert (image.format, image.width) == ("WEBP", files.COVER_WIDTH)


def test_clean_text_control_characters_and_blank_runs_are_removed():
    text = files.clean_text("a\x00b\x01c  \t d\r\n\r\n\r\n\ne\x02")

    assert text == "a b c d\n\ne"
