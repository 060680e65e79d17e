"""ebooks.selectors (search, the reader's book and shelves, recommendations), the reading and
favourite services, and the `highlight` filter."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.template import Context, Template

from competency.models import Competency
from ebooks import selectors, services
from ebooks.models import ReadingProgress
from ebooks.templatetags.ebooks_tags import highlight
from tests.ebooks.factories import CategoryFactory, EbookFactory

pytestmark = pytest.mark.django_db


def _titles(queryset) -> list[str]:
    return [book.title for book in queryset]


# --- relevance and language -----------------------------------------------------------------------


def test_search_ebooks_title_match_ranks_above_body_only_match():
    EbookFactory(title="Kumpulan Tulisan", body_text="Pajak daerah. " * 200)
    EbookFactory(title="Pajak Daerah", body_text="Tentang keuangan.")

    result = selectors.search_ebooks(q="pajak")

    assert _titles(result) == ["Pajak Daerah", "Kumpulan Tulisan"]


def test_search_ebooks_weights_rank_title_then_authors_then_description_then_body():
    EbookFactory(title="D", body_text="Integritas aparatur.")
    EbookFactory(title="C", description="Tentang integritas.")
    EbookFactory(title="B", authors="Integritas Wijaya")
    EbookFactory(title="Integritas")

    result = selectors.search_ebooks(q="integritas")

    assert _titles(result) == ["Integritas", "B", "C", "D"]


@pytest.mark.parametrize("word", ["peraturan", "pengaturan", "mengatur", "diatur"])
def test_search_ebooks_indonesian_stemming_finds_other_forms_of_the_word(word):
    EbookFactory(
        title="Buku Tata Kelola", body_text="Undang-undang ini mengatur tata cara pelayanan."
    )
    EbookFactory(title="Buku Lain", body_text="Tentang olahraga dan kesehatan.")

    result = selectors.search_ebooks(q=word)

    assert _titles(result) == ["Buku Tata Kelola"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [("Hamzah", "Asas Hukum"), ("12/2011", "Pembentukan Peraturan"), ("9786028519939", "Ber-ISBN")],
    ids=["author-name", "regulation-code", "isbn"],
)
def test_search_ebooks_names_and_codes_match_plainly(q, expected):
    EbookFactory(title="Asas Hukum", authors="Andi Hamzah")
    EbookFactory(title="Pembentukan Peraturan", body_text="Menurut UU 12/2011 tentang pembentukan.")
    EbookFactory(title="Ber-ISBN", isbn="9786028519939")
    EbookFactory(title="Tanpa Apa-apa", body_text="Hamzah12 2011")

    result = selectors.search_ebooks(q=q)

    assert _titles(result) == [expected]


def test_search_ebooks_quoted_phrase_and_excluded_word_follow_web_search_syntax():
    EbookFactory(title="Satu", body_text="Hak asasi manusia dan hukum pidana.")
    EbookFactory(title="Dua", body_text="Hak asasi manusia dalam pelayanan.")
    EbookFactory(title="Tiga", body_text="Asasi hak yang terbalik.")

    result = selectors.search_ebooks(q='"hak asasi" -pidana')

    assert _titles(result) == ["Dua"]


def test_search_ebooks_unpublished_books_are_not_found():
    EbookFactory(title="Hukum Terbit")
    EbookFactory(title="Hukum Draf", is_published=False)

    result = selectors.search_ebooks(q="hukum")

    assert _titles(result) == ["Hukum Terbit"]


def test_search_ebooks_results_are_annotated_with_rank_and_snippet():
    EbookFactory(title="Buku", description="Pedoman pelayanan publik bagi petugas loket.")

    book = selectors.search_ebooks(q="pelayanan").get()

    assert book.rank > 0
    assert book.snippet == "Pedoman \x01pelayanan\x02 publik bagi petugas loket"


def test_search_ebooks_without_words_lists_newest_first_without_snippets():
    EbookFactory(title="Lama")
    EbookFactory(title="Baru")

    result = list(selectors.search_ebooks(q=""))

    assert _titles(result) == ["Baru", "Lama"]
    assert [(b.rank, b.snippet) for b in result] == [(0.0, ""), (0.0, "")]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [("title", ["Hukum A", "Hukum B", "Hukum C"]), ("newest", ["Hukum B", "Hukum C", "Hukum A"])],
)
def test_search_ebooks_sort_orders_matches(sort, expected):
    EbookFactory(title="Hukum A")
    EbookFactory(title="Hukum C")
    EbookFactory(title="Hukum B")

    result = selectors.search_ebooks(q="hukum", sort=sort)

    assert _titles(result) == expected


def test_search_ebooks_one_query_per_page_whatever_the_matches(django_assert_num_queries):
    for n in range(30):
        EbookFactory(title=f"Hukum {n}", body_text="hukum " * 50)

    with django_assert_num_queries(1):
        page = list(selectors.search_ebooks(q="hukum")[:24])

    assert len(page) == 24


# --- filters --------------------------------------------------------------------------------------


@pytest.fixture
def library():
    pidana = CategoryFactory(name="Hukum Pidana", slug="hukum-pidana")
    ham = CategoryFactory(name="HAM", slug="ham")
    return {
        "a": EbookFactory(title="Hukum A", categories=[pidana], competencies={"M1": 2}, year=2020),
        "b": EbookFactory(title="Hukum B", categories=[pidana], competencies={"M5": 2}, year=2020),
        "c": EbookFactory(title="Hukum C", categories=[ham], competencies={"M1": 3}, year=2021),
        "d": EbookFactory(
            title="Hukum D", categories=[pidana], competencies={"M1": 3}, year=2020, language="en"
        ),
        "pidana": pidana,
    }


def test_search_ebooks_filters_combine(library):
    result = selectors.search_ebooks(
        q="hukum", category="hukum-pidana", competency="M1", language="id", year="2020"
    )

    assert _titles(result) == ["Hukum A"]


def test_search_ebooks_filters_accept_ids_as_well_as_slugs_and_codes(library):
    m1 = Competency.objects.get(code="M1")

    result = selectors.search_ebooks(
        category=str(library["pidana"].pk), competency=m1.pk, sort="title"
    )

    assert _titles(result) == ["Hukum A", "Hukum D"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "tidak-ada"}, []),
        ({"category": "<script>alert(1)</script>"}, []),
        ({"category": "99999999"}, []),
        ({"category": ["hukum-pidana"]}, ["Hukum A", "Hukum B", "Hukum C", "Hukum D"]),
        ({"competency": "T999"}, []),
        ({"competency": "' OR 1=1 --"}, []),
        ({"year": "abc"}, ["Hukum A", "Hukum B", "Hukum C", "Hukum D"]),
        ({"year": "99999999999999999999"}, ["Hukum A", "Hukum B", "Hukum C", "Hukum D"]),
        ({"year": "-1"}, ["Hukum A", "Hukum B", "Hukum C", "Hukum D"]),
        ({"year": 1500}, ["Hukum A", "Hukum B", "Hukum C", "Hukum D"]),
        ({"language": "xx"}, ["Hukum A", "Hukum B", "Hukum C", "Hukum D"]),
        ({"sort": "'; DROP TABLE ebooks_ebook; --"}, ["Hukum A", "Hukum B", "Hukum C", "Hukum D"]),
        ({"q": "\x00hukum\x01"}, ["Hukum A", "Hukum B", "Hukum C", "Hukum D"]),
        ({"q": "&|!():*<->"}, []),
        ({"q": '"'}, []),
        ({"q": "hukum " * 500}, ["Hukum A", "Hukum B", "Hukum C", "Hukum D"]),
        ({"q": None}, ["Hukum A", "Hukum B", "Hukum C", "Hukum D"]),
    ],
)
def test_search_ebooks_garbage_parameters_never_raise(library, params, expected):
    result = selectors.search_ebooks(**{"q": "", "sort": "title", **params})

    assert sorted(_titles(result)) == expected


# --- snippets -------------------------------------------------------------------------------------


def test_highlight_escapes_text_and_marks_only_our_markers():
    html = highlight('<b onclick="x()">a</b> & \x01peraturan\x02 <mark>palsu</mark> \x01')

    assert html == (
        "&lt;b onclick=&quot;x()&quot;&gt;a&lt;/b&gt; &amp; <mark>peraturan</mark> "
        "&lt;mark&gt;palsu&lt;/mark&gt; "
    )


def test_search_ebooks_snippet_of_hostile_text_renders_escaped_with_our_marks_only():
    EbookFactory(
        title="Jahat",
        body_text='<script>alert("x")</script> <img src=x onerror=alert(1)> a < b peraturan & "kutip"',
    )
    book = selectors.search_ebooks(q="peraturan").get()

    html = Template("{% load ebooks_tags %}{{ snippet|highlight }}").render(
        Context({"snippet": book.snippet})
    )

    assert "<script" not in html
    assert "<img" not in html
    assert html.count("<mark>") == 1
    assert "<mark>peraturan</mark>" in html


def test_highlight_of_none_is_empty():
    assert highlight(None) == ""


# --- the reader's book ----------------------------------------------------------------------------


def test_ebook_for_reader_finds_by_id_and_by_slug(employee):
    book = EbookFactory(slug="buku-saya")

    by_id = selectors.ebook_for_reader(user=employee, id_or_slug=str(book.pk))
    by_slug = selectors.ebook_for_reader(user=employee, id_or_slug="buku-saya")

    assert by_id == by_slug == book


@pytest.mark.parametrize("ref", ["tidak-ada", "0", "", "x" * 400, None])
def test_ebook_for_reader_unknown_ref_is_404(employee, ref):
    EbookFactory()

    with pytest.raises(Http404):
        selectors.ebook_for_reader(user=employee, id_or_slug=ref)


def test_ebook_for_reader_unpublished_is_404_for_an_employee(employee):
    book = EbookFactory(is_published=False)

    with pytest.raises(Http404):
        selectors.ebook_for_reader(user=employee, id_or_slug=book.slug)


def test_ebook_for_reader_unpublished_is_readable_by_a_superuser(superuser):
    book = EbookFactory(is_published=False)

    assert selectors.ebook_for_reader(user=superuser, id_or_slug=book.slug) == book


def test_ebook_for_reader_unpublished_is_404_for_an_hr_admin(hr_admin):
    book = EbookFactory(is_published=False)

    with pytest.raises(Http404):
        selectors.ebook_for_reader(user=hr_admin, id_or_slug=book.slug)


# --- shelves and the services behind them ---------------------------------------------------------


def test_save_reading_progress_clamps_the_page_and_updates_in_place(employee):
    book = EbookFactory(page_count=12)

    services.save_reading_progress(user=employee, ebook=book, page=5)
    services.save_reading_progress(user=employee, ebook=book, page=500, location="x")

    progress = ReadingProgress.objects.get()
    assert (progress.page, progress.location) == (12, "x")


def test_save_reading_progress_page_below_one_becomes_one(employee):
    book = EbookFactory(page_count=12)

    services.save_reading_progress(user=employee, ebook=book, page=-3)

    assert ReadingProgress.objects.get().page == 1


def test_continue_reading_lists_latest_first_without_unpublished(employee, colleague):
    first, second, hidden = (
        EbookFactory(title="Satu"),
        EbookFactory(title="Dua"),
        EbookFactory(is_published=False),
    )
    for book in (first, second, hidden):
        services.save_reading_progress(user=employee, ebook=book, page=2)
    services.save_reading_progress(user=employee, ebook=first, page=3)
    services.save_reading_progress(user=colleague, ebook=second, page=2)

    shelf = selectors.continue_reading(user=employee)

    assert [(p.ebook.title, p.page) for p in shelf] == [("Satu", 3), ("Dua", 2)]


def test_toggle_favourite_adds_then_removes(employee):
    book = EbookFactory()

    added = services.toggle_favourite(user=employee, ebook=book)
    listed = list(selectors.favourites(user=employee))
    removed = services.toggle_favourite(user=employee, ebook=book)

    assert (added, listed, removed) == (True, [book], False)
    assert list(selectors.favourites(user=employee)) == []


def test_favourites_are_the_readers_own_latest_first(employee, colleague):
    first, second = EbookFactory(title="Satu"), EbookFactory(title="Dua")
    services.toggle_favourite(user=employee, ebook=first)
    services.toggle_favourite(user=employee, ebook=second)
    services.toggle_favourite(user=colleague, ebook=first)

    assert _titles(selectors.favourites(user=employee)) == ["Dua", "Satu"]


# --- recommendations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("achieved", "order"),
    [
        (0, [1, 2, 3, 4, 5]),
        (2, [3, 2, 4, 5, 1]),
        (4, [5, 4, 3, 2, 1]),
        (5, [5, 4, 3, 2, 1]),
    ],
)
def test_level_order_next_then_same_then_above_then_below(achieved, order):
    assert selectors.level_order(achieved=achieved) == order


def test_ebooks_for_gaps_next_level_first_then_same_level_then_far():
    m1 = Competency.objects.get(code="M1")
    EbookFactory(title="M1 level 5", competencies={"M1": 5})
    EbookFactory(title="M1 level 2", competencies={"M1": 2})
    EbookFactory(title="M1 level 3", competencies={"M1": 3})
    EbookFactory(title="M1 level 1", competencies={"M1": 1})
    EbookFactory(title="M5 saja", competencies={"M5": 3})

    result = selectors.ebooks_for_gaps(achieved={m1.pk: 2}, per_gap=10)

    assert [(b.title, b.aimed_at) for b in result[m1.pk]] == [
        ("M1 level 3", 3),
        ("M1 level 2", 2),
        ("M1 level 5", 5),
        ("M1 level 1", 1),
    ]


def test_ebooks_for_gaps_same_level_newest_first_and_cut_per_gap():
    m1 = Competency.objects.get(code="M1")
    for title in ["Lama", "Tengah", "Baru"]:
        EbookFactory(title=title, competencies={"M1": 3})

    result = selectors.ebooks_for_gaps(achieved={m1.pk: 2}, per_gap=2)

    assert _titles(result[m1.pk]) == ["Baru", "Tengah"]


def test_ebooks_for_gaps_one_book_serves_each_of_its_competencies():
    m1, m5 = Competency.objects.get(code="M1"), Competency.objects.get(code="M5")
    EbookFactory(title="Dua", competencies={"M1": 3, "M5": 1})

    result = selectors.ebooks_for_gaps(achieved={m1.pk: 2, m5.pk: 0})

    assert [(b.title, b.aimed_at) for b in result[m1.pk]] == [("Dua", 3)]
    assert [(b.title, b.aimed_at) for b in result[m5.pk]] == [("Dua", 1)]


def test_ebooks_for_gaps_unpublished_and_untagged_are_left_out():
    m1 = Competency.objects.get(code="M1")
    EbookFactory(title="Ditarik", competencies={"M1": 3}, is_published=False)
    EbookFactory(title="Tanpa tag")

    assert selectors.ebooks_for_gaps(achieved={m1.pk: 2}) == {m1.pk: []}


def test_ebooks_for_gaps_nothing_asked_is_empty():
    EbookFactory(competencies={"M1": 3})

    assert selectors.ebooks_for_gaps(achieved={}) == {}


def test_ebooks_for_gaps_two_queries_whatever_the_number_of_gaps(django_assert_num_queries):
    ids = list(Competency.objects.filter(code__in=["M1", "M2", "M3"]).values_list("pk", flat=True))
    for code in ["M1", "M2", "M3"]:
        for level in range(1, 6):
            EbookFactory(competencies={code: level})

    with django_assert_num_queries(2):
        result = selectors.ebooks_for_gaps(achieved=dict.fromkeys(ids, 1), per_gap=3)

    assert [len(books) for books in result.values()] == [3, 3, 3]


def test_ebooks_for_gaps_asked_again_reads_the_shared_ranking_without_a_query(
    django_assert_num_queries,
):
    m1 = Competency.objects.get(code="M1")
    EbookFactory(title="M1 level 3", competencies={"M1": 3})
    selectors.ebooks_for_gaps(achieved={m1.pk: 2})

    with django_assert_num_queries(0):
        result = selectors.ebooks_for_gaps(achieved={m1.pk: 2})

    assert _titles(result[m1.pk]) == ["M1 level 3"]


def test_ebooks_for_gaps_book_tagged_later_is_recommended_at_once():
    m1 = Competency.objects.get(code="M1")
    EbookFactory(title="Lama", competencies={"M1": 3})
    selectors.ebooks_for_gaps(achieved={m1.pk: 2})

    EbookFactory(title="Baru", competencies={"M1": 3})
    result = selectors.ebooks_for_gaps(achieved={m1.pk: 2})

    assert _titles(result[m1.pk]) == ["Baru", "Lama"]


def test_ebooks_for_gaps_cache_unreachable_still_answers(settings):
    m1 = Competency.objects.get(code="M1")
    EbookFactory(title="M1 level 3", competencies={"M1": 3})
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}
    }

    result = selectors.ebooks_for_gaps(achieved={m1.pk: 2})

    assert _titles(result[m1.pk]) == ["M1 level 3"]
