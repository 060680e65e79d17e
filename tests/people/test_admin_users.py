"""The people admin, scoped: an HR admin sees and changes only the people of their subtrees."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from openpyxl import load_workbook

from rumahbelajar.people.models import User
from rumahbelajar.people.roles import HR_ADMIN
from tests.people.conftest import admin_post, change_url, form_data
from tests.people.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:people_user_changelist")
ADD = reverse("admin:people_user_add")
EXPORT = reverse("admin:people_user_export")


def listed_emails(response) -> set[str]:
    return {u.email for u in response.context["cl"].result_list}


# --- who gets in ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["employee", "colleague", "outsider"])
def test_user_changelist_non_staff_redirected_to_login(cast, client, who):
    client.force_login(cast[who])

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_user_changelist_anonymous_redirected_to_login(client):
    response = client.get(CHANGELIST)

    assert response.status_code == 302


# --- list, search, filter -------------------------------------------------------------------------


def test_user_changelist_hr_admin_lists_only_own_subtrees(cast, hr_client):
    response = hr_client.get(CHANGELIST)

    assert response.status_code == 200
    assert listed_emails(response) == {"alice@example.test", "bob@example.test"}


def test_user_changelist_hr_admin_peer_admin_not_listed(cast, hr_client, unit_a1):
    UserFactory(email="hr2@example.test", unit=unit_a1, is_staff=True)
    UserFactory(email="root2@example.test", unit=unit_a1, is_staff=True, is_superuser=True)

    response = hr_client.get(CHANGELIST)

    assert listed_emails(response) == {"alice@example.test", "bob@example.test"}


@pytest.mark.parametrize(
    "lookup",
    ["password__regex", "password__startswith", "email__startswith", "is_superuser__exact"],
)
@pytest.mark.parametrize("who", ["hr_admin", "superuser"])
def test_user_changelist_unlisted_lookup_refused(cast, client, who, lookup):
    client.force_login(cast[who])

    response = client.get(CHANGELIST, {lookup: "m"})

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("params", "emails"),
    [
        ({"employee_type__exact": "pns"}, {"alice@example.test", "bob@example.test"}),
        ({"employee_type__exact": "pppk"}, set()),
        ({"is_active__exact": "1"}, {"alice@example.test", "bob@example.test"}),
        ({"is_active__exact": "0"}, set()),
    ],
)
def test_user_changelist_listed_filter_applies(cast, hr_client, params, emails):
    response = hr_client.get(CHANGELIST, params)

    assert response.status_code == 200
    assert listed_emails(response) == emails


def test_user_changelist_superuser_staff_filter_applies(cast, superuser_client):
    response = superuser_client.get(CHANGELIST, {"is_staff__exact": "1"})

    assert listed_emails(response) == {"hr@example.test", "root@example.test"}


def test_user_changelist_superuser_lists_everyone(cast, superuser_client):
    response = superuser_client.get(CHANGELIST)

    assert listed_emails(response) == {
        "alice@example.test",
        "bob@example.test",
        "charlie@example.test",
        "hr@example.test",
        "root@example.test",
    }


def test_user_search_hr_admin_outsider_name_finds_nobody(cast, hr_client):
    response = hr_client.get(CHANGELIST, {"q": "Charlie"})

    assert listed_emails(response) == set()


def test_user_search_displayed_nip_finds_person(cast, hr_client, employee):
    response = hr_client.get(CHANGELIST, {"q": employee.nip_display})

    assert listed_emails(response) == {"alice@example.test"}


def test_user_search_hr_admin_outsider_nip_finds_nobody(cast, hr_client, outsider):
    response = hr_client.get(CHANGELIST, {"q": outsider.nip})

    assert listed_emails(response) == set()


def test_user_unit_filter_hr_admin_offers_only_own_units(cast, hr_client):
    response = hr_client.get(CHANGELIST)

    unit_filter = next(
        spec
        for spec in response.context["cl"].filter_specs
        if spec.parameter_name == "unit_subtree"
    )
    names = [name.strip("\u2003└ ") for _value, name in unit_filter.lookup_choices]
    assert names == ["Kanwil A", "Unit A1"]


def test_user_unit_filter_hr_admin_outside_unit_lists_nobody(cast, hr_client, unit_b1):
    response = hr_client.get(CHANGELIST, {"unit_subtree": unit_b1.pk})

    assert listed_emails(response) == set()


def test_user_unit_filter_subtree_includes_subunits(cast, superuser_client, kanwil_a):
    response = superuser_client.get(CHANGELIST, {"unit_subtree": kanwil_a.pk})

    assert listed_emails(response) == {"alice@example.test", "bob@example.test", "hr@example.test"}


def test_user_unit_filter_hr_admin_subtree_lists_no_staff(cast, hr_client, kanwil_a):
    response = hr_client.get(CHANGELIST, {"unit_subtree": kanwil_a.pk})

    assert listed_emails(response) == {"alice@example.test", "bob@example.test"}


@pytest.mark.parametrize("rows", [1, 40])
def test_user_changelist_queries_constant_for_1_and_many_rows(
    hr_admin, hr_client, unit_a1, rows, django_assert_max_num_queries
):
    UserFactory.create_batch(rows, unit=unit_a1)

    with django_assert_max_num_queries(7):
        response = hr_client.get(CHANGELIST)

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == rows


# --- open and change ------------------------------------------------------------------------------


def test_user_change_view_hr_admin_outsider_not_shown(cast, hr_client, outsider):
    response = hr_client.get(change_url(outsider))

    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_user_change_view_hr_admin_inside_shown(cast, hr_client, employee):
    response = hr_client.get(change_url(employee))

    assert response.status_code == 200
    assert response.context["original"] == employee


def test_user_change_post_hr_admin_outsider_unchanged(cast, hr_client, outsider):
    response = admin_post(hr_client, change_url(outsider), form_data(outsider, full_name="Diubah"))

    outsider.refresh_from_db()
    assert response.status_code == 302
    assert outsider.full_name == "Charlie Luar"


def test_user_change_post_hr_admin_inside_saved(cast, hr_client, employee):
    response = admin_post(
        hr_client, change_url(employee), form_data(employee, full_name="Alice Baru")
    )

    employee.refresh_from_db()
    assert response.status_code == 302
    assert employee.full_name == "Alice Baru"


def test_user_change_post_hr_admin_outside_unit_refused(cast, hr_client, employee, unit_b1):
    response = admin_post(hr_client, change_url(employee), form_data(employee, unit=unit_b1.pk))

    employee.refresh_from_db()
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["unit"]
    assert employee.unit.code == "unit-a1"


def test_user_change_form_hr_admin_unit_choices_scoped(cast, hr_client, employee):
    response = hr_client.get(change_url(employee))

    field = response.context["adminform"].form.fields["unit"]
    assert [u.code for u in field.queryset] == ["kanwil-a", "unit-a1"]


def test_user_change_post_hr_admin_cannot_escalate(cast, hr_client, employee, ministry):
    hr_group = Group.objects.get(name=HR_ADMIN)
    data = form_data(
        employee,
        is_staff="on",
        is_superuser="on",
        groups=[hr_group.pk],
        managed_units=[ministry.pk],
    )

    response = admin_post(hr_client, change_url(employee), data)

    employee.refresh_from_db()
    assert response.status_code == 302
    assert (employee.is_staff, employee.is_superuser) == (False, False)
    assert list(employee.groups.all()) == []
    assert list(employee.managed_units.all()) == []


def test_user_change_post_hr_admin_other_admin_not_shown(cast, hr_client, unit_a1):
    other_admin = UserFactory(unit=unit_a1, is_staff=True, full_name="Admin Lain")

    response = admin_post(
        hr_client, change_url(other_admin), form_data(other_admin, email="x@example.test")
    )

    other_admin.refresh_from_db()
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    assert other_admin.email != "x@example.test"


def test_user_change_form_hr_admin_has_no_admin_access_fields(cast, hr_client, employee):
    response = hr_client.get(change_url(employee))

    fields = set(response.context["adminform"].form.fields)
    assert (
        fields & {"is_staff", "is_superuser", "groups", "managed_units", "user_permissions"}
        == set()
    )
    assert "password" not in fields


def test_user_change_post_superuser_grants_hr_role(cast, superuser_client, employee, kanwil_b):
    hr_group = Group.objects.get(name=HR_ADMIN)
    data = form_data(employee, is_staff="on", groups=[hr_group.pk], managed_units=[kanwil_b.pk])

    response = admin_post(superuser_client, change_url(employee), data)

    employee.refresh_from_db()
    assert response.status_code == 302
    assert (employee.is_staff, employee.is_superuser) == (True, False)
    assert list(employee.groups.all()) == [hr_group]
    assert list(employee.managed_units.all()) == [kanwil_b]


def test_user_change_view_superuser_opens_outsider(cast, superuser_client, outsider):
    response = superuser_client.get(change_url(outsider))

    assert response.status_code == 200


# --- add ------------------------------------------------------------------------------------------


def new_person(unit_obj, **overrides) -> dict:
    return {
        "email": "Baru@Example.test",
        "full_name": "Pegawai Baru",
        "nip": "19860926 201505 1 321",
        "employee_type": "pns",
        "unit": unit_obj.pk,
        "position": "",
        "rank": "III/a",
        "is_active": "on",
        **overrides,
    }


def test_user_add_hr_admin_creates_person_without_password(cast, hr_client, unit_a1):
    response = admin_post(hr_client, ADD, new_person(unit_a1))

    person = User.objects.get(email="baru@example.test")
    assert response.status_code == 302
    assert (person.nip, person.unit, person.has_usable_password()) == (
        "198609262015051321",
        unit_a1,
        False,
    )


def test_user_add_hr_admin_outside_unit_refused(cast, hr_client, unit_b1):
    response = admin_post(hr_client, ADD, new_person(unit_b1))

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["unit"]
    assert User.objects.filter(email="baru@example.test").exists() is False


def test_user_add_hr_admin_without_unit_refused(cast, hr_client, unit_a1):
    response = admin_post(hr_client, ADD, new_person(unit_a1, unit=""))

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["unit"]


def test_user_add_form_has_no_password_fields(cast, superuser_client):
    response = superuser_client.get(ADD)

    fields = set(response.context["adminform"].form.fields)
    assert {"password", "password1", "password2"} & fields == set()


def test_user_add_bad_nip_refused_with_field_error(cast, hr_client, unit_a1):
    response = admin_post(hr_client, ADD, new_person(unit_a1, nip="198609262015131321"))

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["nip"]


# --- actions --------------------------------------------------------------------------------------


def test_user_action_hr_admin_deactivate_skips_outsider(cast, hr_client, employee, outsider):
    data = {
        "action": "deactivate_employees",
        "_selected_action": [employee.pk, outsider.pk],
        "index": 0,
    }

    response = hr_client.post(CHANGELIST, data)

    employee.refresh_from_db()
    outsider.refresh_from_db()
    assert response.status_code == 302
    assert (employee.is_active, outsider.is_active) == (False, True)


def test_user_action_hr_admin_deactivate_skips_admins(cast, hr_client, hr_admin):
    data = {"action": "deactivate_employees", "_selected_action": [hr_admin.pk], "index": 0}

    hr_client.post(CHANGELIST, data)

    hr_admin.refresh_from_db()
    assert hr_admin.is_active is True


def test_user_action_hr_admin_has_no_delete(cast, hr_client):
    response = hr_client.get(CHANGELIST)

    actions = [name for name, _label in response.context["action_form"].fields["action"].choices]
    assert actions == ["", "deactivate_employees", "activate_employees"]


# --- export ---------------------------------------------------------------------------------------


def test_user_export_hr_admin_csv_only_own_subtrees(cast, hr_client, employee, colleague):
    response = hr_client.post(EXPORT, {"format": "0", "resource": "0"})

    lines = response.content.decode("utf-8-sig").splitlines()
    assert response.status_code == 200
    assert lines[0] == "nip,full_name,email,employee_type,unit,position,rank"
    assert sorted(line.split(",")[2] for line in lines[1:]) == [
        "alice@example.test",
        "bob@example.test",
    ]


def test_user_export_hr_admin_peer_admin_not_exported(cast, hr_client, unit_a1):
    UserFactory(email="hr2@example.test", unit=unit_a1, is_staff=True)

    response = hr_client.post(EXPORT, {"format": "0", "resource": "0"})

    lines = response.content.decode("utf-8-sig").splitlines()
    assert sorted(line.split(",")[2] for line in lines[1:]) == [
        "alice@example.test",
        "bob@example.test",
    ]


@pytest.mark.parametrize("who", ["hr_admin", "superuser"])
def test_user_export_password_lookup_refused(cast, client, who):
    client.force_login(cast[who])

    response = client.post(f"{EXPORT}?password__startswith=m", {"format": "0", "resource": "0"})

    assert response.status_code == 400


def test_user_export_hr_admin_filtered_outside_unit_empty(cast, hr_client, unit_b1):
    response = hr_client.post(
        f"{EXPORT}?unit_subtree={unit_b1.pk}", {"format": "0", "resource": "0"}
    )

    assert response.content.decode("utf-8-sig").splitlines()[1:] == []


def test_user_export_superuser_xlsx_everyone(cast, superuser_client, outsider):
    response = superuser_client.post(EXPORT, {"format": "1", "resource": "0"})

    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    emails = sorted(row[2] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert emails == [
        "alice@example.test",
        "bob@example.test",
        "charlie@example.test",
        "hr@example.test",
        "root@example.test",
    ]


def test_user_export_formula_in_name_is_quoted(cast, hr_client, employee):
    employee.full_name = "=HYPERLINK(1)"
    employee.save(update_fields=["full_name"])

    response = hr_client.post(EXPORT, {"format": "0", "resource": "0"})

    rows = response.content.decode("utf-8-sig").splitlines()
    assert [line.split(",")[1] for line in rows if employee.email in line] == ["'=HYPERLINK(1)"]


def test_user_export_non_staff_redirected(cast, employee_client):
    response = employee_client.post(EXPORT, {"format": "0", "resource": "0"})

    assert response.status_code == 302


# --- autocomplete ---------------------------------------------------------------------------------


def autocomplete(client, **params) -> set[str]:
    response = client.get(reverse("admin:autocomplete"), params)
    assert response.status_code == 200
    return {item["text"] for item in response.json()["results"]}


def test_user_autocomplete_hr_admin_only_own_subtrees_without_admins(cast, hr_client):
    names = autocomplete(hr_client, app_label="admin", model_name="logentry", field_name="user")

    assert names == {"Alice Pegawai", "Bob Rekan"}


def test_user_autocomplete_hr_admin_outsider_term_empty(cast, hr_client):
    names = autocomplete(
        hr_client, app_label="admin", model_name="logentry", field_name="user", term="Charlie"
    )

    assert names == set()


def test_user_autocomplete_superuser_sees_outsider(cast, superuser_client):
    names = autocomplete(
        superuser_client, app_label="admin", model_name="logentry", field_name="user", term="Char"
    )

    assert names == {"Charlie Luar"}


def test_unit_autocomplete_hr_admin_only_own_subtrees(cast, hr_client):
    names = autocomplete(hr_client, app_label="people", model_name="user", field_name="unit")

    assert names == {"Kanwil A", "Unit A1"}
