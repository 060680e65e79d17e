"""The target position (jabatan target): choosing it at /competency/target/ (only for oneself),
HR setting it in the admin (only for the people of their units), its gaps and JPM as computed
when read, the map page showing both standards side by side, and the API's `target`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from competency import selectors, services
from competency.models import TargetPosition
from tests.competency.api_helpers import client_with_token, map_url
from tests.competency.factories import ResultFactory, TechnicalCompetencyFactory, fixed
from tests.people.conftest import admin_post, change_url, form_data
from tests.people.factories import PositionFactory

pytestmark = pytest.mark.django_db

TARGET = "/competency/target/"
MY_MAP = "/competency/"


@pytest.fixture
def aim(db):
    """A position to aim at, with a standard: M1 at 4, M3 at 3, T1 at 2."""
    position = PositionFactory(code="analis-ahli-muda", name="Analis Ahli Muda")
    technical = TechnicalCompetencyFactory(code="T1", name="Legal Drafting")
    services.set_position_standard(
        position=position, levels={fixed("M1"): 4, fixed("M3"): 3, technical: 2}
    )
    return position


def with_map(person, *, m1: int = 2, m3: int | None = None) -> None:
    """The person's position requires M1 and M3 at 2; results as given; the map recomputed."""
    services.set_position_standard(
        position=person.position, levels={fixed("M1"): 2, fixed("M3"): 2}
    )
    ResultFactory(employee=person, competency=fixed("M1"), level=m1)
    if m3 is not None:
        ResultFactory(employee=person, competency=fixed("M3"), level=m3)
    services.recompute_map(employee_id=person.pk)


# --- The gaps and the JPM ---------------------------------------------------------------------


def test_target_for_none_without_a_target(employee):
    assert selectors.target_for(employee=employee) is None


def test_target_gaps_and_jpm_from_the_standard_and_the_latest_results(employee, aim):
    ResultFactory(employee=employee, competency=fixed("M1"), level=3)
    ResultFactory(
        employee=employee, competency=fixed("M1"), level=1, assessed_on=dt.date(2020, 1, 1)
    )
    ResultFactory(employee=employee, competency=fixed("M3"), level=5)
    services.set_target_position(employee=employee, position=aim)

    target = selectors.target_for(employee=employee)

    assert target.position == aim
    rows = {i.competency.code: (i.required, i.achieved, i.gap, i.assessed) for i in target.items}
    assert rows == {"M1": (4, 3, 1, True), "M3": (3, 5, 0, True), "T1": (2, 0, 2, False)}
    # Σ min(achieved, required) / Σ required = (3 + 3 + 0) / 9
    assert target.jpm == Decimal("66.67")
    assert target.category == "kurang_optimal"


def test_target_position_without_a_standard_has_no_jpm(employee):
    services.set_target_position(employee=employee, position=PositionFactory(code="kosong"))

    target = selectors.target_for(employee=employee)

    assert target.items == []
    assert target.jpm is None
    assert target.category == ""


def test_target_for_is_one_query_whatever_the_number_of_results(employee, aim):
    services.set_target_position(employee=employee, position=aim)
    for day in range(1, 20):
        ResultFactory(employee=employee, competency=fixed("M1"), assessed_on=dt.date(2024, 1, day))

    with CaptureQueriesContext(connection) as queries:
        selectors.target_for(employee=employee)

    assert len(queries) == 1


def test_target_for_with_the_map_asks_nothing_when_none_is_chosen(employee, aim):
    with_map(employee)
    cmap = selectors.map_for_employee(employee=employee)

    with CaptureQueriesContext(connection) as queries:
        none = selectors.target_for(employee=employee, cmap=cmap)
    services.set_target_position(employee=employee, position=aim)
    chosen = selectors.target_for(
        employee=employee, cmap=selectors.map_for_employee(employee=employee)
    )

    assert none is None
    assert len(queries) == 0
    assert chosen is not None
    assert chosen.position == aim


def test_changing_the_target_recomputes_no_map(employee, aim):
    with_map(employee)
    before = employee.competency_map.computed_at

    services.set_target_position(employee=employee, position=aim)

    employee.competency_map.refresh_from_db()
    assert employee.competency_map.computed_at == before
    assert not employee.competency_map.stale


# --- /competency/target/ ----------------------------------------------------------------------


def test_target_page_anonymous_redirects_to_login(client):
    response = client.get(TARGET)

    assertRedirects(response, f"/accounts/login/?next={TARGET}", fetch_redirect_response=False)


