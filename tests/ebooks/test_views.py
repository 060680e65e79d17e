"""The e-book pages: /ebooks/ (catalogue), /ebooks/<ref>/ (detail), the favourite toggle, and the
private file and cover. The reader and the reading position are in test_reader.py."""

from __future__ import annotations

import io
import re

import pytest
from django.core.cache import cache
from django.test import Client
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from competency.models import Competency
from ebooks import services
from ebooks.forms import FILTER_CHOICES_KEY
from ebooks.models import Category, Ebook, Favourite
from tests.competency.conftest import ensure_dictionary
from tests.conftest import PASSWORD
from tests.ebooks.factories import EbookFactory, epub_bytes, fpdf_pdf
from tests.requests import CATALOGUE_GARBAGE

pytestmark = pytest.mark.django_db

LIST = "/ebooks/"
LOGIN = "/accounts/login/"
EVERYONE = ["employee", "colleague", "outsider", "hr_admin", "superuser"]


# --- Data -----------------------------------------------------------------------------------------


def make_book(
    title: str = "Pengantar Hukum Administrasi Negara",
    *,
    pages: int = 3,
    body: str = "Asas-asas umum pemerintahan yang baik.",
    categories: tuple[Category, ...] = (),
    competencies: dict[str, int] | None = None,
    published: bool = True,
    **values,
) -> Ebook:
    """A book through the import service, as the command and the admin make them."""
    if competencies:
        ensure_dictionary()
    outcome = services.import_ebook(
        path_or_file=io.BytesIO(
            fpdf_pdf(title=title, author="", pages=pages, text=f"{title}\n{body}")
        ),
        original_name=f"{title}.pdf",
        title=title,
        categories=categories,
        competencies=competencies,
        is_published=published,
        **values,
    )
    assert outcome.status == "accepted", outcome.reason
    return outcome.ebook


@pytest.fixture
def book(law) -> Ebook:
    return make_book(
        "Pengantar Hukum Administrasi Negara",
        pages=5,
        authors="Siti Rahma; Budi Santoso",
        publisher="BPSDM Hukum",
        year=2023,
        isbn="9786020000008",
        description="Buku ajar tentang hukum administrasi negara untuk ASN.",
        categories=(law,),
        competencies={"M1": 2, "SK1": 3},
    )


@pytest.fixture
def draft(law) -> Ebook:
    return make_book("Rancangan Modul Rahasia", published=False, categories=(law,))


def login(client, person) -> None:
    client.force_login(person)


