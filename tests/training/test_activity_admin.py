"""The learning reports in the admin: HR admins see and decide their own people's reports
(through the same service as /team/approvals/), never another unit's; superusers all."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rumahbelajar.people.roles import HR_ADMIN, ensure_role_groups
from tests.people.factories import UserFactory
from tests.requests import client_for
from tests.training.test_activities import file_report
from training.models import LearningRecord, ReportStatus

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:training_activityreport_changelist")


@pytest.fixture
def reports(cast, employee, outsider, hr_admin, superuser):
    # No unit heads: hr_admin stands in for Unit A1; the outsider's goes to the superuser as HR
    # of nobody, so give Kanwil B an HR admin.
    other_hr = UserFactory(email="hr-b@example.test", unit=outsider.unit.parent, is_staff=True)
    other_hr.groups.add(ensure_role_groups()[HR_ADMIN])
    other_hr.managed_units.add(outsider.unit.parent)
    return {"mine": file_report(employee), "other": file_report(outsider), "other_hr": other_hr}


def test_admin_hr_lists_only_own_peoples_reports(reports, hr_admin):
    response = client_for(hr_admin).get(CHANGELIST)

    assert response.status_code == 200
    assert [r.pk for r in response.context["cl"].result_list] == [reports["mine"].pk]


def test_admin_hr_approves_own_persons_report_once(reports, hr_admin):
    url = reverse("admin:training_activityreport_change", args=[reports["mine"].pk])
    client = client_for(hr_admin)

    client.post(url, {"decision": "approve", "decision_comment": ""})
    client.post(url, {"decision": "approve", "decision_comment": ""})

    reports["mine"].refresh_from_db()
    assert reports["mine"].status == ReportStatus.APPROVED
    assert LearningRecord.objects.filter(source_report=reports["mine"]).count() == 1


def test_admin_return_without_comment_is_field_error(reports, hr_admin):
    url = reverse("admin:training_activityreport_change", args=[reports["mine"].pk])

    response = client_for(hr_admin).post(url, {"decision": "return", "decision_comment": ""})

    assert response.status_code == 200
    assert "decision_comment" in response.context["adminform"].form.errors
    reports["mine"].refresh_from_db()
    assert reports["mine"].status == ReportStatus.SUBMITTED


def test_admin_hr_cannot_open_other_units_report(reports, hr_admin):
    url = reverse("admin:training_activityreport_change", args=[reports["other"].pk])

    response = client_for(hr_admin).post(url, {"decision": "approve"})

    reports["other"].refresh_from_db()
    assert response.status_code in (302, 404)
    assert reports["other"].status == ReportStatus.SUBMITTED


def test_admin_superuser_lists_all_reports(reports, superuser):
    response = client_for(superuser).get(CHANGELIST)

    assert {r.pk for r in response.context["cl"].result_list} == {
        reports["mine"].pk,
        reports["other"].pk,
    }
