"""The competency map pages: /competency/ (my map) and /competency/employees/<nip>/."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from competency import services
from competency.models import Competency, CompetencyLevel
from tests.competency.factories import ResultFactory, TechnicalCompetencyFactory, fixed
from tests.people.factories import PositionFactory, UserFactory

pytestmark = pytest.mark.django_db

MY_MAP = "/competency/"


@pytest.fixture(autouse=True)
def _dictionary(db):
    """The nine fixed competencies come from a data migration; a transactional test (browser,
    worker) flushes them from a reused test database, so put them back when they are missing."""
    if not Competency.objects.filter(code="M1").exists():
        importlib.import_module("competency.migrations.0002_load_dictionary").load(apps, None)


def employee_url(nip: str) -> str:
    return f"/competency/employees/{nip}/"


# --- Reading the page -------------------------------------------------------------------------


class _Rows(HTMLParser):
    """Text of every cell of the table rows that carry an id (one row per competency)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self._row: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._row = dict(attrs).get("id")
            if self._row:
                self.rows[self._row] = []
        elif tag in {"td", "th"} and self._row:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in {"td", "th"} and self._row and self._cell is not None:
            self.rows[self._row].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_rows(response) -> dict[str, list[str]]:
    parser = _Rows()
    parser.feed(response.content.decode())
    return parser.rows


