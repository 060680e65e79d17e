"""The competency report (/reports/competency/): the heatmap, its drill-down and exports."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from competency import selectors, services
from competency.cache import VERSION_KEY
from competency.models import Competency, CompetencyMap
from rumahbelajar import versions
from rumahbelajar.people.models import PositionKind, User
from rumahbelajar.people.selectors import ReportScope, report_scope
from tests.conftest import PASSWORD
from tests.people.factories import PositionFactory, UnitFactory, UserFactory
from tests.report_helpers import HR_REPORT_ACCESS, other_hr_admin, store_map

pytestmark = pytest.mark.django_db

URL = "/reports/competency/"


@pytest.fixture
def analyst():
    return PositionFactory(code="analis", name="Analis SDM", kind=PositionKind.FUNGSIONAL_KEAHLIAN)


@pytest.fixture
def clerk():
    return PositionFactory(
        code="pengadministrasi", name="Pengadministrasi Umum", kind="pelaksana", level="pelaksana"
    )


@pytest.fixture
def maps(cast, analyst, clerk):
    """Alice (analyst): M1 3/2 (gap 1), M2 3/3. Bob (analyst): M1 3/0 (not assessed), M2 3/4.
    Charlie (other office, clerk): M1 2/1."""
    m1, m2 = Competency.objects.get(code="M1"), Competency.objects.get(code="M2")
    store_map(cast["employee"], analyst, {m1: (3, 2), m2: (3, 3)})
    store_map(cast["colleague"], analyst, {m1: (3, 0), m2: (3, 4)})
    store_map(cast["outsider"], clerk, {m1: (2, 1)})
    return cast


def login(client, user: User) -> None:
    assert client.login(username=user.email, password=PASSWORD)


def cell_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


# --- who may see it ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "status"), HR_REPORT_ACCESS)
def test_competency_report_access_by_cast_only_hr_and_superuser(client, maps, who, status):
    login(client, maps[who])

    response = client.get(URL)

    assert response.status_code == status


def test_competency_report_anonymous_redirects_to_login(client, maps):
    response = client.get(URL)

    assert response.status_code == 302


def test_competency_report_hr_sees_own_subtree_only(client, maps):
    login(client, maps["hr_admin"])

    response = client.get(URL)

    body = response.content.decode()
    assert "Analis SDM" in body
    assert "Pengadministrasi Umum" not in body


def test_competency_report_hr_of_other_subtree_sees_only_theirs(client, maps, kanwil_b, analyst):
    hr_b = other_hr_admin(kanwil_b)
    login(client, hr_b)

    page = client.get(URL)
    drill = client.get(URL, {"position": analyst.pk, "competency": "M1"})
    export = client.get(URL, {"position": analyst.pk, "competency": "M1", "format": "csv"})

    assert "Pengadministrasi Umum" in page.content.decode()
    assert "Analis SDM" not in page.content.decode()
    assert "Alice" not in drill.content.decode()
    assert list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))[1:] == []


def test_competency_report_unit_outside_scope_is_ignored_with_error(client, maps, unit_b1):
    login(client, maps["hr_admin"])

    response = client.get(URL, {"unit": unit_b1.pk})

    assert response.status_code == 200
    assert "Pengadministrasi Umum" not in response.content.decode()
    assert response.context["form"].errors["unit"]


def test_competency_report_superuser_sees_everyone(client, maps):
    login(client, maps["superuser"])

    response = client.get(URL)

    assert "Pengadministrasi Umum" in response.content.decode()
    assert "Analis SDM" in response.content.decode()


def test_report_scope_decides_who_sees_whom(maps, kanwil_a):
    assert report_scope(viewer=maps["employee"]) is None
    assert report_scope(viewer=maps["superuser"]) == ReportScope(everyone=True)
    assert report_scope(viewer=maps["hr_admin"]) == ReportScope(
        everyone=False, unit_paths=(kanwil_a.path,)
    )


# --- the numbers ------------------------------------------------------------------------------------


def test_competency_report_cell_shows_share_and_mean_gap(client, maps, analyst):
    login(client, maps["hr_admin"])

    response = client.get(URL)

    heatmap = response.context["heatmap"]
    cells = {(p.code, c.code): cell for p, c, cell in heatmap.cells}
    m1 = cells[("analis", "M1")]
    assert (m1.people, m1.below, m1.gap_sum) == (2, 2, 4)
    assert (m1.share_percent, m1.mean_gap_display) == (100, Decimal("2.0"))
    m2 = cells[("analis", "M2")]
    assert (m2.people, m2.below, m2.share_percent, m2.heat) == (2, 0, 0, 0)
    assert "100%" in cell_text(response)


def test_competency_report_kind_filter(client, maps):
    login(client, maps["superuser"])

    response = client.get(URL, {"kind": "pelaksana"})

    assert "Pengadministrasi Umum" in response.content.decode()
    assert "Analis SDM" not in response.content.decode()


def test_competency_report_drill_down_lists_cell_people_with_map_links(client, maps, analyst):
    login(client, maps["hr_admin"])

    response = client.get(URL, {"position": analyst.pk, "competency": "m1"})

    body = response.content.decode()
    assert f"/competency/employees/{maps['colleague'].nip}/" in body
    assert f"/competency/employees/{maps['employee'].nip}/" in body
    assert body.index("Bob Rekan") < body.index("Alice Pegawai")  # largest gap first
    assert "/trainings/nominations/new/" in body


def test_competency_report_unknown_cell_is_404(client, maps):
    login(client, maps["hr_admin"])

    response = client.get(URL, {"position": 999999, "competency": "M1"})

    assert response.status_code == 404


def test_competency_report_garbage_parameters_never_500(client, maps):
    login(client, maps["hr_admin"])

    for params in (
        {"unit": "x"},
        {"kind": "nope"},
        {"position": "-1", "competency": "M1"},
        {"position": "99999999999999999999999", "competency": "M1"},
        {"page": "0", "position": "1", "competency": "\x00"},
        {"format": "pdf"},
    ):
        assert client.get(URL, params).status_code in (200, 404)


# --- exports ---------------------------------------------------------------------------------------


def test_competency_report_csv_matches_page(client, maps):
    login(client, maps["hr_admin"])

    page = client.get(URL)
    export = client.get(URL, {"format": "csv"})

    assert export["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    shown = [
        [
            p.name,
            c.code,
            str(cell.people),
            str(cell.below),
            str(cell.share_percent),
            str(cell.mean_gap_display),
        ]
        for p, c, cell in page.context["heatmap"].cells
    ]
    assert [[r[0], r[2], r[5], r[6], r[7], r[8]] for r in rows[1:]] == shown


def test_competency_report_xlsx_matches_drill_down(client, maps, analyst):
    login(client, maps["hr_admin"])

    page = client.get(URL, {"position": analyst.pk, "competency": "M1"})
    export = client.get(URL, {"position": analyst.pk, "competency": "M1", "format": "xlsx"})

    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [(r[0], r[7]) for r in rows[1:]] == [(p.nip, p.gap) for p in page.context["found"].rows]


# --- query counts -----------------------------------------------------------------------------------


def _count_queries(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, params).status_code == 200
    return len(queries)


def test_competency_report_queries_constant_in_people(client, maps, analyst, unit_a1):
    login(client, maps["hr_admin"])
    m1 = Competency.objects.get(code="M1")
    cell = {"position": analyst.pk, "competency": "M1"}
    few = (_count_queries(client, {}), _count_queries(client, cell))

    for _n in range(30):
        store_map(UserFactory(unit=unit_a1, position=analyst), analyst, {m1: (3, 1)})
    many = (_count_queries(client, {}), _count_queries(client, cell))

    assert few == many
    assert many[0] <= 10


# --- against a per-person computation on random data -----------------------------------------------


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    people=st.lists(
        st.tuples(
            st.integers(0, 2),  # position
            st.integers(0, 2),  # unit: 0 and 1 in Kanwil A, 2 in Kanwil B
            st.lists(st.tuples(st.integers(1, 5), st.integers(0, 5)), min_size=3, max_size=3),
            st.booleans(),  # active
        ),
        max_size=25,
    )
)
def test_heatmap_matches_per_person_computation(people, kanwil_a, kanwil_b):
    CompetencyMap.objects.all().delete()
    User.objects.filter(email__startswith="acak").delete()
    units = (
        [
            UnitFactory(parent=kanwil_a, code="acak-a1"),
            UnitFactory(parent=kanwil_a, code="acak-a2"),
            UnitFactory(parent=kanwil_b, code="acak-b1"),
        ]
        if not kanwil_a.children.filter(code="acak-a1").exists()
        else [
            kanwil_a.children.get(code="acak-a1"),
            kanwil_a.children.get(code="acak-a2"),
            kanwil_b.children.get(code="acak-b1"),
        ]
    )
    positions = [PositionFactory(code=f"acak-{i}", name=f"Acak {i}") for i in range(3)]
    competencies = list(Competency.objects.filter(code__in=["M1", "M2", "SK1"]).order_by("code"))
    for i, (position, unit, levels, active) in enumerate(people):
        person = UserFactory(
            email=f"acak{i}@example.test",
            unit=units[unit],
            position=positions[position],
            is_active=active,
        )
        store_map(person, positions[position], dict(zip(competencies, levels, strict=True)))
    scope = ReportScope(everyone=False, unit_paths=(kanwil_a.path,))

    heatmap = selectors.competency_heatmap(scope=scope)

    expected: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for cmap in CompetencyMap.objects.select_related("employee__unit").prefetch_related("items"):
        person = cmap.employee
        if not person.is_active or not person.unit.path.startswith(kanwil_a.path):
            continue
        for item in cmap.items.all():
            figures = expected[(cmap.position_id, item.competency_id)]
            figures[0] += 1
            figures[1] += item.achieved < item.required
            figures[2] += max(item.required - item.achieved, 0)
    got = {(p.pk, c.pk): [cell.people, cell.below, cell.gap_sum] for p, c, cell in heatmap.cells}
    assert got == dict(expected)
    for (_p, _c), (n, below, _gaps) in expected.items():
        cell = next(cell for p, c, cell in heatmap.cells if (p.pk, c.pk) == (_p, _c))
        assert cell.share_percent == int(
            (Decimal(100 * below) / n).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        )


def test_competency_report_map_recompute_moves_the_shared_heatmap_on(client, maps, analyst):
    login(client, maps["hr_admin"])
    client.get(URL)
    before = versions.current([VERSION_KEY])[0]

    services.recompute_map(employee_id=maps["employee"].pk)

    assert versions.current([VERSION_KEY])[0] != before
    # The recomputed map has the position's (empty) standard: Alice leaves the analysts' M1 cell.
    cells = {(p.code, c.code): cell for p, c, cell in client.get(URL).context["heatmap"].cells}
    assert cells[("analis", "M1")].people == 1


@pytest.mark.parametrize(("who", "shown"), [("employee", False), ("hr_admin", True)])
def test_user_menu_links_reports_for_hr_only(client, maps, who, shown):
    login(client, maps[who])

    body = client.get("/").content.decode()

    assert (f'href="{URL}"' in body) is shown
    assert ('href="/reports/jp/"' in body) is shown
