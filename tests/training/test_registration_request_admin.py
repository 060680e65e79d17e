"""Registration requests in the admin: HR admins read their own people's, never another unit's;
nobody adds, changes or deletes one there (the supervisor decides at /team/approvals/)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rumahbelajar.people import services as people_services
from rumahbelajar.people.roles import HR_ADMIN, ensure_role_groups
from tests.people.factories import UserFactory
from tests.requests import client_for
from tests.training.factories import TrainingFactory
from training import services

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:training_registrationrequest_changelist")


@pytest.fixture
def requests(employee, outsider, unit_a1):
    training = TrainingFactory(title="Pelatihan Perlu Izin", requires_approval=True)
    head = UserFactory(email="kepala@example.test", unit=unit_a1)
    people_services.set_unit_head(unit=unit_a1, head=head)
    other_head = UserFactory(email="kepala-b@example.test", unit=outsider.unit)
    people_services.set_unit_head(unit=outsider.unit, head=other_head)
    other_hr = UserFactory(email="hr-b@example.test", unit=outsider.unit.parent, is_staff=True)
    other_hr.groups.add(ensure_role_groups()[HR_ADMIN])
    other_hr.managed_units.add(outsider.unit.parent)
    return {
        "mine": services.request_registration(training=training, employee=employee),
        "other": services.request_registration(training=training, employee=outsider),
        "other_hr": other_hr,
    }


def change_url(item) -> str:
    return reverse("admin:training_registrationrequest_change", args=[item.pk])


def test_hr_lists_and_reads_only_own_peoples_requests(requests, hr_admin):
    client = client_for(hr_admin)

    listed = client.get(CHANGELIST)
    mine = client.get(change_url(requests["mine"]))
    other = client.get(change_url(requests["other"]))

    assert [r.pk for r in listed.context["cl"].result_list] == [requests["mine"].pk]
    assert mine.status_code == 200
    assert "Pelatihan Perlu Izin" in mine.content.decode()
    assert other.status_code == 302  # the admin's answer to an object outside the queryset
    assert [
        r.pk for r in client_for(requests["other_hr"]).get(CHANGELIST).context["cl"].result_list
    ] == [requests["other"].pk]


def test_superuser_lists_all(requests, superuser):
    listed = client_for(superuser).get(CHANGELIST).context["cl"].result_list

    assert {r.pk for r in listed} == {requests["mine"].pk, requests["other"].pk}


def test_nobody_decides_or_deletes_in_the_admin(requests, superuser):
    client = client_for(superuser)
    url = change_url(requests["mine"])

    client.post(url, {"state": "approved"})
    deleted = client.post(url.replace("/change/", "/delete/"), {"post": "yes"})

    requests["mine"].refresh_from_db()
    assert requests["mine"].state == "pending"
    assert deleted.status_code == 403
    assert client.get(reverse("admin:training_registrationrequest_add")).status_code == 403


def test_employee_has_no_admin(requests, employee):
    assert client_for(employee).get(CHANGELIST).status_code == 302