def text(response) -> str:
    """The page's text with tags removed and whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def result_titles(response) -> list[str]:
    return [
        " ".join(re.sub(r"<[^>]+>", "", title).split())
        for title in re.findall(
            r'class="stretched-link book-card__link"[^>]*>(.*?)</a>',
            response.content.decode(),
            re.S,
        )
    ]


# --- Access ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "{ref}/", "{ref}/read", "{ref}/cover"])
def test_pages_anonymous_redirects_to_login(client, book, suffix):
    url = LIST + suffix.format(ref=book.slug)

    response = client.get(url)

    assertRedirects(response, f"{LOGIN}?next={url}", fetch_redirect_response=False)


def test_file_anonymous_redirects_to_login_never_the_bytes(client, book):
    url = f"{LIST}{book.pk}/file"

    response = client.get(url, HTTP_RANGE="bytes=0-99")

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={url}"
    assert b"%PDF" not in response.content


def test_file_logged_out_client_is_refused(client, book, employee):
    url = f"{LIST}{book.pk}/file"
    client.post(LOGIN, {"login": employee.email, "password": PASSWORD})
    assert client.get(url).status_code == 200

    client.post("/accounts/logout/")
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert b"%PDF" not in response.content


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("suffix", ["", "{ref}/", "{ref}/read", "{ref}/cover", "{ref}/file"])
def test_pages_published_book_open_to_everyone_logged_in(client, cast, book, who, suffix):
    login(client, cast[who])

    response = client.get(LIST + suffix.format(ref=book.slug))

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("employee", 404),
        ("colleague", 404),
        ("outsider", 404),
        ("hr_admin", 404),
        ("superuser", 200),
    ],
)
@pytest.mark.parametrize("suffix", ["{ref}/", "{ref}/read", "{ref}/cover", "{ref}/file"])
def test_pages_unpublished_book_only_for_staff_who_manage_ebooks(
    client, cast, draft, who, status, suffix
):
    login(client, cast[who])

    response = client.get(LIST + suffix.format(ref=draft.pk))

    assert response.status_code == status


@pytest.mark.parametrize("who", ["employee", "hr_admin"])
def test_favourite_unpublished_book_is_404(client, cast, draft, who):
    login(client, cast[who])

    response = client.post(f"{LIST}{draft.pk}/favourite")

    assert response.status_code == 404
    assert not Favourite.objects.exists()


def test_catalogue_unpublished_book_not_listed_even_for_superuser(client, superuser, draft, book):
    login(client, superuser)

    response = client.get(LIST)

    assert result_titles(response) == [book.title]


def test_detail_unknown_ref_is_404(client, employee, book):
    login(client, employee)

    assert client.get(f"{LIST}buku-yang-tidak-ada/").status_code == 404
    assert client.get(f"{LIST}999999/").status_code == 404


# --- Catalogue ----------------------------------------------------------------------------------------


@pytest.fixture
def library(law, service):
    """Four books on different subjects, years and languages."""
    return {
        "hukum": make_book(
            "Hukum Pidana untuk Penyidik",
            body="Penyidikan tindak pidana dan hak tersangka.",
            year=2021,
            categories=(law,),
            competencies={"M1": 2},
        ),
        "ham": make_book(
            "Hak Asasi Manusia dalam Pemasyarakatan",
            body="Pemenuhan hak warga binaan menurut hukum nasional.",
            year=2024,
            categories=(law,),
        ),
        "layanan": make_book(
            "Standar Pelayanan Publik",
            body="Maklumat pelayanan, survei kepuasan masyarakat.",
            year=2024,
            categories=(service,),
            competencies={"SK1": 3},
        ),
        "english": make_book(
            "Leadership in Public Sector",
            body="Leading change in government agencies.",
            year=2020,
            language="en",
        ),
    }


def test_catalogue_lists_books_with_count_cover_authors_and_categories(client, employee, book):
    login(client, employee)

    response = client.get(LIST)

    page = text(response)
    assert "Perpustakaan E-book" in page
    assert "(1 e-book)" in page
    assertContains(response, f'href="/ebooks/{book.slug}/"')
    assertContains(response, f'src="/ebooks/{book.pk}/cover?v={book.sha256[:12]}"')
    assert "Siti Rahma, Budi Santoso" in page
    assert '<li class="tag">Hukum</li>' in response.content.decode()


def test_catalogue_search_finds_words_and_highlights_them(client, employee, library):
    login(client, employee)

    response = client.get(LIST, {"q": "hukum"})

    assert set(result_titles(response)) == {
        library["hukum"].title,
        library["ham"].title,
    }
    assert "2 e-book ditemukan" in text(response)
    assertContains(response, "<mark>")


def test_catalogue_search_snippet_is_escaped(client, employee, law):
    make_book("Naskah Uji", description="<script>alert(1)</script> pengawasan ketat")
    login(client, employee)

    response = client.get(LIST, {"q": "pengawasan"})

    assertNotContains(response, "<script>alert(1)</script>")
    assertContains(response, "<mark>pengawasan</mark>")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "hukum"}, {"hukum", "ham"}),
        ({"category": "pelayanan-publik"}, {"layanan"}),
        ({"competency": "M1"}, {"hukum"}),
        ({"competency": "SK1"}, {"layanan"}),
        ({"language": "en"}, {"english"}),
        ({"year": "2024"}, {"ham", "layanan"}),
        ({"year": "2024", "category": "hukum"}, {"ham"}),
        ({"q": "hukum", "year": "2021"}, {"hukum"}),
    ],
)
def test_catalogue_filters_combine(client, employee, library, params, expected):
    login(client, employee)

    response = client.get(LIST, params)

    assert set(result_titles(response)) == {library[key].title for key in expected}


@pytest.mark.parametrize(
    "params",
    [
        *CATALOGUE_GARBAGE,
        {"page": "99999"},
        {"year": "xyz"},
        {"year": "99999999999999999999"},
        {"category": "unknown"},
        {"competency": "Z9"},
        {"language": "klingon"},
        {"sort": "'; DROP TABLE ebooks_ebook; --"},
    ],
)
def test_catalogue_garbage_parameters_never_500(client, employee, library, params):
    login(client, employee)

    response = client.get(LIST, params)

    assert response.status_code == 200


def test_catalogue_unknown_filter_value_is_ignored(client, employee, library):
    login(client, employee)

    response = client.get(LIST, {"category": "unknown", "year": "xyz"})

    assert len(result_titles(response)) == 4
    assertNotContains(response, "Filter aktif")


@pytest.mark.parametrize(
    ("sort", "first", "last"),
    [("title", "ham", "layanan"), ("newest", "english", "hukum")],
)
def test_catalogue_sort(client, employee, library, sort, first, last):
    login(client, employee)

    titles = result_titles(client.get(LIST, {"sort": sort}))

    assert titles[0] == library[first].title
    assert titles[-1] == library[last].title


def test_catalogue_pagination_edges(client, employee, law):
    for number in range(26):
        EbookFactory(title=f"Modul Pelatihan {number:02d}")
    login(client, employee)

    first = client.get(LIST, {"sort": "title"})
    last = client.get(LIST, {"sort": "title", "page": "2"})
    beyond = client.get(LIST, {"sort": "title", "page": "99999"})
    garbage = client.get(LIST, {"sort": "title", "page": "abc"})

    assert len(result_titles(first)) == 24
    assert result_titles(last) == ["Modul Pelatihan 24", "Modul Pelatihan 25"]
    assert result_titles(beyond) == result_titles(last)
    assert result_titles(garbage) == result_titles(first)
    assert "Menampilkan 25–26 · halaman 2 dari 2" in text(last)  # noqa: RUF001
    assertContains(first, 'href="?sort=title&amp;page=2"')
    assertContains(first, 'rel="next"')
    assertNotContains(first, 'rel="prev"')
    assertContains(last, 'rel="prev"')
    assertNotContains(last, 'rel="next"')


def test_catalogue_page_links_keep_the_words_filters_and_a_chosen_sort(client, employee, law):
    for number in range(25):
        EbookFactory(title=f"Modul Hukum {number:02d}", year=2024)
    login(client, employee)

    relevance = client.get(LIST, {"q": "hukum", "year": "2024"})
    newest = client.get(LIST, {"q": "hukum", "year": "2024", "sort": "newest"})
    browsing = client.get(LIST, {"sort": "newest"})

    assertContains(relevance, 'href="?q=hukum&amp;year=2024&amp;page=2"')
    assertContains(newest, 'href="?q=hukum&amp;year=2024&amp;sort=newest&amp;page=2"')
    assertContains(browsing, 'href="?page=2"')


def test_catalogue_empty_state_suggests_removing_filters_and_popular_categories(
    client, employee, library
):
    login(client, employee)

    response = client.get(LIST, {"q": "hukum", "category": "pelayanan-publik"})

    page = text(response)
    assert result_titles(response) == []
    assert "Tidak ada e-book yang cocok dengan “hukum”" in page
    assert "Kategori: Pelayanan Publik" in page
    # Removing the category keeps the words; the popular categories are offered.
    assertContains(response, 'href="?q=hukum"')
    assertContains(response, 'href="?category=hukum"')
    assert "Jelajahi kategori populer" in page


def test_catalogue_htmx_request_returns_the_results_partial_only(client, employee, library):
    login(client, employee)

    response = client.get(LIST, {"q": "hukum"}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="hasil"')
    assert '<div hx-swap-oob="innerHTML:#status-hasil">' in body
    assert "<html" not in body
    assert 'role="search"' not in body
    assert "2 e-book ditemukan" in text(response)
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    ("params", "pushed"),
    [
        ({"q": "hukum", "category": "", "year": "", "sort": "relevance"}, "/ebooks/?q=hukum"),
        ({"q": "", "category": "hukum", "sort": "title"}, "/ebooks/?category=hukum&sort=title"),
        ({"q": "", "sort": "newest", "page": "1"}, "/ebooks/"),
    ],
)
def test_catalogue_htmx_pushes_the_canonical_url(client, employee, library, params, pushed):
    login(client, employee)

    response = client.get(LIST, params, HTTP_HX_REQUEST="true")

    assert response["HX-Push-Url"] == pushed


def test_catalogue_htmx_history_restore_gets_the_whole_page(client, employee, library):
    login(client, employee)

    response = client.get(
        LIST, {"q": "hukum"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )

    assertContains(response, "<html")
    assertContains(response, 'role="search"')


def test_catalogue_form_works_without_javascript_and_keeps_values(client, employee, library):
    login(client, employee)

    response = client.get(LIST, {"q": "hukum", "year": "2024", "sort": "title"})

    body = response.content.decode()
    assert 'method="get"' in body
    assert 'action="/ebooks/"' in body
    assert re.search(r'<input type="search" name="q" value="hukum"', body)
    assert '<option value="2024" selected>2024</option>' in body
    assert '<option value="title" selected>' in body


@pytest.mark.parametrize(
    ("params", "shown"),
    [({}, "newest"), ({"sort": "relevance"}, "newest"), ({"q": "hukum"}, "relevance")],
)
def test_catalogue_sort_select_shows_the_order_in_use(client, employee, library, params, shown):
    login(client, employee)

    response = client.get(LIST, params)

    assertContains(response, f'<option value="{shown}" selected>')


def test_catalogue_shelves_continue_reading_and_favourites_when_not_searching(
    client, employee, library
):
    services.save_reading_progress(user=employee, ebook=library["ham"], page=2)
    services.toggle_favourite(user=employee, ebook=library["layanan"])
    login(client, employee)

    browsing = client.get(LIST)
    searching = client.get(LIST, {"q": "pelayanan"})

    page = text(browsing)
    assert "Lanjutkan membaca" in page
    assert "Halaman 2 dari 3 · 67%" in page
    assertContains(browsing, f'href="/ebooks/{library["ham"].slug}/read"')
    assert "Favorit saya" in page
    assert "Lanjutkan membaca" not in text(searching)
    assert "Favorit saya" not in text(searching)


def test_catalogue_shelves_are_per_person(client, employee, colleague, library):
    services.save_reading_progress(user=colleague, ebook=library["ham"], page=2)
    services.toggle_favourite(user=colleague, ebook=library["layanan"])
    login(client, employee)

    page = text(client.get(LIST))

    assert "Lanjutkan membaca" not in page
    assert "Favorit saya" not in page


def _catalogue_queries(client, django_assert_max_num_queries, params, limit):
    cache.delete(FILTER_CHOICES_KEY)  # cached for a minute: count their queries too
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(LIST, params)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_catalogue_filter_choices_are_cached_between_requests(
    client, employee, library, django_assert_num_queries
):
    login(client, employee)
    client.get(LIST)

    with django_assert_num_queries(4):  # the user, the count, the page, its books' categories
        response = client.get(LIST, {"q": "hukum"})

    body = response.content.decode()
    assert re.search(r'<option value="pelayanan-publik"\s*>Pelayanan Publik</option>', body)
    assert re.search(r'<option value="M1"\s*>M1 Integritas</option>', body)


@pytest.mark.parametrize("params", [{}, {"q": "modul"}, {"category": "hukum", "sort": "title"}])
def test_catalogue_query_count_constant_from_one_to_many_books(
    client, employee, law, django_assert_max_num_queries, params
):
    ensure_dictionary()

    def tagged(number):
        return EbookFactory(
            title=f"Modul Hukum {number}",
            body_text=f"modul nomor {number}",
            year=2000 + number,
            categories=[law],
            competencies={"M1": 2},
        )

    first = tagged(0)
    services.save_reading_progress(user=employee, ebook=first, page=2)
    services.toggle_favourite(user=employee, ebook=first)
    login(client, employee)
    one = _catalogue_queries(client, django_assert_max_num_queries, params, 8)

    for number in range(1, 30):
        book = tagged(number)
        services.save_reading_progress(user=employee, ebook=book, page=2)
        services.toggle_favourite(user=employee, ebook=book)
    many = _catalogue_queries(client, django_assert_max_num_queries, params, 8)

    assert many == one


# --- Detail -------------------------------------------------------------------------------------------


def test_detail_shows_metadata_categories_competencies_and_read_button(client, employee, book):
    login(client, employee)

    response = client.get(f"{LIST}{book.slug}/")

    page = text(response)
    assert "Pengantar Hukum Administrasi Negara" in page
    for fact in [
        "Siti Rahma, Budi Santoso",
        "BPSDM Hukum",
        "2023",
        "Bahasa Indonesia",
        "9786020000008",
        "Jumlah halaman 5",
        "Format PDF",
        "Ukuran berkas",
    ]:
        assert fact in page
    assert "Buku ajar tentang hukum administrasi negara" in page
    assertContains(response, 'href="/ebooks/?category=hukum"')
    assert "M1 Integritas" in page
    assert "Sasaran level 2" in page
    assert "SK1" in page
    assertContains(response, f'href="/ebooks/{book.slug}/read"')
    assert "Baca" in page
    assert "Posisi baca Anda" not in page


def test_detail_by_id_or_slug(client, employee, book):
    login(client, employee)

    by_id = client.get(f"{LIST}{book.pk}/")
    by_slug = client.get(f"{LIST}{book.slug}/")

    assert by_id.status_code == by_slug.status_code == 200
    assert text(by_id) == text(by_slug)


def test_detail_shows_reading_progress_once_started(client, employee, book):
    services.save_reading_progress(user=employee, ebook=book, page=2)
    login(client, employee)

    page = text(client.get(f"{LIST}{book.slug}/"))

    assert "Posisi baca Anda" in page
    assert "Halaman 2 dari 5 · 40%" in page
    assert "Lanjutkan membaca" in page


def test_detail_epub_offers_a_download_not_the_reader(client, employee):
    outcome = services.import_ebook(
        path_or_file=io.BytesIO(epub_bytes(title="Hak Asasi Manusia untuk Aparatur")),
        original_name="ham.epub",
    )
    book = outcome.ebook
    login(client, employee)

    response = client.get(f"{LIST}{book.slug}/")
    reader = client.get(f"{LIST}{book.slug}/read")

    assertContains(response, f'href="/ebooks/{book.slug}/file"')
    assert "Unduh EPUB" in text(response)
    assertNotContains(response, f'href="/ebooks/{book.slug}/read"')
    assertRedirects(reader, f"{LIST}{book.slug}/", fetch_redirect_response=False)
    download = client.get(f"{LIST}{book.slug}/file")
    assert download["Content-Type"] == "application/epub+zip"
    assert download["Content-Disposition"].startswith("attachment")


def test_detail_query_count_constant_with_many_tags(
    client, employee, law, service, django_assert_max_num_queries
):
    few = make_book("Buku Sedikit Tag", categories=(law,), competencies={"M1": 1})
    codes = ["M1", "M2", "M3", "M4", "M5", "M6", "M7", "M8", "SK1"]
    extra = [Category.objects.create(name=f"Kategori {n}", slug=f"kategori-{n}") for n in range(8)]
    many = make_book(
        "Buku Banyak Tag",
        categories=(law, service, *extra),
        competencies=dict.fromkeys(codes, 3),
    )
    login(client, employee)

    # The person; the book with their position and favourite; on a first view its categories
    # and competency tags, in one query (then shared, see test_page_cost); its readers' reviews
    # (one indexed query, rumahbelajar/templatetags/reviews.py).
    with django_assert_max_num_queries(4) as one:
        client.get(f"{LIST}{few.slug}/")
    with django_assert_max_num_queries(4) as lots:
        response = client.get(f"{LIST}{many.slug}/")

    assert len(lots.captured_queries) == len(one.captured_queries)
    assert "M8" in text(response)
    assert Competency.objects.filter(code__in=codes).count() == 9


# --- Favourites ---------------------------------------------------------------------------------------


def test_favourite_toggle_without_javascript_redirects_back_with_a_message(client, employee, book):
    login(client, employee)

    added = client.post(f"{LIST}{book.pk}/favourite", follow=True)
    removed = client.post(f"{LIST}{book.pk}/favourite", follow=True)

    assert "ditambahkan ke favorit" in text(added)
    assert "Hapus dari favorit" in text(added)
    assert "dihapus dari favorit" in text(removed)
    assert "Tambah ke favorit" in text(removed)
    assert not Favourite.objects.filter(user=employee).exists()


def test_favourite_toggle_htmx_returns_the_form_and_a_message(client, employee, book):
    login(client, employee)

    response = client.post(f"{LIST}{book.pk}/favourite", HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert body.lstrip().startswith('<form id="form-favorit"')
    assert "Hapus dari favorit" in body
    assert 'hx-swap-oob="innerHTML:#pesan"' in body
    assert "<html" not in body
    assert Favourite.objects.filter(user=employee, ebook=book).exists()


def test_favourite_get_not_allowed(client, employee, book):
    login(client, employee)

    assert client.get(f"{LIST}{book.pk}/favourite").status_code == 405


def test_favourite_requires_csrf(employee, book):
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee)

    response = client.post(f"{LIST}{book.pk}/favourite")

    assert response.status_code == 403
    assert not Favourite.objects.exists()


def test_favourite_anonymous_redirects_to_login(client, book):
    response = client.post(f"{LIST}{book.pk}/favourite")

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


# --- Cover and file -----------------------------------------------------------------------------------


def test_cover_is_streamed_privately_for_a_day(client, employee, book):
    login(client, employee)

    response = client.get(f"{LIST}{book.pk}/cover")

    assert response["Content-Type"] == "image/webp"
    assert set(response["Cache-Control"].replace(" ", "").split(",")) == {
        "private",
        "max-age=86400",
    }
    assert b"".join(response.streaming_content)[:4] == b"RIFF"


def test_cover_missing_is_404(client, employee, book):
    Ebook.objects.filter(pk=book.pk).update(cover="")
    login(client, employee)

    assert client.get(f"{LIST}{book.pk}/cover").status_code == 404


def test_file_is_served_inline_with_ranges_after_the_permission_check(client, employee, book):
    login(client, employee)

    whole = client.get(f"{LIST}{book.slug}/file")
    part = client.get(f"{LIST}{book.pk}/file", HTTP_RANGE="bytes=0-7")

    assert whole.status_code == 200
    assert whole["Content-Type"] == "application/pdf"
    assert whole["Accept-Ranges"] == "bytes"
    assert whole["X-Content-Type-Options"] == "nosniff"
    assert whole["Content-Disposition"].startswith("inline")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 0-7/{book.size_bytes}"
    assert b"".join(part.streaming_content)[:5] == b"%PDF-"


def test_file_post_not_allowed(client, employee, book):
    login(client, employee)

    assert client.post(f"{LIST}{book.pk}/file").status_code == 405
