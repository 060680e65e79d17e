"""The import service (shared by the command and the admin bulk upload), the command, and the
demo seed: each kind of file accepted or refused with its reason; nothing half imported."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from competency.models import Competency
from ebooks import demo, services
from ebooks.models import Ebook
from ebooks.services import importing
from tests.ebooks import factories as f

pytestmark = pytest.mark.django_db


def _stored_files(settings) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return (
        sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
        if root.exists()
        else []
    )


# --- accepted -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("maker", "pages"),
    [
        (lambda: f.fpdf_pdf(pages=3), 3),
        (lambda: f.pypdf_pdf(pages=2), 2),
        (lambda: f.handwritten_pdf(), 1),
    ],
    ids=["fpdf2", "pypdf-writer", "handwritten"],
)
def test_import_ebook_real_pdf_is_accepted_and_stored(tmp_path, settings, maker, pages):
    path = f.write(tmp_path, "buku.pdf", maker())

    outcome = services.import_ebook(path_or_file=path)

    assert outcome.status == "accepted"
    book = Ebook.objects.get()
    assert (book.page_count, book.file_format, book.size_bytes) == (
        pages,
        "pdf",
        path.stat().st_size,
    )
    assert _stored_files(settings) == sorted([book.file.name, book.cover.name])
    assert book.file.read() == path.read_bytes()


def test_import_ebook_pdf_metadata_becomes_title_authors_and_search_text(tmp_path):
    path = f.write(
        tmp_path, "x.pdf", f.fpdf_pdf(title="Hukum Keimigrasian", author="Wahyu Setiawan")
    )

    services.import_ebook(path_or_file=path)

    book = Ebook.objects.get()
    assert (book.title, book.authors, book.slug) == (
        "Hukum Keimigrasian",
        "Wahyu Setiawan",
        "hukum-keimigrasian",
    )
    assert book.body_text.startswith("Halaman 1. Pelayanan publik")
    assert book.search_vector is not None
    assert book.rank_vector is not None


def test_import_ebook_explicit_values_override_the_file(tmp_path):
    category = f.CategoryFactory(name="HAM", slug="ham")
    m1 = Competency.objects.get(code="M1")
    path = f.write(tmp_path, "x.pdf", f.fpdf_pdf(title="Judul Berkas"))

    book = services.import_ebook(
        path_or_file=path,
        title="Judul Pilihan",
        authors="A; B",
        year=2020,
        isbn="978-602-8519-93-9",
        categories=[category],
        competencies={"M1": 3},
        is_published=False,
    ).ebook

    assert (book.title, book.authors, book.year, book.isbn, book.is_published) == (
        "Judul Pilihan",
        "A; B",
        2020,
        "9786028519939",
        False,
    )
    assert list(book.categories.all()) == [category]
    assert list(book.competency_tags.values_list("competency", "target_level")) == [(m1.pk, 3)]


def test_import_ebook_junk_metadata_title_falls_back_to_file_name(tmp_path):
    path = f.write(
        tmp_path, "Pedoman_Pelayanan-Publik.pdf", f.fpdf_pdf(title="Microsoft Word - draft3.docx")
    )

    book = services.import_ebook(path_or_file=path).ebook

    assert book.title == "Pedoman Pelayanan Publik"


def test_import_ebook_same_title_gets_a_distinct_slug(tmp_path):
    first = services.import_ebook(
        path_or_file=f.write(tmp_path, "a.pdf", f.fpdf_pdf(title="Sama"))
    ).ebook

    second = services.import_ebook(
        path_or_file=f.write(tmp_path, "b.pdf", f.fpdf_pdf(title="Sama", pages=2))
    ).ebook

    assert first.slug == "sama"
    assert second.slug == f"sama-{second.sha256[:8]}"


def test_import_ebook_valid_epub_is_accepted_with_opf_metadata(tmp_path):
    path = f.write(tmp_path, "buku.epub", f.epub_bytes())

    book = services.import_ebook(path_or_file=path).ebook

    assert (book.file_format, book.title, book.authors, book.year) == (
        "epub",
        "Hak Asasi Manusia untuk Aparatur",
        "Siti Aminah",
        2021,
    )
    assert book.file.name.endswith(".epub")
    assert book.cover.name.endswith(".webp")


def test_import_ebook_epub_without_cover_gets_a_generated_cover(tmp_path):
    path = f.write(tmp_path, "buku.epub", f.epub_bytes(cover=False))

    book = services.import_ebook(path_or_file=path).ebook

    assert book.cover.read()[:4] == b"RIFF"


def test_import_ebook_from_an_upload_object_streams_it(tmp_path):
    upload = SimpleUploadedFile("unggahan.pdf", f.fpdf_pdf(title="Dari Unggahan"))

    outcome = services.import_ebook(path_or_file=upload)

    assert (outcome.status, outcome.name, outcome.ebook.title) == (
        "accepted",
        "unggahan.pdf",
        "Dari Unggahan",
    )


# --- refused: nothing left behind -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("palsu.pdf", f.FAKE_PDF_HTML, "Isi berkas adalah halaman HTML, bukan PDF atau EPUB."),
        ("kosong.pdf", b"", "Berkas kosong."),
        ("rahasia.pdf", f.encrypted_pdf(), "PDF terenkripsi"),
        ("potong.pdf", f.truncated_pdf(), "PDF rusak atau terpotong"),
        ("rusak.pdf", f.garbage_pdf(), "PDF rusak: "),
        ("bom.epub", f.zip_bomb_epub(), "EPUB ditolak: "),
    ],
    ids=["html-as-pdf", "empty", "encrypted", "truncated", "broken", "zip-bomb"],
)
def test_import_ebook_bad_file_is_refused_and_leaves_nothing(
    tmp_path, settings, name, data, reason
):
    path = f.write(tmp_path, name, data)

    outcome = services.import_ebook(path_or_file=path)

    assert outcome.status == "refused"
    assert outcome.reason.startswith(reason)
    assert Ebook.objects.count() == 0
    assert _stored_files(settings) == []


def test_import_ebook_over_size_limit_is_refused_before_reading(tmp_path, settings):
    settings.EBOOK_MAX_UPLOAD_BYTES = 1024
    path = f.write(tmp_path, "besar.pdf", f.fpdf_pdf(pages=5))

    outcome = services.import_ebook(path_or_file=path)

    assert (outcome.status, outcome.reason) == ("refused", "Berkas melebihi batas ukuran 0 MB.")
    assert Ebook.objects.count() == 0


def test_import_ebook_stream_over_size_limit_is_refused(tmp_path, settings):
    settings.EBOOK_MAX_UPLOAD_BYTES = 2048
    stream = io.BytesIO(f.fpdf_pdf(pages=5))

    outcome = services.import_ebook(path_or_file=stream, original_name="aliran.pdf")

    assert (outcome.status, outcome.name) == ("refused", "aliran.pdf")
    assert _stored_files(settings) == []


def test_import_ebook_invalid_isbn_is_refused(tmp_path):
    path = f.write(tmp_path, "x.pdf", f.fpdf_pdf())

    outcome = services.import_ebook(path_or_file=path, isbn="978-602-8519-93-0")

    assert (outcome.status, outcome.reason) == ("refused", "ISBN tidak valid (periksa digitnya).")


def test_import_ebook_failure_after_storing_deletes_the_stored_files(
    tmp_path, settings, monkeypatch
):
    def fail(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(importing, "refresh_search_vectors", fail)
    path = f.write(tmp_path, "x.pdf", f.fpdf_pdf())

    with pytest.raises(RuntimeError):
        services.import_ebook(path_or_file=path)

    assert Ebook.objects.count() == 0
    assert _stored_files(settings) == []


# --- duplicates -----------------------------------------------------------------------------------


def test_import_ebook_same_bytes_twice_is_reported_as_duplicate(tmp_path, settings):
    data = f.fpdf_pdf(title="Satu Kali")
    first = services.import_ebook(path_or_file=f.write(tmp_path, "a.pdf", data)).ebook

    outcome = services.import_ebook(path_or_file=f.write(tmp_path, "salinan.pdf", data))

    assert (outcome.status, outcome.duplicate_of) == ("duplicate", first)
    assert outcome.describe() == "sama dengan “Satu Kali” (satu-kali), tidak diimpor lagi"
    assert Ebook.objects.count() == 1
    assert len(_stored_files(settings)) == 2


def test_import_ebook_orphan_file_from_a_crash_is_replaced(tmp_path, settings):
    data = f.fpdf_pdf(title="Yatim")
    book = services.import_ebook(path_or_file=f.write(tmp_path, "a.pdf", data)).ebook
    name = book.file.name
    Ebook.objects.all().delete()  # the row is gone, the stored file stayed (as after a crash)

    again = services.import_ebook(path_or_file=f.write(tmp_path, "b.pdf", data)).ebook

    assert again.file.name == name
    assert again.file.read() == data


# --- the command ----------------------------------------------------------------------------------


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "impor"
    (folder / "sub").mkdir(parents=True)
    (folder / "a-hukum.pdf").write_bytes(f.fpdf_pdf(title="Hukum Dasar", pages=2))
    (folder / "sub" / "b.epub").write_bytes(f.epub_bytes())
    (folder / "catatan.txt").write_text("bukan buku")
    (folder / ".tersembunyi.pdf").write_bytes(f.FAKE_PDF_HTML)
    return folder


def test_import_ebooks_command_folder_of_good_files_reports_each_and_exits_0(tmp_path):
    out = io.StringIO()

    call_command("import_ebooks", str(_folder(tmp_path)), stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == f"[1/2] DITERIMA {tmp_path}/impor/a-hukum.pdf — “Hukum Dasar”, 2 halaman"
    assert (
        lines[1]
        == f"[2/2] DITERIMA {tmp_path}/impor/sub/b.epub — “Hak Asasi Manusia untuk Aparatur”, 1 halaman"
    )
    assert lines[2].endswith(
        "2 diterima, 0 ganda, 0 ditolak. 1 berkas lain di folder dilewati (bukan .pdf/.epub)."
    )
    assert Ebook.objects.count() == 2


def test_import_ebooks_command_refused_file_exits_1_with_reason(tmp_path):
    folder = _folder(tmp_path)
    (folder / "palsu.pdf").write_bytes(f.FAKE_PDF_HTML)
    out = io.StringIO()

    with pytest.raises(CommandError) as error:
        call_command("import_ebooks", str(folder), stdout=out)

    assert error.value.returncode == 1
    lines = out.getvalue().splitlines()
    assert (
        lines[1]
        == f"[2/3] DITOLAK  {folder}/palsu.pdf — Isi berkas adalah halaman HTML, bukan PDF atau EPUB."
    )
    assert "2 diterima, 0 ganda, 1 ditolak." in lines[3]
    assert Ebook.objects.count() == 2


def test_import_ebooks_command_duplicate_is_reported_and_exits_0(tmp_path):
    data = f.fpdf_pdf(title="Dua Kali")
    one = f.write(tmp_path, "satu.pdf", data)
    two = f.write(tmp_path, "dua.pdf", data)
    out = io.StringIO()

    call_command("import_ebooks", str(one), str(two), stdout=out)

    lines = out.getvalue().splitlines()
    assert (
        lines[1] == f"[2/2] GANDA    {two} — sama dengan “Dua Kali” (dua-kali), tidak diimpor lagi"
    )
    assert Ebook.objects.count() == 1


def test_import_ebooks_command_missing_path_exits_1(tmp_path):
    with pytest.raises(CommandError) as error:
        call_command(
            "import_ebooks", str(tmp_path / "tidak-ada"), stdout=io.StringIO(), stderr=io.StringIO()
        )

    assert error.value.returncode == 1


def test_import_ebooks_command_category_option_tags_every_book(tmp_path):
    category = f.CategoryFactory(name="Hukum Pidana", slug="hukum-pidana")

    call_command(
        "import_ebooks", str(_folder(tmp_path)), "--category", "hukum-pidana", stdout=io.StringIO()
    )

    assert sorted(category.ebooks.values_list("title", flat=True)) == [
        "Hak Asasi Manusia untuk Aparatur",
        "Hukum Dasar",
    ]


# --- the demo -------------------------------------------------------------------------------------


def test_seed_demo_library_twice_creates_books_once_with_real_pdfs(monkeypatch):
    monkeypatch.setattr(demo, "BOOKS", demo.BOOKS[:4])

    first = demo.seed()
    second = demo.seed(ebooks_extra=5)

    assert (first["created"], second["created"], second["extra"]) == (4, 0, 5)
    book = Ebook.objects.get(slug="pengantar-hukum-pidana-indonesia")
    assert book.file.read(5) == b"%PDF-"
    assert 3 <= book.page_count <= 20
    assert list(book.categories.values_list("slug", flat=True)) == ["hukum-pidana"]
    assert book.competency_tags.count() == 2
    base_slug = sorted(demo.slugify(b[0]) for b in demo.BOOKS[:4])[1]  # extra n copies base n % 4
    extra = Ebook.objects.get(slug="demo-extra-000001")
    assert extra.file.name == Ebook.objects.get(slug=base_slug).file.name
    assert extra.categories.count() == 1


# --- clean-up and the worker's loop ---------------------------------------------------------------


def test_delete_orphan_files_removes_only_files_without_a_row(tmp_path, settings):
    kept = f.stored_ebook(tmp_path)
    orphan = "ebooks/files/ab/" + "ab" * 32 + ".pdf"
    kept.file.storage.save(orphan, io.BytesIO(b"%PDF-1.4 sisa"))

    deleted = services.delete_orphan_files(older_than=dt.timedelta(0))

    assert deleted == 1
    assert _stored_files(settings) == sorted([kept.file.name, kept.cover.name])


def test_run_ebook_import_resumes_after_the_files_already_reported(tmp_path, employee):
    from django.core.files.storage import default_storage

    from ebooks.models import EbookImport

    staged = [
        default_storage.save(f"ebooks/staging/x/{n}", io.BytesIO(data))
        for n, data in enumerate([f.fpdf_pdf(title="Sudah"), f.fpdf_pdf(title="Belum")])
    ]
    job = EbookImport.objects.create(
        requested_by=employee,
        total_files=2,
        files=[{"name": "a.pdf", "path": staged[0]}, {"name": "b.pdf", "path": staged[1]}],
        report=[{"name": "a.pdf", "status": "accepted"}],
        accepted_count=1,
        status="running",
    )

    services.run_ebook_import(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.accepted_count, [r["name"] for r in job.report]) == (
        "done",
        2,
        ["a.pdf", "b.pdf"],
    )
    assert list(Ebook.objects.values_list("title", flat=True)) == ["Belum"]
    assert [default_storage.exists(name) for name in staged] == [False, False]


def _staged_job(owner, *, status="pending", age=dt.timedelta(0)):
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from ebooks.models import EbookImport

    stored = default_storage.save("ebooks/staging/y/0", io.BytesIO(f.fpdf_pdf(title="Tertunda")))
    job = EbookImport.objects.create(
        requested_by=owner, total_files=1, status=status, files=[{"name": "a.pdf", "path": stored}]
    )
    EbookImport.objects.filter(pk=job.pk).update(created_at=timezone.now() - age)
    return job


def test_run_ebook_import_job_held_by_another_worker_is_left_alone(employee):
    import psycopg

    from tests.workers import test_database_url

    job = _staged_job(employee)
    other = psycopg.connect(test_database_url(), autocommit=True)
    try:
        other.execute(
            "SELECT pg_advisory_lock(hashtextextended(%s, 0))", [f"ebooks-import:{job.pk}"]
        )

        services.run_ebook_import(job_id=job.pk)
    finally:
        other.close()

    job.refresh_from_db()
    assert (job.status, job.report) == ("pending", [])


def test_resume_ebook_imports_runs_jobs_left_pending(employee):
    stale = _staged_job(employee, age=dt.timedelta(minutes=30))

    resumed = services.resume_ebook_imports()

    stale.refresh_from_db()
    assert (resumed, stale.status, stale.accepted_count) == ([stale.pk], "done", 1)