def text(response) -> str:
    """The page's text with tags removed and whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def without_csrf(response) -> str:
    """The page without its CSRF tokens (masked afresh on every response)."""
    return re.sub(r"[A-Za-z0-9]{64}", "", response.content.decode())


# --- Data ------------------------------------------------------------------------------------


def give_map(person, *, recompute: bool = True):
    """A standard of five competencies and results with gaps, an unassessed one and a surplus.

    M1 req 3, achieved 1 (gap 2) · M2 req 2, achieved 3 (no gap) · M3 req 2, latest 1 (gap 1;
    an older 3 is overridden) · SK1 req 2, achieved 2 · T1 req 3, no result (gap 3).
    JPM = (1 + 2 + 1 + 2 + 0) / (3 + 2 + 2 + 2 + 3) = 50 % -> Kurang Optimal.
    """
    technical = TechnicalCompetencyFactory(code="T1", name="Legal Drafting")
    CompetencyLevel.objects.get_or_create(
        competency=technical,
        level=1,
        defaults={
            "description": "Mampu menyusun rancangan sederhana",
            "indicators": ["Menyusun draf nota dinas"],
        },
    )
    services.set_position_standard(
        position=person.position,
        levels={fixed("M1"): 3, fixed("M2"): 2, fixed("M3"): 2, fixed("SK1"): 2, technical: 3},
    )
    for code, level, day in [
        ("M1", 1, dt.date(2026, 3, 2)),
        ("M2", 3, dt.date(2026, 3, 2)),
        ("M3", 3, dt.date(2025, 1, 10)),
        ("M3", 1, dt.date(2026, 4, 20)),
        ("SK1", 2, dt.date(2026, 3, 2)),
    ]:
        ResultFactory(employee=person, competency=fixed(code), level=level, assessed_on=day)
    if recompute:
        services.recompute_map(employee_id=person.pk)


@pytest.fixture
def employee_map(employee):
    give_map(employee)
    return employee


# --- Access: my map ---------------------------------------------------------------------------


def test_map_detail_anonymous_redirects_to_login(client):
    response = client.get(MY_MAP)

    assertRedirects(response, f"/accounts/login/?next={MY_MAP}", fetch_redirect_response=False)


@pytest.mark.parametrize("who", ["employee", "colleague", "outsider", "hr_admin", "superuser"])
def test_map_detail_anyone_logged_in_sees_only_their_own_map(client, cast, who):
    give_map(cast["employee"])
    client.force_login(cast[who])

    response = client.get(MY_MAP)

    assert response.status_code == 200
    assertContains(response, "<h1", count=1)
    assert ("Legal Drafting" in response.content.decode()) == (who == "employee")


# --- Access: one employee's map -------------------------------------------------------------


def test_employee_map_detail_anonymous_redirects_to_login(client, employee):
    url = employee_url(employee.nip)

    response = client.get(url)

    assertRedirects(response, f"/accounts/login/?next={url}", fetch_redirect_response=False)


@pytest.mark.parametrize(
    ("who", "whose", "status"),
    [
        ("employee", "employee", 200),
        ("colleague", "employee", 404),
        ("outsider", "employee", 404),
        ("employee", "outsider", 404),
        ("hr_admin", "employee", 200),
        ("hr_admin", "colleague", 200),
        ("hr_admin", "outsider", 404),
        ("superuser", "employee", 200),
        ("superuser", "outsider", 200),
    ],
)
def test_employee_map_detail_access_by_cast(client, cast, who, whose, status):
    client.force_login(cast[who])

    response = client.get(employee_url(cast[whose].nip))

    assert response.status_code == status


def test_employee_map_detail_hr_admin_of_another_office_gets_404(client, employee, kanwil_b):
    other_hr = UserFactory(email="hr.b@example.test", unit=kanwil_b, is_staff=True)
    other_hr.managed_units.add(kanwil_b)
    client.force_login(other_hr)

    response = client.get(employee_url(employee.nip))

    assert response.status_code == 404


@pytest.mark.parametrize(
    "nip",
    [
        "199001012015031999",  # well formed, nobody has it
        "19860926201505100",  # 17 digits
        "1986092620150510011",  # 19 digits
        "19860926 201505 1 001",  # the displayed form, with spaces
        "abcdefghijklmnopqr",
    ],
)
def test_employee_map_detail_unknown_or_malformed_nip_is_404_even_for_superuser(
    client, superuser, nip
):
    client.force_login(superuser)

    response = client.get(employee_url(nip))

    assert response.status_code == 404


def test_employee_map_detail_unknown_nip_looks_the_same_as_a_forbidden_one(
    client, colleague, outsider
):
    client.force_login(colleague)

    forbidden = client.get(employee_url(outsider.nip))
    unknown = client.get(employee_url("199001012015031999"))

    assert forbidden.status_code == unknown.status_code == 404
    # The language switch repeats the path: that is the only other difference.
    assert without_csrf(forbidden).replace(outsider.nip, "NIP") == without_csrf(unknown).replace(
        "199001012015031999", "NIP"
    )


def test_employee_map_detail_shows_whose_map_it_is(client, hr_admin, employee_map):
    client.force_login(hr_admin)

    response = client.get(employee_url(employee_map.nip))

    assertContains(response, '<h1 class="cmap-head__title">Alice Pegawai</h1>', html=True)
    assertContains(response, employee_map.nip_display)
    assertContains(response, "<dd>Unit A1</dd>", html=True)
    assertContains(response, "Legal Drafting")


# --- Content ----------------------------------------------------------------------------------


def test_map_detail_table_shows_required_achieved_gap_and_status(client, employee_map):
    client.force_login(employee_map)

    rows = table_rows(client.get(MY_MAP))

    assert rows["kompetensi-M1"] == [
        "M1 Integritas",
        "3",
        "1",
        "2",
        "Di bawah standar Diases 2 Mar 2026",
    ]
    assert rows["kompetensi-M2"] == [
        "M2 Kerja Sama",
        "2",
        "3",
        "0",
        "Memenuhi standar Diases 2 Mar 2026",
    ]
    assert rows["kompetensi-M3"] == [
        "M3 Komunikasi",
        "2",
        "1",
        "1",
        "Di bawah standar Diases 20 Apr 2026",
    ]
    assert rows["kompetensi-SK1"] == [
        "SK1 Perekat Bangsa",
        "2",
        "2",
        "0",
        "Memenuhi standar Diases 2 Mar 2026",
    ]
    assert rows["kompetensi-T1"] == ["T1 Legal Drafting", "3", "0", "3", "Belum diases"]


def test_map_detail_groups_the_table_by_competency_type(client, employee_map):
    client.force_login(employee_map)

    page = client.get(MY_MAP).content.decode()

    headings = re.findall(r'<h3 id="jenis-[a-z_]+" class="cmap-group__title">([^<]+)</h3>', page)
    assert headings == ["Manajerial", "Sosial kultural", "Teknis"]


def test_map_detail_header_shows_jpm_band_position_and_dates(client, employee_map):
    client.force_login(employee_map)

    response = client.get(MY_MAP)

    assertContains(
        response,
        '<p class="cmap-jpm__value">50<span class="cmap-jpm__unit">%</span></p>',
        html=True,
    )
    assertContains(response, "Kurang Optimal")
    assert f"Jabatan {employee_map.position.name}" in text(response)
    assert "Asesmen terakhir 20 April 2026" in text(response)
    assert "Peta dihitung pada" in text(response)
    assertNotContains(response, "sedang diperbarui")


def test_map_detail_shows_what_the_next_level_means_for_each_gap(client, employee_map):
    level_2 = CompetencyLevel.objects.get(competency__code="M1", level=2)
    client.force_login(employee_map)

    response = client.get(MY_MAP)

    assert "Arti level berikutnya (level 2) Integritas" in text(response)
    assertContains(response, level_2.description)
    for indicator in level_2.indicators:
        assertContains(response, indicator)
    # Not assessed: the next level is level 1.
    assert "Arti level berikutnya (level 1) Legal Drafting" in text(response)
    assertContains(response, "Mampu menyusun rancangan sederhana")
    # No gap, no next level.
    assert "Kerja Sama" not in re.findall(
        r"level berikutnya \(level \d\) (\w+ ?\w*)", text(response)
    )
    assertContains(response, '<details class="cmap-next">', count=3)


def test_map_detail_lists_competencies_to_develop_biggest_gap_first(client, employee_map):
    client.force_login(employee_map)

    page = client.get(MY_MAP).content.decode()

    section = page.split('id="judul-dikembangkan"')[1].split("</section>")[0]
    assert re.findall(r'href="#kompetensi-(\w+)"', section) == ["T1", "M1", "M3"]
    assert "Rekomendasi e-book dan pelatihan" not in section  # no "coming soon" any more
    assert "Belum ada e-book atau pelatihan yang sesuai untuk kompetensi ini." in section


def test_map_detail_chart_is_an_accessible_svg_with_the_data(client, employee_map):
    client.force_login(employee_map)

    response = client.get(MY_MAP)

    page = response.content.decode()
    charts = re.findall(r'<svg class="gap-chart gap-chart--(\w+)"[^>]*role="img"[^>]*>', page)
    assert charts == ["wide", "narrow"]
    assertContains(
        response, 'aria-labelledby="diagram-lebar-judul" aria-describedby="diagram-lebar-uraian"'
    )
    assertContains(
        response,
        '<title id="diagram-lebar-judul">Level standar dan level capaian per kompetensi</title>',
        html=True,
    )
    assert "2 kompetensi di bawah standar, 1 belum diases." in page
    assertContains(response, "Angka lengkap diagram ini ada di tabel")


def test_map_detail_history_lists_every_result_newest_first_per_competency(client, employee_map):
    client.force_login(employee_map)

    response = client.get(MY_MAP)

    history = text(response).partition("Riwayat hasil asesmen")[2]
    assert "Semua hasil asesmen (5)" in history
    assert (
        "M3 Komunikasi 20 Apr 2026 terbaru 1 Uji kompetensi Formulir admin 10 Jan 2025 3" in history
    )


def test_map_detail_person_without_position_sees_why_there_is_no_map(client, superuser):
    client.force_login(superuser)

    response = client.get(MY_MAP)

    assertContains(response, "Peta kompetensi belum tersedia")
    assertContains(response, "Jabatan belum tercatat")
    assertNotContains(response, "hx-trigger")


def test_map_detail_position_without_standard_says_so(client, employee):
    services.recompute_map(employee_id=employee.pk)
    client.force_login(employee)

    response = client.get(MY_MAP)

    assertContains(response, "Standar kompetensi untuk jabatan ini belum ditetapkan")
    assertNotContains(response, "sedang diperbarui")


# --- Stale and missing maps --------------------------------------------------------------------


def test_map_detail_stale_map_shows_updating_status_and_the_previous_map(client, employee_map):
    ResultFactory(
        employee=employee_map, competency=fixed("M1"), level=3, assessed_on=dt.date(2026, 5, 1)
    )
    client.force_login(employee_map)

    response = client.get(MY_MAP)

    assertContains(response, 'role="status"')
    assertContains(response, "Peta kompetensi sedang diperbarui")
    assertContains(response, 'hx-trigger="every 3s"')
    assert table_rows(response)["kompetensi-M1"][1:4] == ["3", "1", "2"]


def test_map_detail_map_of_a_former_position_shows_updating_status(client, employee_map):
    computed_for = employee_map.position
    employee_map.position = PositionFactory(code="jabatan-baru", name="Analis Baru")
    employee_map.save(update_fields=["position"])
    client.force_login(employee_map)

    response = client.get(MY_MAP)

    assertContains(response, "Peta kompetensi sedang diperbarui")
    assert f"Jabatan saat peta dihitung {computed_for.name}" in text(response)
    assert "Jabatan Analis Baru" in text(response)


def test_map_detail_no_map_yet_shows_updating_status_only(client, employee):
    give_map(employee, recompute=False)
    client.force_login(employee)

    response = client.get(MY_MAP)

    assertContains(response, "Peta kompetensi sedang diperbarui")
    assertContains(response, "Peta kompetensi sedang dihitung")
    assert table_rows(response) == {}


def test_map_detail_poll_while_stale_answers_204(client, employee):
    give_map(employee, recompute=False)
    client.force_login(employee)

    response = client.get(MY_MAP, headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert "HX-Request" in response["Vary"]


def test_map_detail_poll_after_recompute_returns_the_fresh_map_fragment(client, employee):
    give_map(employee, recompute=False)
    client.force_login(employee)
    services.recompute_map(employee_id=employee.pk)

    response = client.get(MY_MAP, headers={"HX-Request": "true"})

    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<div id="peta-isi" class="cmap">')
    assert "<html" not in page
    assert "hx-trigger" not in page
    assert 'hx-swap-oob="innerHTML:#pesan"' in page
    assert table_rows(response)["kompetensi-M1"][1:4] == ["3", "1", "2"]


# --- Queries ------------------------------------------------------------------------------------


def _map_of_size(person, *, competencies: int, results_each: int) -> None:
    chosen = list(Competency.objects.filter(type__in=["manajerial", "sosial_kultural"]))
    chosen += [TechnicalCompetencyFactory() for _ in range(max(competencies - len(chosen), 0))]
    chosen = chosen[:competencies]
    services.set_position_standard(position=person.position, levels=dict.fromkeys(chosen, 4))
    for competency in chosen:
        for n in range(results_each):
            ResultFactory(
                employee=person,
                competency=competency,
                level=1 + n % 3,
                assessed_on=dt.date(2025, 1, 1) + dt.timedelta(days=n),
            )
    services.recompute_map(employee_id=person.pk)


def _nothing_shared() -> None:
    """A catalogue change in both apps: the next page finds none of their shared parts."""
    from ebooks import cache as ebook_cache
    from training import cache as training_cache

    ebook_cache.bump_version()
    training_cache.bump_version()


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url_of", [lambda p: MY_MAP, lambda p: employee_url(p.nip)])
def test_map_pages_query_count_does_not_grow_with_competencies_and_results(
    client, django_assert_max_num_queries, url_of
):
    small = UserFactory(position=PositionFactory(code="kecil"))
    large = UserFactory(position=PositionFactory(code="besar"))
    _map_of_size(small, competencies=1, results_each=1)
    _map_of_size(large, competencies=15, results_each=8)

    # The person, the map, the target, my trainings (the ranking's enrolments), the history; with
    # nothing shared in the cache yet, the ranking's shared reads (e-books per gap level, open
    # trainings, when the catalogue next changes); the HR address finds the person by NIP.
    client.force_login(small)
    _nothing_shared()
    with django_assert_max_num_queries(9):
        small_count = _count_queries(client, url_of(small))
    client.force_login(large)
    _nothing_shared()
    with django_assert_max_num_queries(9):
        large_count = _count_queries(client, url_of(large))

    assert small_count == large_count


def test_map_detail_jpm_scale_follows_the_band_settings(client, employee_map, settings):
    settings.COMPETENCY_JPM_BANDS = {"optimal": 85, "cukup_optimal": 70}
    client.force_login(employee_map)

    response = client.get(MY_MAP)

    html = response.content.decode()
    assert html.count('<svg class="cmap-meter"') == 1
    assert 'class="cmap-meter__zone cmap-meter__zone--cukup" x="70%" y="0" width="15%"' in html
    assert 'x="85%" y="30" text-anchor="start" dx="3">85</text>' in html
