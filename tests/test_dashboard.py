"""The dashboard's sections: competency map, JP this year, my trainings, continue reading and
recommended e-books; their empty states; access; a constant number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from competency import services as competency_services
from competency.models import Competency
from ebooks import cache as catalogue_cache
from ebooks import services as ebook_services
from tests.competency.factories import ResultFactory, fixed
from tests.ebooks.factories import EbookFactory
from tests.test_layout import tags
from tests.training.factories import TrainingFactory, in_days, restore_reference_data
from training import cache as training_cache
from training import services as training_services
from training.models import ActivityType, LearningKind, TrainingKind

pytestmark = pytest.mark.django_db

FIXED_CODES = ["M1", "M2", "M3", "M4", "M5", "M6", "M7", "M8", "SK1"]
# The person (with unit and position), the map and its items, the target position, my
# trainings, the JP, continue reading, and "Langkah berikutnya": the e-books finished among
# those suggested and the competencies of my assigned trainings (8 with the shared parts in the
# cache); with nothing shared in the cache, also the e-books per gap level and their cards, the
# open trainings and when the training catalogue next changes.
MAX_QUERIES = 12
MAX_QUERIES_WARM = 8


@pytest.fixture(autouse=True)
def _reference_data(db):
    """A transactional test elsewhere may have flushed what data migrations load."""
    if not Competency.objects.filter(code="M1").exists():
        restore_reference_data()


def give_map(person, *, levels: dict[str, int], recompute: bool = True) -> None:
    """The default standard for the person's position, and one result per competency in
    `levels`; the map is recomputed as the worker would."""
    competency_services.apply_default_standard(positions=[person.position])
    for code, level in levels.items():
        ResultFactory(employee=person, competency=fixed(code), level=level)
    if recompute:
        competency_services.recompute_map(employee_id=person.pk)


def met_except(*codes: str) -> dict[str, int]:
    """Level 5 in every fixed competency but `codes`, which stay unassessed: gaps (the factory's
    position requires level 1 everywhere)."""
    return {code: 5 for code in FIXED_CODES if code not in codes}


def section(response, section_id: str) -> str:
    """The HTML of one <section id=...> of the page."""
    html = response.content.decode()
    start = html.index(f'id="{section_id}" aria-labelledby=')
    return html[start : html.index("</section>", start)]


# --- Access -------------------------------------------------------------------------------------


def test_dashboard_anonymous_redirects_to_login(client):
    response = client.get("/")

    assertRedirects(response, "/accounts/login/?next=/", fetch_redirect_response=False)


def test_dashboard_employee_gets_page_with_one_h1_and_every_section(client, employee):
    client.force_login(employee)

    response = client.get("/")

    assert response.status_code == 200
    assert len(tags(response.content, "h1")) == 1
    headings = [h["id"] for h in tags(response.content, "h2") if h.get("id")]
    assert headings == [
        "judul-profil",
        "judul-peta",
        "judul-jp",
        "judul-pelatihan",
        "judul-membaca",
        "judul-langkah",
        "judul-mulai",
    ]


def test_dashboard_page_loads_its_stylesheet_in_the_head(client, employee):
    client.force_login(employee)

    response = client.get("/")

    sheets = [link["href"] for link in tags(response.content, "link", rel="stylesheet")]
    assert sheets[-1] == "/static/css/dashboard.css"


# --- Peta kompetensi ----------------------------------------------------------------------------


def test_competency_tile_with_map_shows_jpm_band_and_gap_count(client, employee):
    give_map(employee, levels=met_except("M1", "M2"))
    client.force_login(employee)

    response = client.get("/")

    cmap = response.context["competency"]["map"]
    assertContains(
        response,
        f'<span class="dash-figure__number">{cmap.jpm:.2f}%</span>'.replace(".", ","),
        html=True,
    )
    assertContains(response, cmap.get_category_display())
    assertContains(
        response,
        "<strong>2</strong> dari 9 kompetensi di bawah standar jabatan",
    )
    assert tags(section(response, "peta"), "a") == [{"href": "/competency/"}]


def test_competency_tile_all_standards_met_says_so(client, employee):
    give_map(employee, levels=met_except())
    client.force_login(employee)

    response = client.get("/")

    assertContains(response, '<span class="dash-figure__number">100%</span>', html=True)
    assertContains(response, "Semua kompetensi memenuhi standar jabatan.")


def test_competency_tile_stale_map_says_it_is_being_updated(client, employee):
    give_map(employee, levels=met_except(), recompute=False)
    client.force_login(employee)

    response = client.get("/")

    assert response.context["competency"]["state"] == "updating"
    assertContains(response, "Peta kompetensi sedang diperbarui.")
    assertNotContains(response, 'dash-figure__number">100')


def test_competency_tile_without_standard_says_there_is_no_map(client, employee):
    competency_services.recompute_map(employee_id=employee.pk)
    client.force_login(employee)

    response = client.get("/")

    assertContains(response, "<strong>Belum ada peta kompetensi.</strong>", html=True)
    assertContains(response, "Standar kompetensi untuk jabatan Anda belum ditetapkan")


def test_competency_tile_without_position_explains_why(client, superuser):
    client.force_login(superuser)

    response = client.get("/")

    assertContains(response, "<strong>Belum ada peta kompetensi.</strong>", html=True)
    assertContains(response, "Jabatan Anda belum tercatat")


# --- JP tahun ini -------------------------------------------------------------------------------


def test_jp_tile_with_records_shows_labelled_progress_and_split(client, employee, hr_admin):
    year = timezone.localdate().year
    for jp, kind in [("6", LearningKind.KLASIKAL), ("2.5", LearningKind.NONKLASIKAL)]:
        training_services.record_activity(
            employee=employee,
            year=year,
            jp=Decimal(jp),
            kind=kind,
            activity_type=ActivityType.SEMINAR,
            description="Kegiatan uji",
            recorded_by=hr_admin,
        )
    client.force_login(employee)

    response = client.get("/")

    bars = tags(response.content, "progress", id="jp-kemajuan")
    assert bars == [
        {
            "id": "jp-kemajuan",
            "class": "progress-bar jp-progress__bar",
            "max": "20",
            "value": "8.50",
            "aria-describedby": "jp-nilai jp-sisa",
        }
    ]
    assert len(tags(response.content, "label", for_="jp-kemajuan")) == 1
    assertContains(response, "42% tercapai · kurang 11,50 JP lagi.")
    assertContains(response, "<dt>Klasikal</dt><dd>6 JP</dd>", html=True)
    assertContains(response, "<dt>Nonklasikal</dt><dd>2,50 JP</dd>", html=True)
    assert tags(section(response, "jp"), "a") == [{"href": "/trainings/mine/"}]


def test_jp_tile_without_records_shows_zero_of_twenty(client, employee):
    client.force_login(employee)

    response = client.get("/")

    assert tags(response.content, "progress", id="jp-kemajuan")[0]["value"] == "0"
    assertContains(response, "0% tercapai · kurang 20 JP lagi.")


# --- Pelatihan saya -----------------------------------------------------------------------------


def test_trainings_section_lists_assigned_with_due_date_and_registered(client, employee, hr_admin):
    assigned = TrainingFactory(title="Pelatihan Wajib Uji", kind=TrainingKind.MANDATED)
    training_services.assign(
        training=assigned,
        employees=[employee],
        assigned_by=hr_admin,
        due_date=dt.date(2099, 1, 31),
    )
    registered = TrainingFactory(title="Pelatihan Terbuka Uji", start_at=in_days(20))
    training_services.register(training=registered, employee=employee)
    client.force_login(employee)

    response = client.get("/")

    html = section(response, "pelatihan")
    titles = [a["href"] for a in tags(html, "a") if a["href"].startswith("/trainings/pel")]
    assert titles == [f"/trainings/{assigned.slug}/", f"/trainings/{registered.slug}/"]
    assertContains(response, "Batas waktu:")
    assertContains(response, '<time datetime="2099-01-31">31 Januari 2099</time>', html=True)


def test_trainings_section_with_many_shows_three_and_counts_the_rest(client, employee):
    for day in range(5):
        training_services.register(
            training=TrainingFactory(start_at=in_days(10 + day)), employee=employee
        )
    client.force_login(employee)

    response = client.get("/")

    assert len(tags(section(response, "pelatihan"), "li", class_="dash-training")) == 3
    assertContains(response, "dan 2 pelatihan lain yang akan datang.")


def test_trainings_section_empty_points_to_the_catalogue(client, employee):
    client.force_login(employee)

    response = client.get("/")

    assertContains(response, "Tidak ada pelatihan yang akan datang.")
    assert len(tags(section(response, "pelatihan"), "a", href="/trainings/")) == 1


# --- Lanjutkan membaca --------------------------------------------------------------------------


def test_reading_section_shows_books_in_progress_with_labelled_bars(client, employee):
    book = EbookFactory(title="Buku Sedang Dibaca", page_count=40)
    ebook_services.save_reading_progress(user=employee, ebook=book, page=10)
    client.force_login(employee)

    response = client.get("/")

    html = section(response, "membaca")
    assert tags(html, "progress") == [
        {
            "class": "progress-bar progress-bar--thin reading-progress__bar",
            "max": "40",
            "value": "10",
            "aria-label": "Kemajuan membaca Buku Sedang Dibaca",
        }
    ]
    assert len(tags(html, "a", href=f"/ebooks/{book.slug}/read")) == 1


def test_reading_section_with_many_books_shows_three(client, employee):
    for _ in range(5):
        ebook_services.save_reading_progress(user=employee, ebook=EbookFactory(), page=2)
    client.force_login(employee)

    response = client.get("/")

    assert len(tags(section(response, "membaca"), "progress")) == 3


def test_reading_section_empty_points_to_the_library(client, employee):
    client.force_login(employee)

    response = client.get("/")

    assertContains(response, "Anda belum mulai membaca e-book.")
    assert len(tags(section(response, "membaca"), "a", href="/ebooks/")) == 2


# --- Disarankan untuk Anda ----------------------------------------------------------------------


def test_next_steps_book_for_a_gap_appears_with_its_why(client, employee):
    give_map(employee, levels=met_except("M3"))
    book = EbookFactory(title="Komunikasi Efektif", competencies={fixed("M3"): 1})
    EbookFactory(title="Buku Integritas", competencies={fixed("M1"): 3})
    client.force_login(employee)

    response = client.get("/")

    html = section(response, "langkah")
    assert [a["href"] for a in tags(html, "a")][1:] == [f"/ebooks/{book.slug}/"]
    assert (
        f"{fixed('M3').name}: belum diases, jabatan Anda memerlukan 1 — e-book ini untuk level 1"
        in html
    )


def test_next_steps_at_most_five_with_a_training_among_them(client, employee):
    give_map(employee, levels=met_except("M1", "M2"))
    for _ in range(6):
        EbookFactory(competencies={fixed("M1"): 1, fixed("M2"): 1})
    training = TrainingFactory(title="Pelatihan Integritas", start_at=in_days(20))
    training.competency_links.create(competency=fixed("M2"), level=1)
    client.force_login(employee)

    response = client.get("/")

    html = section(response, "langkah")
    items = tags(html, "li")
    assert len(items) == 5
    assert f"/trainings/{training.slug}/" in html
    assert "pelatihan ini untuk level 1" in html


def test_next_steps_gap_without_items_names_the_competency(client, employee):
    give_map(employee, levels=met_except("M3"))
    client.force_login(employee)

    response = client.get("/")

    assertContains(
        response,
        "Belum ada e-book atau pelatihan untuk kompetensi yang perlu Anda kembangkan.",
    )
    assertContains(response, fixed("M3").name)


def test_next_steps_no_gap_says_standards_are_met(client, employee):
    give_map(employee, levels=met_except())
    client.force_login(employee)

    response = client.get("/")

    assertContains(response, "<strong>Semua kompetensi Anda memenuhi standar jabatan.</strong>")


def test_next_steps_without_map_explains_when_they_come(client, employee):
    client.force_login(employee)

    response = client.get("/")

    assertContains(
        response, "Saran e-book dan pelatihan muncul setelah peta kompetensi Anda tersedia."
    )


# --- Queries ------------------------------------------------------------------------------------


def fill(person, hr_admin, *, size: int) -> None:
    """`size` of everything the dashboard lists: results, gaps, trainings, books."""
    gaps = FIXED_CODES[: min(size, 3)]
    give_map(person, levels=met_except(*gaps))
    for day in range(size):
        training_services.register(
            training=TrainingFactory(start_at=in_days(10 + day)), employee=person
        )
        mandated = TrainingFactory(kind=TrainingKind.MANDATED, start_at=in_days(30 + day))
        training_services.assign(
            training=mandated, employees=[person], assigned_by=hr_admin, due_date=None
        )
        ebook_services.save_reading_progress(user=person, ebook=EbookFactory(), page=3)
        EbookFactory(competencies={fixed(code): 1 for code in gaps})
        training_services.record_activity(
            employee=person,
            year=timezone.localdate().year,
            jp=1,
            kind=LearningKind.NONKLASIKAL,
            activity_type=ActivityType.SELF_STUDY,
            description="Belajar mandiri",
            recorded_by=hr_admin,
        )


def count_dashboard_queries(client, person) -> int:
    """Queries of a dashboard rendered with nothing shared in the cache yet (a catalogue change
    moves the version every shared part is stored under)."""
    catalogue_cache.bump_version()
    training_cache.bump_version()
    client.force_login(person)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return len(queries)


def test_dashboard_one_or_many_rows_runs_the_same_bounded_number_of_queries(
    client, employee, colleague, hr_admin
):
    fill(employee, hr_admin, size=1)
    fill(colleague, hr_admin, size=8)
    for person in (employee, colleague):  # both hold one position: its standard went stale twice
        competency_services.recompute_map(employee_id=person.pk)

    small = count_dashboard_queries(client, employee)
    large = count_dashboard_queries(client, colleague)

    assert small == large
    assert large <= MAX_QUERIES


def test_dashboard_with_the_shared_parts_cached_runs_fewer_queries(client, employee, hr_admin):
    fill(employee, hr_admin, size=3)
    competency_services.recompute_map(employee_id=employee.pk)
    client.force_login(employee)
    client.get("/")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")

    assert response.status_code == 200
    assert len(queries) <= MAX_QUERIES_WARM


def test_dashboard_shows_the_target_position_and_its_jpm(client, employee):
    from competency.models import Competency as C
    from tests.people.factories import PositionFactory

    give_map(employee, levels=met_except())
    aim = PositionFactory(code="tujuan", name="Analis Ahli Muda")
    competency_services.set_position_standard(position=aim, levels={C.objects.get(code="M1"): 5})
    competency_services.set_target_position(employee=employee, position=aim)
    client.force_login(employee)

    response = client.get("/")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/")

    assertContains(response, "Jabatan target Analis Ahli Muda: JPM 100% (Optimal)")
    assertContains(english, "Target position Analis Ahli Muda: JPM 100% (Optimal)")
