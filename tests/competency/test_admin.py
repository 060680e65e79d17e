"""The competency admin with the fixed cast: HR admins see and record results only for their
units' people; results go in through the service and never change; maps are read-only; the
dictionary's nine are read-only; standards are edited inline on positions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from competency import services
from competency.models import (
    AssessmentResult,
    Competency,
    CompetencyLevel,
    CompetencyMap,
    PositionStandard,
)
from rumahbelajar.people.roles import CONTENT_ADMIN, ensure_role_groups
from tests.competency.factories import fixed
from tests.people.factories import UserFactory
from tests.requests import client_for

pytestmark = pytest.mark.django_db

RESULTS = reverse("admin:competency_assessmentresult_changelist")
ADD_RESULT = reverse("admin:competency_assessmentresult_add")
AUTOCOMPLETE = reverse("admin:competency_assessmentresult_employee_autocomplete")
MAPS = reverse("admin:competency_competencymap_changelist")
JAN = dt.date(2025, 1, 20)


def record(employee, code="M1", level=3, **kwargs):
    result, _ = services.record_result(
        employee=employee,
        competency=fixed(code),
        level=level,
        assessed_on=JAN,
        source="api",
        **kwargs,
    )
    return result


def result_url(result) -> str:
    return reverse("admin:competency_assessmentresult_change", args=[result.pk])


def add_data(employee, **overrides) -> dict[str, str]:
    return {
        "employee": str(employee.pk),
        "competency": str(fixed("M2").pk),
        "level": "3",
        "assessed_on": "2025-02-01",
        "method": "uji_kompetensi",
        "external_id": "",
        **overrides,
    }


@pytest.fixture
def results(employee, outsider):
    return {
        "employee": record(employee, external_id="r-emp"),
        "outsider": record(outsider, external_id="r-out"),
    }


# --- who gets in ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", [RESULTS, ADD_RESULT, MAPS, AUTOCOMPLETE])
def test_admin_employee_not_staff_is_sent_to_login(employee, url):
    response = client_for(employee).get(url)

    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize("url", [RESULTS, ADD_RESULT, MAPS])
def test_admin_staff_without_competency_permissions_is_forbidden(unit_a1, url):
    staff = UserFactory(unit=unit_a1, is_staff=True)

    response = client_for(staff).get(url)

    assert response.status_code == 403


# --- results: lists and pages scoped to the HR admin's units ----------------------------------


def test_result_admin_hr_admin_lists_only_own_units_results(hr_admin, results):
    response = client_for(hr_admin).get(RESULTS)

    shown = list(response.context["cl"].result_list)
    assert response.status_code == 200
    assert shown == [results["employee"]]
    assert "Charlie Luar" not in response.text


def test_result_admin_changelist_links_to_the_import(hr_admin):
    response = client_for(hr_admin).get(RESULTS)

    assert reverse("admin:competency_assessmentresult_import") in response.text


def test_result_admin_superuser_lists_every_result(superuser, results):
    response = client_for(superuser).get(RESULTS)

    assert sorted(r.pk for r in response.context["cl"].result_list) == sorted(
        r.pk for r in results.values()
    )


def test_result_admin_hr_admin_opens_own_units_result_read_only(hr_admin, results):
    response = client_for(hr_admin).get(result_url(results["employee"]))

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert 'name="_save"' not in response.text


def test_result_admin_hr_admin_cannot_open_outsiders_result(hr_admin, results):
    response = client_for(hr_admin).get(result_url(results["outsider"]))

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_result_admin_superuser_opens_outsiders_result(superuser, results):
    response = client_for(superuser).get(result_url(results["outsider"]))

    assert response.status_code == 200
    assert "Charlie Luar" in response.text


def test_result_admin_search_by_nip_stays_in_scope(hr_admin, results, outsider):
    response = client_for(hr_admin).get(RESULTS, {"q": outsider.nip})

    assert list(response.context["cl"].result_list) == []


def test_result_admin_unit_filter_offers_only_visible_units(hr_admin, results):
    response = client_for(hr_admin).get(RESULTS)

    unit_filter = next(
        spec
        for spec in response.context["cl"].filter_specs
        if spec.parameter_name == "employee_unit"
    )
    assert [title for _value, title in unit_filter.lookup_choices] == ["Kanwil A", "\u2003Unit A1"]


def test_result_admin_changelist_queries_do_not_grow_with_rows(
    superuser, employee, django_assert_max_num_queries
):
    client = client_for(superuser)
    record(employee)
    client.get(RESULTS)
    for n in range(1, 9):
        record(employee, code=f"M{n}", level=2)

    with django_assert_max_num_queries(16):
        response = client.get(RESULTS)

    assert len(response.context["cl"].result_list) == 9


# --- results: the add form goes through record_result ---------------------------------------


def test_result_admin_hr_admin_adds_result_through_the_service(
    hr_admin, employee, django_capture_on_commit_callbacks
):
    services.set_position_standard(position=employee.position, levels={fixed("M2"): 3})

    client = client_for(hr_admin)  # logging in saves the account: not part of what is counted
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(ADD_RESULT, add_data(employee, external_id="adm-1"))

    result = AssessmentResult.objects.get()
    cmap = CompetencyMap.objects.get(employee=employee)
    assert response.status_code == 302
    assert (result.employee, result.level, result.source, result.recorded_by) == (
        employee,
        3,
        "admin",
        hr_admin,
    )
    assert result.external_id == "adm-1"
    assert len(callbacks) == 1
    assert (cmap.stale, cmap.jpm) == (False, 100)


def test_result_admin_add_page_asks_the_scoped_autocomplete(hr_admin):
    response = client_for(hr_admin).get(ADD_RESULT)

    assert response.status_code == 200
    assert f'data-ajax--url="{AUTOCOMPLETE}"' in response.text
    assert response.context["adminform"].form.initial["assessed_on"] is not None


def test_result_admin_hr_admin_post_with_outsider_is_refused(hr_admin, outsider):
    response = client_for(hr_admin).post(ADD_RESULT, add_data(outsider))

    assert response.status_code == 200
    assert "employee" in response.context["adminform"].form.errors
    assert AssessmentResult.objects.count() == 0


def test_result_admin_superuser_adds_result_for_outsider(superuser, outsider):
    response = client_for(superuser).post(ADD_RESULT, add_data(outsider))

    assert response.status_code == 302
    assert AssessmentResult.objects.get().employee == outsider


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("assessed_on", (dt.date.today() + dt.timedelta(days=2)).isoformat()),
        ("level", "6"),
        ("method", "tebakan"),
    ],
)
def test_result_admin_bad_field_is_a_form_error(hr_admin, employee, field, value):
    response = client_for(hr_admin).post(ADD_RESULT, add_data(employee, **{field: value}))

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == [field]
    assert AssessmentResult.objects.count() == 0


def test_result_admin_repeated_external_id_is_a_form_error(hr_admin, employee, results):
    response = client_for(hr_admin).post(ADD_RESULT, add_data(employee, external_id="r-emp"))

    assert response.status_code == 200
    assert "external_id" in response.context["adminform"].form.errors
    assert AssessmentResult.objects.count() == 2


def test_result_admin_post_to_change_is_forbidden(superuser, results):
    result = results["employee"]

    response = client_for(superuser).post(result_url(result), add_data(result.employee, level="5"))

    result.refresh_from_db()
    assert response.status_code == 403
    assert result.level == 3


def test_result_admin_delete_is_forbidden(superuser, results):
    url = reverse("admin:competency_assessmentresult_delete", args=[results["employee"].pk])

    response = client_for(superuser).post(url, {"post": "yes"})

    assert response.status_code == 403
    assert AssessmentResult.objects.count() == 2


# --- the employee autocomplete -----------------------------------------------------------------


def autocomplete(user, term: str = "") -> list[str]:
    response = client_for(user).get(AUTOCOMPLETE, {"term": term})
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


def test_result_admin_autocomplete_hr_admin_sees_only_own_units(hr_admin, cast):
    names = autocomplete(hr_admin)

    assert [name.split(" (")[0] for name in names] == ["Alice Pegawai", "Bob Rekan", "Hana SDM"]


def test_result_admin_autocomplete_hr_admin_search_outsider_nip_finds_nothing(hr_admin, outsider):
    names = autocomplete(hr_admin, outsider.nip)

    assert names == []


def test_result_admin_autocomplete_superuser_finds_outsider_by_nip(superuser, outsider):
    names = autocomplete(superuser, outsider.nip_display)

    assert names == [f"Charlie Luar ({outsider.nip_display})"]


def test_result_admin_autocomplete_without_add_permission_is_forbidden(unit_a1):
    staff = UserFactory(unit=unit_a1, is_staff=True)

    response = client_for(staff).get(AUTOCOMPLETE)

    assert response.status_code == 403


# --- maps: read-only, scoped, recompute action -------------------------------------------------


@pytest.fixture
def maps(employee, outsider):
    for person in (employee, outsider):
        services.set_position_standard(position=person.position, levels={fixed("M1"): 2})
        services.recompute_map(employee_id=person.pk)
    return {m.employee_id: m for m in CompetencyMap.objects.all()}


def test_map_admin_hr_admin_lists_only_own_units_maps(hr_admin, employee, maps):
    response = client_for(hr_admin).get(MAPS)

    assert [m.employee_id for m in response.context["cl"].result_list] == [employee.pk]


def test_map_admin_hr_admin_cannot_open_outsiders_map(hr_admin, outsider, maps):
    url = reverse("admin:competency_competencymap_change", args=[outsider.pk])

    response = client_for(hr_admin).get(url)

    assert response.status_code == 302


def test_map_admin_hr_admin_opens_own_map_with_its_items(hr_admin, employee, maps):
    url = reverse("admin:competency_competencymap_change", args=[employee.pk])

    response = client_for(hr_admin).get(url)

    assert response.status_code == 200
    assert 'name="_save"' not in response.text
    assert "Integritas" in response.text


def test_map_admin_recompute_action_recomputes_selected_maps(hr_admin, employee, maps):
    record(employee, level=2)
    assert CompetencyMap.objects.get(employee=employee).stale is True

    response = client_for(hr_admin).post(
        MAPS, {"action": "recompute_action", "_selected_action": [str(employee.pk)]}
    )

    cmap = CompetencyMap.objects.get(employee=employee)
    assert response.status_code == 302
    assert (cmap.stale, cmap.jpm) == (False, 100)


def test_map_admin_recompute_action_ignores_maps_out_of_scope(hr_admin, outsider, maps):
    record(outsider, level=2)

    client_for(hr_admin).post(
        MAPS, {"action": "recompute_action", "_selected_action": [str(outsider.pk)]}
    )

    assert CompetencyMap.objects.get(employee=outsider).stale is True


# --- the dictionary ------------------------------------------------------------------------------


@pytest.fixture
def content_admin(db):
    groups = ensure_role_groups()
    user = UserFactory(unit=None, nip=None, employee_type="", is_staff=True)
    user.groups.add(groups[CONTENT_ADMIN])
    return user


def competency_data(code: str = "T7", levels: int = 5) -> dict[str, str]:
    data = {
        "code": code,
        "name": "Pengelolaan Arsip Hukum",
        "definition": "Kemampuan mengelola arsip hukum.",
        "sort_order": "107",
        "is_active": "on",
        "levels-TOTAL_FORMS": str(levels),
        "levels-INITIAL_FORMS": "0",
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "5",
    }
    for n in range(levels):
        data |= {
            f"levels-{n}-level": str(n + 1),
            f"levels-{n}-description": f"Mampu pada level {n + 1}",
            f"levels-{n}-indicators": f"Indikator satu, dengan koma;\nIndikator dua level {n + 1}.",
        }
    return data


def test_competency_admin_fixed_competency_is_read_only(superuser):
    url = reverse("admin:competency_competency_change", args=[fixed("M1").pk])

    page = client_for(superuser).get(url)
    post = client_for(superuser).post(url, {"name": "Integritas Baru"})

    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert post.status_code == 403
    assert fixed("M1").name == "Integritas"


def test_competency_admin_content_admin_adds_technical_with_five_levels(content_admin):
    response = client_for(content_admin).post(
        reverse("admin:competency_competency_add"), competency_data()
    )

    competency = Competency.objects.get(code="T7")
    levels = CompetencyLevel.objects.filter(competency=competency).order_by("level")
    assert response.status_code == 302
    assert competency.type == "teknis"
    assert levels.count() == 5
    assert levels.first().indicators == ["Indikator satu, dengan koma;", "Indikator dua level 1."]


def test_competency_admin_add_page_offers_five_levels(content_admin):
    response = client_for(content_admin).get(reverse("admin:competency_competency_add"))

    (levels,) = response.context["inline_admin_formsets"]
    assert response.status_code == 200
    assert [form.initial.get("level") for form in levels.formset.forms] == [1, 2, 3, 4, 5]


def test_competency_admin_four_levels_are_refused(content_admin):
    response = client_for(content_admin).post(
        reverse("admin:competency_competency_add"), competency_data(levels=4)
    )

    assert response.status_code == 200
    assert not Competency.objects.filter(code="T7").exists()


def test_competency_admin_code_not_starting_with_t_is_refused(content_admin):
    response = client_for(content_admin).post(
        reverse("admin:competency_competency_add"), competency_data(code="X1")
    )

    assert response.status_code == 200
    assert "code" in response.context["adminform"].form.errors


def test_competency_admin_hr_admin_may_view_but_not_add(hr_admin):
    listing = client_for(hr_admin).get(reverse("admin:competency_competency_changelist"))
    adding = client_for(hr_admin).get(reverse("admin:competency_competency_add"))

    assert listing.status_code == 200
    assert adding.status_code == 403


# --- standards, inline on positions ------------------------------------------------------------


def position_data(position, rows: list[tuple[str, str, str]], initial: int = 0) -> dict[str, str]:
    """rows: (standard id or "", competency id, required level)."""
    data = {
        "code": position.code,
        "name": position.name,
        "kind": position.kind,
        "level": position.level,
        "standards-TOTAL_FORMS": str(len(rows)),
        "standards-INITIAL_FORMS": str(initial),
        "standards-MIN_NUM_FORMS": "0",
        "standards-MAX_NUM_FORMS": "1000",
    }
    for n, (standard_id, competency_id, level) in enumerate(rows):
        data |= {
            f"standards-{n}-id": standard_id,
            f"standards-{n}-position": str(position.pk),
            f"standards-{n}-competency": competency_id,
            f"standards-{n}-required_level": level,
        }
    return data


def test_position_admin_superuser_adds_standard_inline_and_holders_are_recomputed(
    superuser, employee, django_capture_on_commit_callbacks
):
    position = employee.position
    url = reverse("admin:people_position_change", args=[position.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(superuser).post(
            url, position_data(position, [("", str(fixed("M1").pk), "4")])
        )

    cmap = CompetencyMap.objects.get(employee=employee)
    assert response.status_code == 302
    assert list(position.standards.values_list("competency__code", "required_level")) == [("M1", 4)]
    assert (cmap.stale, cmap.required_total) == (False, 4)


def test_position_admin_changes_and_removes_standards_inline(superuser, employee):
    position = employee.position
    services.set_position_standard(position=position, levels={fixed("M1"): 2, fixed("M2"): 2})
    m1, m2 = (
        PositionStandard.objects.get(position=position, competency__code=c) for c in ("M1", "M2")
    )
    data = position_data(
        position,
        [(str(m1.pk), str(m1.competency_id), "5"), (str(m2.pk), str(m2.competency_id), "2")],
        initial=2,
    )
    data["standards-1-DELETE"] = "on"

    response = client_for(superuser).post(
        reverse("admin:people_position_change", args=[position.pk]), data
    )

    assert response.status_code == 302
    assert list(position.standards.values_list("competency__code", "required_level")) == [("M1", 5)]
    assert CompetencyMap.objects.get(employee=employee).stale is True


def test_position_admin_hr_admin_sees_standards_read_only(hr_admin, employee):
    services.set_position_standard(position=employee.position, levels={fixed("M1"): 2})

    response = client_for(hr_admin).get(
        reverse("admin:people_position_change", args=[employee.position.pk])
    )

    assert response.status_code == 200
    assert "Integritas" in response.text
    assert 'name="standards-0-required_level"' not in response.text


def test_position_admin_apply_default_standard_action(superuser, employee):
    response = client_for(superuser).post(
        reverse("admin:people_position_changelist"),
        {
            "action": "apply_default_standard_action",
            "_selected_action": [str(employee.position.pk)],
        },
    )

    assert response.status_code == 302
    assert PositionStandard.objects.filter(position=employee.position).count() == 9


def test_position_admin_hr_admin_cannot_apply_default_standard(hr_admin, employee):
    client_for(hr_admin).post(
        reverse("admin:people_position_changelist"),
        {
            "action": "apply_default_standard_action",
            "_selected_action": [str(employee.position.pk)],
        },
    )

    assert PositionStandard.objects.count() == 0
