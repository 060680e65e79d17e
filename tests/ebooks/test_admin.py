"""The e-book admin: who may enter, the bulk upload run by the worker with its report, and edits
going through the services."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from competency.models import Competency
from ebooks import selectors
from ebooks.models import Ebook, EbookImport
from rumahbelajar.people.roles import CONTENT_ADMIN, ensure_role_groups
from tests.ebooks import factories as f
from tests.people.factories import UserFactory
from tests.requests import client_for

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:ebooks_ebook_changelist")
UPLOAD = reverse("admin:ebooks_ebook_upload")


@pytest.fixture
def content_admin(unit_a1):
    user = UserFactory(email="konten@example.test", unit=unit_a1, is_staff=True)
    user.groups.add(ensure_role_groups()[CONTENT_ADMIN])
    return user


@pytest.fixture
def content_client(content_admin):
    return client_for(content_admin)


def _job_url(job: EbookImport) -> str:
    return reverse("admin:ebooks_ebook_import_job", kwargs={"job_id": job.pk})


def _upload(client, django_capture_on_commit_callbacks, *files, **data):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(UPLOAD, {"uploads": list(files), "is_published": "on", **data})


# --- access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["employee", "colleague", "outsider"])
def test_ebook_changelist_non_staff_redirected_to_login(cast, who):
    response = client_for(cast[who]).get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_ebook_changelist_anonymous_redirected_to_login(client):
    response = client.get(CHANGELIST)

    assert response.status_code == 302


@pytest.mark.parametrize("url", [CHANGELIST, UPLOAD, reverse("admin:ebooks_category_changelist")])
def test_ebook_admin_hr_admin_is_forbidden(hr_admin, url):
    response = client_for(hr_admin).get(url)

    assert response.status_code == 403


def test_ebook_change_hr_admin_cannot_open_a_book(hr_admin):
    book = f.EbookFactory()

    response = client_for(hr_admin).get(reverse("admin:ebooks_ebook_change", args=[book.pk]))

    assert response.status_code == 403


@pytest.mark.parametrize("url", [CHANGELIST, UPLOAD, reverse("admin:ebooks_category_add")])
def test_ebook_admin_content_admin_may_enter(content_client, url):
    response = content_client.get(url)

    assert response.status_code == 200


def test_ebook_changelist_superuser_lists_books(superuser):
    f.EbookFactory(title="Buku Admin")

    response = client_for(superuser).get(CHANGELIST)

    assert response.status_code == 200
    assert "Buku Admin" in response.text


def test_ebook_add_redirects_to_the_upload(content_client):
    response = content_client.get(reverse("admin:ebooks_ebook_add"))

    assert (response.status_code, response["Location"]) == (302, UPLOAD)


# --- bulk upload ----------------------------------------------------------------------------------


def test_ebook_upload_content_admin_imports_files_in_the_worker_with_a_report(
    content_client, content_admin, django_capture_on_commit_callbacks, settings
):
    good = SimpleUploadedFile("hukum.pdf", f.fpdf_pdf(title="Hukum Perdata", pages=2))
    fake = SimpleUploadedFile("palsu.pdf", f.FAKE_PDF_HTML)
    epub = SimpleUploadedFile("buku.epub", f.epub_bytes())

    response = _upload(content_client, django_capture_on_commit_callbacks, good, fake, epub)

    job = EbookImport.objects.get()
    assert (response.status_code, response["Location"]) == (302, _job_url(job))
    assert (job.status, job.total_files, job.accepted_count, job.refused_count) == ("done", 3, 2, 1)
    assert [(row["name"], row["status"]) for row in job.report] == [
        ("hukum.pdf", "accepted"),
        ("palsu.pdf", "refused"),
        ("buku.epub", "accepted"),
    ]
    assert job.report[1]["reason"] == "Isi berkas adalah halaman HTML, bukan PDF atau EPUB."
    assert sorted(Ebook.objects.values_list("title", flat=True)) == [
        "Hak Asasi Manusia untuk Aparatur",
        "Hukum Perdata",
    ]
    staging = settings.MEDIA_ROOT / "ebooks" / "staging"
    assert not staging.exists() or list(staging.rglob("*.*")) == []


def test_ebook_upload_job_page_shows_the_report(content_client, django_capture_on_commit_callbacks):
    _upload(
        content_client,
        django_capture_on_commit_callbacks,
        SimpleUploadedFile("kosong.pdf", b""),
        SimpleUploadedFile("hukum.pdf", f.fpdf_pdf(title="Hukum Tata Usaha")),
    )
    job = EbookImport.objects.get()

    response = content_client.get(_job_url(job))

    assert response.status_code == 200
    assert "Berkas kosong." in response.text
    assert "Hukum Tata Usaha" in response.text


def test_ebook_upload_duplicate_is_reported_with_the_existing_book(
    tmp_path, content_client, django_capture_on_commit_callbacks
):
    data = f.fpdf_pdf(title="Sudah Ada")
    existing = f.stored_ebook(tmp_path, data)

    _upload(
        content_client, django_capture_on_commit_callbacks, SimpleUploadedFile("lagi.pdf", data)
    )

    row = EbookImport.objects.get().report[0]
    assert (row["status"], row["ebook_id"], row["title"]) == ("duplicate", existing.pk, "Sudah Ada")


def test_ebook_upload_progress_reports_files_done(
    content_client, django_capture_on_commit_callbacks
):
    _upload(
        content_client,
        django_capture_on_commit_callbacks,
        SimpleUploadedFile("a.pdf", f.handwritten_pdf()),
    )
    job = EbookImport.objects.get()

    response = content_client.get(
        reverse("admin:ebooks_ebook_import_progress", kwargs={"job_id": job.pk})
    )

    assert response.json() == {"status": "done", "done": 1, "total": 1, "percent": 100}


def test_ebook_upload_pending_job_page_polls_with_the_static_script(content_client, content_admin):
    job = EbookImport.objects.create(requested_by=content_admin, total_files=2)

    response = content_client.get(_job_url(job))

    assert 'src="/static/admin-extra/import-progress.js"' in response.text
    assert "<script>" not in response.text


def test_ebook_upload_someone_elses_job_is_404(content_client, superuser):
    job = EbookImport.objects.create(requested_by=superuser, total_files=1)

    response = content_client.get(_job_url(job))

    assert response.status_code == 404


def test_ebook_upload_oversized_file_is_a_form_error(content_client, settings):
    settings.EBOOK_MAX_UPLOAD_BYTES = 1024

    response = content_client.post(
        UPLOAD, {"uploads": [SimpleUploadedFile("besar.pdf", f.fpdf_pdf(pages=5))]}
    )

    assert response.status_code == 200
    assert "besar.pdf" in response.text
    assert EbookImport.objects.count() == 0


def test_ebook_upload_hr_admin_cannot_post(hr_admin):
    response = client_for(hr_admin).post(
        UPLOAD, {"uploads": [SimpleUploadedFile("a.pdf", f.handwritten_pdf())]}
    )

    assert response.status_code == 403
    assert EbookImport.objects.count() == 0


# --- editing through the services -----------------------------------------------------------------


def _form_data(book: Ebook, **overrides) -> dict:
    data = {
        "title": book.title,
        "slug": book.slug,
        "authors": book.authors,
        "publisher": book.publisher,
        "year": book.year or "",
        "language": book.language,
        "isbn": book.isbn,
        "description": book.description,
        "is_published": "on" if book.is_published else "",
        "competency_tags-TOTAL_FORMS": "1",
        "competency_tags-INITIAL_FORMS": "0",
        "competency_tags-MIN_NUM_FORMS": "0",
        "competency_tags-MAX_NUM_FORMS": "1000",
        "competency_tags-0-competency": "",
        "competency_tags-0-target_level": "",
        **overrides,
    }
    return data


def test_ebook_change_content_admin_edits_metadata_tags_and_search_follows(content_client):
    book = f.EbookFactory(title="Judul Lama")
    category = f.CategoryFactory(name="Kepemimpinan", slug="kepemimpinan")
    m8 = Competency.objects.get(code="M8")

    response = content_client.post(
        reverse("admin:ebooks_ebook_change", args=[book.pk]),
        _form_data(
            book,
            title="Pengambilan Keputusan Strategis",
            isbn="978-602-8519-93-9",
            categories=[category.pk],
            **{"competency_tags-0-competency": m8.pk, "competency_tags-0-target_level": "4"},
        ),
    )

    assert response.status_code == 302
    book.refresh_from_db()
    assert (book.title, book.isbn) == ("Pengambilan Keputusan Strategis", "9786028519939")
    assert list(book.categories.all()) == [category]
    assert list(book.competency_tags.values_list("competency__code", "target_level")) == [("M8", 4)]
    assert [b.pk for b in selectors.search_ebooks(q="keputusan")] == [book.pk]


def test_ebook_change_invalid_isbn_is_a_form_error(content_client):
    book = f.EbookFactory()

    response = content_client.post(
        reverse("admin:ebooks_ebook_change", args=[book.pk]), _form_data(book, isbn="12345")
    )

    assert response.status_code == 200
    assert "ISBN tidak valid" in response.text


def test_ebook_withdraw_action_unpublishes_selected_books(content_client):
    book = f.EbookFactory()

    content_client.post(CHANGELIST, {"action": "withdraw", "_selected_action": [book.pk]})

    book.refresh_from_db()
    assert book.is_published is False


def test_ebook_delete_removes_the_row_and_its_files(
    tmp_path, superuser, settings, django_capture_on_commit_callbacks
):
    book = f.stored_ebook(tmp_path)
    names = [book.file.name, book.cover.name]

    with django_capture_on_commit_callbacks(execute=True):
        client_for(superuser).post(
            reverse("admin:ebooks_ebook_delete", args=[book.pk]), {"post": "yes"}
        )

    assert Ebook.objects.count() == 0
    assert [(settings.MEDIA_ROOT / n).exists() for n in names] == [False, False]


def test_category_add_content_admin_creates_through_the_service(content_client):
    response = content_client.post(
        reverse("admin:ebooks_category_add"),
        {"name": "Keimigrasian", "slug": "keimigrasian", "sort_order": "3"},
    )

    assert response.status_code == 302
    assert list(f.CategoryFactory._meta.model.objects.values_list("name", "sort_order")) == [
        ("Keimigrasian", 3)
    ]
