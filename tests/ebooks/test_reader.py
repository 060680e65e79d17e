"""The reader page (/ebooks/<ref>/read) and saving the reading position (/ebooks/<ref>/progress)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from pytest_django.asserts import assertContains, assertNotContains

from ebooks import services
from ebooks.models import Category, Ebook, ReadingProgress
from ebooks.views import PROGRESS_RATE
from tests.ebooks.test_views import make_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(db) -> Ebook:
    law = Category.objects.create(name="Hukum", slug="hukum")
    return make_book("Hukum Tata Negara", pages=12, categories=(law,))


@pytest.fixture
def draft(db) -> Ebook:
    return make_book("Naskah Belum Terbit", pages=4, published=False)


def read_url(book: Ebook) -> str:
    return f"/ebooks/{book.slug}/read"


def progress_url(book: Ebook) -> str:
    return f"/ebooks/{book.pk}/progress"


def data_attribute(response, name: str) -> str:
    match = re.search(rf'data-{name}="([^"]*)"', response.content.decode())
    assert match, f"data-{name} missing"
    return match.group(1)


# --- The reader page ---------------------------------------------------------------------------------


def test_reader_passes_its_settings_in_data_attributes_without_inline_script(
    client, employee, book
):
    client.force_login(employee)

    response = client.get(read_url(book))

    body = response.content.decode()
    assert data_attribute(response, "file-url") == f"/ebooks/{book.pk}/file"
    assert data_attribute(response, "progress-url") == f"/ebooks/{book.pk}/progress"
    assert data_attribute(response, "pdfjs-src") == "/static/vendor/pdfjs/pdf.min.mjs"
    assert data_attribute(response, "worker-src") == "/static/vendor/pdfjs/pdf.worker.min.mjs"
    assert data_attribute(response, "page-count") == "12"
    assert len(data_attribute(response, "csrf-token")) >= 32
    assert '<script type="module" src="/static/js/reader.mjs"></script>' in body
    # Every <script> has a src: the CSP allows no inline code (nor style="" attributes).
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", body))
    assert " style=" not in body


def test_reader_controls_are_labelled(client, employee, book):
    client.force_login(employee)

    response = client.get(read_url(book))

    for label in [
        "Halaman sebelumnya",
        "Halaman berikutnya",
        'aria-label="Perkecil"',
        'aria-label="Perbesar"',
        "Sesuaikan lebar",
        '<label class="reader__goto-label" for="nomor-halaman">Halaman</label>',
        '<label class="visually-hidden" for="kemajuan-baca">Kemajuan membaca</label>',
        'role="status"',
    ]:
        assertContains(response, label)


def test_reader_starts_at_page_one_then_at_the_saved_page(client, employee, book):
    client.force_login(employee)
    fresh = client.get(read_url(book))

    services.save_reading_progress(user=employee, ebook=book, page=7)
    reopened = client.get(read_url(book))

    assert data_attribute(fresh, "start-page") == "1"
    assert data_attribute(reopened, "start-page") == "7"
    assertContains(reopened, 'value="7"')
    assert "Halaman 7 dari 12 · 58%" in " ".join(reopened.content.decode().split())


@pytest.mark.parametrize(
    ("page", "start"), [("3", "3"), ("999", "12"), ("abc", "5"), ("0", "5"), ("-2", "5")]
)
def test_reader_page_parameter_overrides_the_saved_page_when_valid(
    client, employee, book, page, start
):
    services.save_reading_progress(user=employee, ebook=book, page=5)
    client.force_login(employee)

    response = client.get(read_url(book), {"page": page})

    assert data_attribute(response, "start-page") == start


def test_reader_saved_page_belongs_to_its_reader(client, employee, colleague, book):
    services.save_reading_progress(user=colleague, ebook=book, page=9)
    client.force_login(employee)

    assert data_attribute(client.get(read_url(book)), "start-page") == "1"


def test_reader_offers_the_file_as_a_fallback(client, employee, book):
    client.force_login(employee)

    response = client.get(read_url(book))

    assertContains(response, f'href="/ebooks/{book.pk}/file" download')
    assertNotContains(response, "/media")


# --- Saving the position -------------------------------------------------------------------------------


def test_progress_saves_the_page(client, employee, book):
    client.force_login(employee)

    response = client.post(progress_url(book), {"page": "4"})

    assert response.status_code == 200
    assert response.json() == {"page": 4}
    assert ReadingProgress.objects.get(user=employee, ebook=book).page == 4


def test_progress_updates_the_one_row(client, employee, book):
    client.force_login(employee)

    client.post(progress_url(book), {"page": "4"})
    client.post(progress_url(book), {"page": "6"})

    assert list(ReadingProgress.objects.values_list("page", flat=True)) == [6]


def test_progress_by_slug_too(client, employee, book):
    client.force_login(employee)

    response = client.post(f"/ebooks/{book.slug}/progress", {"page": "2"})

    assert response.json() == {"page": 2}


@pytest.mark.parametrize(("sent", "saved"), [("13", 12), ("99999999999999999999", 12), ("1", 1)])
def test_progress_clamps_to_the_last_page(client, employee, book, sent, saved):
    client.force_login(employee)

    response = client.post(progress_url(book), {"page": sent})

    assert response.status_code == 200
    assert ReadingProgress.objects.get(user=employee, ebook=book).page == saved


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"page": ""},
        {"page": "abc"},
        {"page": "0"},
        {"page": "-3"},
        {"page": "2.5"},
        {"page": "3", "location": "x" * 301},
    ],
)
def test_progress_bad_input_is_400(client, employee, book, data):
    client.force_login(employee)

    response = client.post(progress_url(book), data)

    assert response.status_code == 400
    assert "error" in response.json()
    assert not ReadingProgress.objects.exists()


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_progress_only_post(client, employee, book, method):
    client.force_login(employee)

    response = getattr(client, method)(progress_url(book))

    assert response.status_code == 405


def test_progress_csrf_enforced(employee, book):
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee)

    response = client.post(progress_url(book), {"page": "3"})

    assert response.status_code == 403
    assert not ReadingProgress.objects.exists()


def test_progress_csrf_token_from_the_page_is_accepted(employee, book):
    """What the reader does: the token from the page's data- attribute, in the form body (as
    navigator.sendBeacon sends it) or in the X-CSRFToken header (as fetch does)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee)
    token = data_attribute(client.get(read_url(book)), "csrf-token")

    in_body = client.post(progress_url(book), {"page": "3", "csrfmiddlewaretoken": token})
    in_header = client.post(progress_url(book), {"page": "5"}, HTTP_X_CSRFTOKEN=token)

    assert in_body.status_code == in_header.status_code == 200
    assert ReadingProgress.objects.get(user=employee, ebook=book).page == 5


def test_progress_throttled_past_the_rate(client, employee, colleague, book):
    client.force_login(employee)
    for page in range(PROGRESS_RATE):
        assert client.post(progress_url(book), {"page": str(page % 12 + 1)}).status_code == 200

    refused = client.post(progress_url(book), {"page": "2"})
    client.force_login(colleague)
    other_reader = client.post(progress_url(book), {"page": "2"})

    assert refused.status_code == 429
    assert other_reader.status_code == 200


def test_progress_anonymous_redirects_to_login(client, book):
    response = client.post(progress_url(book), {"page": "3"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not ReadingProgress.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"), [("employee", 404), ("hr_admin", 404), ("superuser", 200)]
)
def test_progress_unpublished_book(client, cast, draft, who, status):
    client.force_login(cast[who])

    response = client.post(progress_url(draft), {"page": "2"})

    assert response.status_code == status


def test_progress_unknown_book_is_404(client, employee):
    client.force_login(employee)

    assert client.post("/ebooks/424242/progress", {"page": "2"}).status_code == 404
