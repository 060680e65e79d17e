"""The catalogue's shared fragments (ebooks.cache): rendered once per catalogue version, language
and query, and rendered afresh as soon as a write changes what the catalogue shows."""

from __future__ import annotations

from ebooks import cache as catalogue_cache
from ebooks import services
from ebooks.models import Ebook
from tests.ebooks.test_views import make_book
from tests.requests import get_ok_counting_queries

LIST = "/ebooks/"


def _get(client, params=None):
    return get_ok_counting_queries(client, LIST, params)


def test_catalogue_second_request_renders_from_cache_with_fewer_queries(employee_client, law):
    make_book("Pengantar Hukum Administrasi", categories=(law,))
    _first, first_queries = _get(employee_client, {"q": "hukum"})

    second, second_queries = _get(employee_client, {"q": "hukum"})

    assert second_queries < first_queries
    assert "Pengantar Hukum Administrasi" in second.content.decode()


def test_catalogue_import_after_cached_page_shows_new_book_at_once(
    employee_client, law, django_capture_on_commit_callbacks
):
    make_book("Buku Lama", categories=(law,))
    _get(employee_client)

    with django_capture_on_commit_callbacks(execute=True):
        make_book("Buku Baru Tentang Hukum", categories=(law,))
    response, _queries = _get(employee_client)

    assert "Buku Baru Tentang Hukum" in response.content.decode()


def test_catalogue_withdraw_then_publish_shows_each_change_at_once(
    employee_client, django_capture_on_commit_callbacks
):
    book = make_book("Buku Yang Ditarik")
    assert "Buku Yang Ditarik" in _get(employee_client)[0].content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        services.set_ebooks_published(ebooks=Ebook.objects.filter(pk=book.pk), published=False)
    withdrawn, _queries = _get(employee_client)
    with django_capture_on_commit_callbacks(execute=True):
        services.set_ebooks_published(ebooks=Ebook.objects.filter(pk=book.pk), published=True)
    published, _queries = _get(employee_client)

    assert "Buku Yang Ditarik" not in withdrawn.content.decode()
    assert "Buku Yang Ditarik" in published.content.decode()


def test_catalogue_after_metadata_update_shows_new_title_and_year_option(employee_client):
    book = make_book("Judul Sementara", year=2020)
    _get(employee_client)

    services.update_ebook(ebook=book, title="Judul Akhir", year=2019)
    response, _queries = _get(employee_client)

    body = response.content.decode()
    assert "Judul Akhir" in body
    assert "Judul Sementara" not in body
    assert '<option value="2019"' in body


def test_bump_version_without_version_key_starts_new_version(employee_client):
    before = catalogue_cache.version()

    catalogue_cache.cache.delete(catalogue_cache.VERSION_KEY)
    catalogue_cache.bump_version()

    assert catalogue_cache.version() != before


def test_catalogue_language_switch_does_not_reuse_other_language_fragments(employee_client):
    make_book("Buku Dua Bahasa")
    indonesian, _queries = _get(employee_client)

    employee_client.post("/i18n/setlang/", {"language": "en", "next": LIST})
    english, _queries = _get(employee_client)

    assert "Semua e-book" in indonesian.content.decode()
    assert "All e-books" in english.content.decode()
    assert "Semua e-book" not in english.content.decode()
    assert ">Relevance<" in english.content.decode()


def test_catalogue_shelves_with_cached_results_stay_per_reader(
    client, employee, colleague, django_capture_on_commit_callbacks
):
    book = make_book("Buku Favorit Pribadi")
    services.toggle_favourite(user=employee, ebook=book)
    client.force_login(employee)
    own, _queries = _get(client)

    client.force_login(colleague)
    other, _queries = _get(client)

    assert "Favorit saya" in own.content.decode()
    assert "Favorit saya" not in other.content.decode()
    assert "Buku Favorit Pribadi" in other.content.decode()  # the shared card, from the cache


def test_catalogue_htmx_request_from_cache_keeps_count_and_push_url(employee_client):
    make_book("Buku Satu")
    _get(employee_client, {"sort": "title"})

    response = employee_client.get(LIST, {"sort": "title"}, headers={"HX-Request": "true"})

    assert response["HX-Push-Url"] == f"{LIST}?sort=title"
    assert "1 e-book ditemukan" in response.content.decode()
