"""What the e-book pages cost on every request: a constant, small number of queries, the shared
parts (a book's sections, the catalogue's count) reused through the cache, and a cache that cannot
be reached treated as a miss, never a 500."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from redis.exceptions import ConnectionError as RedisConnectionError

import ebooks.cache
import ebooks.forms
import rumahbelajar.versions
from ebooks import selectors, services
from ebooks.models import Ebook
from tests.ebooks.factories import EbookFactory
from tests.ebooks.test_views import LIST, login, make_book, text


class _UnreachableCache:
    """Every cache call fails as it does when Redis is away."""

    def __getattr__(self, name: str):
        def fail(*args, **kwargs):
            raise RedisConnectionError("Redis is away")

        return fail


@pytest.fixture
def book(law) -> Ebook:
    return make_book(
        "Pengantar Hukum Administrasi Negara",
        description="Buku ajar tentang hukum administrasi negara untuk ASN.",
        categories=(law,),
        competencies={"M1": 2},
    )


@pytest.fixture
def cache_away(monkeypatch):
    """Call it to take the catalogue's cache away (the data is made first, with the cache up).
    The session store stays up so the person stays logged in."""

    def take_away() -> None:
        away = _UnreachableCache()
        for module in (ebooks.cache, ebooks.forms, rumahbelajar.versions):
            monkeypatch.setattr(module, "cache", away)

    return take_away


@pytest.mark.parametrize("params", [{}, {"q": "hukum"}, {"category": "hukum", "page": "1"}])
def test_catalogue_renders_in_full_when_the_cache_is_away(
    client, employee, law, cache_away, params
):
    make_book("Pengantar Hukum Administrasi", categories=(law,))
    login(client, employee)
    cache_away()

    response = client.get(LIST, params)

    assert response.status_code == 200
    assert "Pengantar Hukum Administrasi" in text(response)
    assert 'name="category"' in response.content.decode()


def test_detail_renders_in_full_when_the_cache_is_away(client, employee, book, cache_away):
    login(client, employee)
    cache_away()

    response = client.get(f"{LIST}{book.slug}/")

    assert response.status_code == 200
    assert "Informasi buku" in text(response)
    assert "Hukum" in text(response)


def test_detail_three_queries_once_its_sections_are_shared(
    client, employee, colleague, book, django_assert_num_queries
):
    login(client, employee)
    client.get(f"{LIST}{book.slug}/")
    login(client, colleague)

    # The person; the book with their position and favourite; its readers' reviews (one range
    # of the partial index training_report_reviews: approved reports shown as reviews).
    with django_assert_num_queries(3):
        response = client.get(f"{LIST}{book.slug}/")

    assert "Informasi buku" in text(response)


def test_detail_sections_show_an_edit_at_once(
    client, employee, book, django_capture_on_commit_callbacks
):
    login(client, employee)
    client.get(f"{LIST}{book.slug}/")

    with django_capture_on_commit_callbacks(execute=True):
        services.update_ebook(ebook=book, description="Deskripsi yang baru ditulis.")
    response = client.get(f"{LIST}{book.slug}/")

    assert "Deskripsi yang baru ditulis." in text(response)


def test_detail_state_is_the_readers_own(client, employee, colleague, book):
    services.save_reading_progress(user=colleague, ebook=book, page=2)
    services.toggle_favourite(user=colleague, ebook=book)
    login(client, colleague)
    client.get(f"{LIST}{book.slug}/")
    login(client, employee)

    page = text(client.get(f"{LIST}{book.slug}/"))

    assert "Posisi baca Anda" not in page
    assert "Tambah ke favorit" in page


def test_reader_two_queries(client, employee, book, django_assert_num_queries):
    services.save_reading_progress(user=employee, ebook=book, page=2)
    login(client, employee)

    with django_assert_num_queries(2):  # the person; the book with their saved page
        response = client.get(f"{LIST}{book.slug}/read")

    assert 'data-start-page="2"' in response.content.decode()


def test_catalogue_other_pages_and_orders_of_a_search_reuse_its_count(client, employee, law):
    for number in range(30):
        make_book(f"Modul Hukum {number}", categories=(law,))
    login(client, employee)
    client.get(LIST, {"q": "hukum"})

    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"q": "hukum", "page": "2", "sort": "title"})

    assert "Modul Hukum" in text(response)
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


def test_shelves_are_continue_reading_and_favourites_in_one_query(
    employee, colleague, django_assert_num_queries
):
    books = [EbookFactory(title=f"Buku {n}") for n in range(8)]
    hidden = EbookFactory(title="Ditarik", is_published=False)
    for page, book in enumerate([*books[:7], hidden], start=1):
        services.save_reading_progress(user=employee, ebook=book, page=page)
    for book in [books[2], hidden, books[5], *books[:2], books[7], books[3], books[4]]:
        services.toggle_favourite(user=employee, ebook=book)
    services.toggle_favourite(user=colleague, ebook=books[6])

    with django_assert_num_queries(1):
        found = selectors.shelves(user=employee, reading=5, favourites=6)

    expected_reading = list(selectors.continue_reading(user=employee, limit=5))
    assert [(b.pk, b.progress_page) for b in found["reading"]] == [
        (p.ebook_id, p.page) for p in expected_reading
    ]
    assert found["favourite"] == list(selectors.favourites(user=employee)[:6])
    assert hidden not in found["favourite"]
    assert books[6] not in found["favourite"]