@pytest.mark.parametrize("who", ["employee", "colleague", "outsider", "hr_admin", "superuser"])
def test_target_page_everyone_sets_only_their_own(cast, client, aim, who):
    person = cast[who]
    client.force_login(person)

    response = client.post(TARGET, {"position": aim.pk})

    assertRedirects(response, MY_MAP, fetch_redirect_response=False)
    assert list(TargetPosition.objects.values_list("employee_id", "position_id")) == [
        (person.pk, aim.pk)
    ]


def test_target_page_ignores_any_other_person_in_the_form(client, employee, colleague, aim):
    client.force_login(employee)

    client.post(TARGET, {"position": aim.pk, "employee": colleague.pk, "nip": colleague.nip})

    assert not TargetPosition.objects.filter(employee=colleague).exists()
    assert TargetPosition.objects.get(employee=employee).position == aim


def test_target_page_lists_positions_and_searches_them(client, employee, aim):
    PositionFactory(code="pranata", name="Pranata Komputer")
    client.force_login(employee)

    everything = client.get(TARGET)
    searched = client.get(TARGET, {"q": "ahli muda"})

    assert everything.status_code == 200
    assertContains(everything, "Analis Ahli Muda")
    assertContains(everything, "Pranata Komputer")
    assertContains(searched, f'value="{aim.pk}"')
    assertNotContains(searched, "Pranata Komputer")
    assert everything["Cache-Control"]  # a page that reads the session is never shared


def test_target_page_shows_and_checks_the_current_target(client, employee, aim):
    services.set_target_position(employee=employee, position=aim)
    client.force_login(employee)

    response = client.get(TARGET, {"q": "tidak ada yang cocok"})

    assertContains(response, f'id="jabatan-{aim.pk}"')
    assert "checked" in response.content.decode().split(f'id="jabatan-{aim.pk}"')[1][:120]
    assertContains(response, "Hapus jabatan target")


def test_target_page_empty_position_clears(client, employee, aim):
    services.set_target_position(employee=employee, position=aim)
    client.force_login(employee)

    response = client.post(TARGET, {"position": ""})

    assertRedirects(response, MY_MAP, fetch_redirect_response=False)
    assert not TargetPosition.objects.filter(employee=employee).exists()


@pytest.mark.parametrize("value", ["999999", "abc", "1.5", "-1", "1e9", "\x00"])
def test_target_page_unknown_position_is_a_field_error_not_a_500(client, employee, value):
    client.force_login(employee)

    response = client.post(TARGET, {"position": value})

    assert response.status_code == 400
    assert response.context["form"].errors["position"]
    assertContains(response, 'class="errorlist"', status_code=400)
    assert not TargetPosition.objects.exists()


def test_target_page_other_methods_405(client, employee):
    client.force_login(employee)

    assert client.put(TARGET).status_code == 405


