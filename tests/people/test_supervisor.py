"""The direct supervisor (atasan langsung): explicit, the unit's head, the parent unit's head
for a head, an HR admin of the unit where there is none; set by HR in the admin and the import."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rumahbelajar.people import selectors, services
from rumahbelajar.people.models import Unit, User
from tests.people.conftest import admin_post, change_url, csv_bytes, form_data
from tests.people.factories import UserFactory
from tests.people.test_import import apply, latest_job, nip, row, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit_head(unit_a1):
    head = UserFactory(email="kepala@example.test", full_name="Kepala A1", unit=unit_a1)
    services.set_unit_head(unit=unit_a1, head=head)
    return head


def test_supervisor_of_unit_member_is_unit_head(cast, unit_head, employee):
    assert selectors.supervisor_of(employee=employee) == unit_head


def test_supervisor_of_explicit_supervisor_wins_over_unit_head(
    cast, unit_head, employee, colleague
):
    employee.supervisor = colleague
    employee.save(update_fields=["supervisor"])

    assert selectors.supervisor_of(employee=employee) == colleague


def test_supervisor_of_inactive_explicit_supervisor_falls_back_to_unit_head(
    cast, unit_head, employee, colleague
):
    employee.supervisor = colleague
    employee.save(update_fields=["supervisor"])
    User.objects.filter(pk=colleague.pk).update(is_active=False)

    assert selectors.supervisor_of(employee=employee) == unit_head


def test_supervisor_of_unit_head_is_parent_units_head(cast, unit_head, kanwil_a):
    kanwil_head = UserFactory(email="kakanwil@example.test", unit=kanwil_a)
    services.set_unit_head(unit=kanwil_a, head=kanwil_head)

    assert selectors.supervisor_of(employee=unit_head) == kanwil_head


def test_supervisor_of_without_any_head_is_hr_admin_of_unit(cast, employee, hr_admin):
    assert selectors.supervisor_of(employee=employee) == hr_admin


def test_supervisor_of_head_without_parent_head_is_hr_admin(cast, unit_head, hr_admin):
    assert selectors.supervisor_of(employee=unit_head) == hr_admin


def test_supervisor_of_outsider_is_nobody_without_head_or_hr(cast, outsider):
    assert selectors.supervisor_of(employee=outsider) is None


def test_supervisor_of_hr_admin_never_themself(cast, hr_admin):
    assert selectors.supervisor_of(employee=hr_admin) is None


def test_supervisor_of_costs_at_most_three_queries(
    cast, unit_head, employee, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        selectors.supervisor_of(employee=employee)


def test_own_supervisor_refused_by_constraint(cast, employee):
    employee.supervisor = employee

    with pytest.raises(Exception, match=r"atasannya sendiri"):
        employee.full_clean(exclude=["password"])


def test_unit_admin_superuser_sets_head(cast, superuser, unit_a1, employee):
    from django.test import Client

    client = Client()
    client.force_login(superuser)
    url = reverse("admin:people_unit_change", args=[unit_a1.pk])
    data = {
        "code": unit_a1.code,
        "name": unit_a1.name,
        "kind": unit_a1.kind,
        "parent": unit_a1.parent_id,
        "head": employee.pk,
    }

    response = admin_post(client, url, data)

    assert response.status_code == 302
    assert Unit.objects.get(pk=unit_a1.pk).head == employee


def test_employee_admin_hr_cannot_pick_supervisor_outside_units(
    cast, hr_client, employee, outsider
):
    data = form_data(employee, supervisor=outsider.pk)

    response = admin_post(hr_client, change_url(employee), data)

    assert response.status_code == 200
    assert "supervisor" in response.context["adminform"].form.errors
    assert User.objects.get(pk=employee.pk).supervisor_id is None


def test_employee_admin_hr_sets_supervisor_in_units(cast, hr_client, employee, colleague):
    data = form_data(employee, supervisor=colleague.pk)

    response = admin_post(hr_client, change_url(employee), data)

    assert response.status_code == 302
    assert User.objects.get(pk=employee.pk).supervisor == colleague


HEADER_WITH_HEAD = [
    "nip",
    "full_name",
    "email",
    "employee_type",
    "unit",
    "position",
    "rank",
    "kepala_unit",
]


def test_import_unit_head_column_sets_units_head(
    hr_client, hr_admin, unit_a1, position, django_capture_on_commit_callbacks
):
    content = csv_bytes([[*row(1), "ya"], [*row(2), ""]], header=HEADER_WITH_HEAD)

    upload(hr_client, content, "pegawai.csv", django_capture_on_commit_callbacks)
    apply(hr_client, latest_job(), django_capture_on_commit_callbacks)

    unit_a1.refresh_from_db()
    assert unit_a1.head == User.objects.get(nip=nip(1))
    assert selectors.supervisor_of(employee=User.objects.get(nip=nip(2))) == unit_a1.head


def test_import_two_heads_for_one_unit_reported(
    hr_client, hr_admin, unit_a1, position, django_capture_on_commit_callbacks
):
    content = csv_bytes([[*row(1), "ya"], [*row(2), "ya"]], header=HEADER_WITH_HEAD)

    upload(hr_client, content, "pegawai.csv", django_capture_on_commit_callbacks)

    job = latest_job()
    assert job.error_count == 1
    unit_a1.refresh_from_db()
    assert unit_a1.head is None