def test_target_page_query_count_does_not_grow_with_positions(client, employee, aim):
    client.force_login(employee)
    client.get(TARGET)
    with CaptureQueriesContext(connection) as few:
        client.get(TARGET)
    for n in range(80):
        PositionFactory(code=f"banyak-{n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(TARGET)

    assert len(few) == len(many) <= 3  # the person, the current target, the positions
    assertContains(response, "persempit dengan pencarian")


# --- The admin (HR of the person's units) -----------------------------------------------------


def _target_post(client, person, position_id) -> object:
    data = {
        **form_data(person, is_active="on"),
        "target_position-TOTAL_FORMS": "1",
        "target_position-INITIAL_FORMS": "0",
        "target_position-MIN_NUM_FORMS": "0",
        "target_position-MAX_NUM_FORMS": "1",
        "target_position-0-position": str(position_id),
    }
    return admin_post(client, change_url(person), data)


def test_admin_hr_sets_the_target_of_a_person_of_their_units(client, hr_admin, employee, aim):
    client.force_login(hr_admin)

    response = _target_post(client, employee, aim.pk)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert TargetPosition.objects.get(employee=employee).position == aim


def test_admin_hr_cannot_set_the_target_of_someone_outside(client, hr_admin, outsider, aim):
    client.force_login(hr_admin)

    _target_post(client, outsider, aim.pk)

    assert not TargetPosition.objects.filter(employee=outsider).exists()


@pytest.mark.parametrize("who", ["employee", "colleague", "outsider"])
def test_admin_non_staff_cannot_set_anyones_target(cast, client, employee, aim, who):
    client.force_login(cast[who])

    response = admin_post(client, reverse("admin:people_user_change", args=[employee.pk]), {})

    assert response.status_code == 302
    assert "/login/" in response.url
    assert not TargetPosition.objects.exists()


def test_admin_superuser_sets_anyones_target(client, superuser, outsider, aim):
    client.force_login(superuser)

    response = _target_post(client, outsider, aim.pk)

    assert response.status_code == 302
    assert TargetPosition.objects.get(employee=outsider).position == aim


# --- The map page -----------------------------------------------------------------------------


def test_map_page_shows_both_standards_side_by_side_with_both_jpms(client, employee, aim):
    with_map(employee, m1=3, m3=1)
    services.set_target_position(employee=employee, position=aim)
    client.force_login(employee)

    response = client.get(MY_MAP)

    page = response.content.decode()
    section = page.split('id="judul-target"')[1].split("</section>")[0]
    assert "Analis Ahli Muda" in section
    assert "JPM jabatan sekarang" in section
    assert "JPM jabatan target" in section
    target = selectors.target_for(employee=employee)
    assert f"{target.jpm:.2f}".replace(".", ",") in section
    # The target's chart and, per competency: now, target, achieved, gap now, gap target.
    assert 'id="diagram-target-lebar-judul"' in section
    rows = {code: [cell.strip() for cell in row] for code, row in _compare_rows(section).items()}
    assert rows["M1"] == ["2", "4", "3", "0", "1"]
    assert rows["M3"] == ["2", "3", "1", "1", "2"]
    assert rows["T1"][0].endswith("tidak dipersyaratkan")
    assert rows["T1"][1] == "2"


def _compare_rows(section: str) -> dict[str, list[str]]:
    import re

    found = {}
    for code, cells in re.findall(
        r'<tr id="banding-(\w+)" class="cmap-table__row">(.*?)</tr>', section, re.S
    ):
        values = re.findall(
            r'<td class="cmap-table__num" data-label="[^"]*">(.*?)</td>', cells, re.S
        )
        found[code] = [re.sub(r"<[^>]+>", "", value).replace("\u2013", "") for value in values]
    return found


def test_map_page_without_target_invites_to_choose_one(client, employee):
    with_map(employee)
    client.force_login(employee)

    response = client.get(MY_MAP)

    assertNotContains(response, 'id="judul-target"')
    assertContains(response, f'href="{TARGET}"')


def test_map_page_lists_target_gaps_marked_for_the_target(client, employee, aim):
    with_map(employee, m1=2, m3=2)  # no gap now
    services.set_target_position(employee=employee, position=aim)
    client.force_login(employee)

    response = client.get(MY_MAP)

    panel = response.content.decode().split('id="judul-dikembangkan"')[1].split("</section>")[0]
    assert "cmap-develop__item--target" in panel
    assert panel.count("untuk jabatan target") == 3  # M1, M3, T1


def test_hr_sees_the_target_on_an_employees_map_without_suggestions(
    client, hr_admin, employee, aim
):
    with_map(employee)
    services.set_target_position(employee=employee, position=aim)
    client.force_login(hr_admin)

    response = client.get(f"/competency/employees/{employee.nip}/")

    assertContains(response, 'id="judul-target"')
    assertNotContains(response, 'class="steps"')


# --- The API ----------------------------------------------------------------------------------


@pytest.fixture
def api_client(db):
    from competency import tokens

    _row, plaintext = tokens.create_api_token(name="sistem-asesmen")
    return client_with_token(plaintext)


def test_api_map_target_null_then_the_target_gaps(api_client, employee, aim):
    from tests.competency.test_api import assert_map

    with_map(employee, m1=3)
    assert assert_map(api_client.get(map_url(employee.nip)))["target"] is None

    services.set_target_position(employee=employee, position=aim)
    body = assert_map(api_client.get(map_url(employee.nip)))

    assert body["target"] == {
        "position": {"id": aim.pk, "name": "Analis Ahli Muda"},
        "jpm": 33.33,
        "category": "kurang_optimal",
        "items": [
            {"competency": "M1", "name": fixed("M1").name, "required": 4, "achieved": 3, "gap": 1},
            {"competency": "M3", "name": fixed("M3").name, "required": 3, "achieved": 0, "gap": 3},
            {"competency": "T1", "name": "Legal Drafting", "required": 2, "achieved": 0, "gap": 2},
        ],
    }


def test_api_map_target_for_an_employee_without_a_map(api_client, employee, aim):
    from tests.competency.test_api import assert_map

    services.set_target_position(employee=employee, position=aim)

    body = assert_map(api_client.get(map_url(employee.nip)))

    assert body["items"] == []
    assert body["target"]["position"]["id"] == aim.pk
