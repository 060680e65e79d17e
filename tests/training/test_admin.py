"""The training admin with the cast: who gets in, HR scoping of lists and actions, the
"Tugaskan peserta" action (by person, unit subtree, position; edited POSTs; over-capacity
confirmation; re-runs), attendance actions and the ledger form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.urls import reverse

from rumahbelajar.people.roles import CONTENT_ADMIN, ensure_role_groups
from tests.people.factories import PositionFactory, UserFactory
from tests.requests import client_for
from tests.training.factories import TrainingFactory, in_days, recorded_activity
from training import services
from training.models import Enrollment, EnrollmentStatus, LearningRecord, Training, TrainingKind

pytestmark = pytest.mark.django_db

TRAININGS = reverse("admin:training_training_changelist")
ENROLLMENTS = reverse("admin:training_enrollment_changelist")
RECORDS = reverse("admin:training_learningrecord_changelist")
ADD_RECORD = reverse("admin:training_learningrecord_add")
AUTOCOMPLETE = reverse("admin:autocomplete")


@pytest.fixture
def content_admin(db):
    groups = ensure_role_groups()
    user = UserFactory(email="konten@example.test", is_staff=True, unit=None)
    user.groups.add(groups[CONTENT_ADMIN])
    return user


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def assign_post(client, training, **fields):
    data = {
        "action": "assign_participants",
        "_selected_action": [training.pk],
        "apply": "1",
        **fields,
    }
    return client.post(TRAININGS, data)


def assigned_emails(training) -> set[str]:
    return set(
        Enrollment.objects.filter(training=training).values_list("employee__email", flat=True)
    )


# --- who gets in ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [TRAININGS, ENROLLMENTS, RECORDS])
@pytest.mark.parametrize("who", ["employee", "colleague", "outsider"])
def test_training_admin_non_staff_redirected_to_login(cast, url, who):
    response = client_for(cast[who]).get(url)

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


@pytest.mark.parametrize("url", [TRAININGS, ENROLLMENTS, RECORDS])
@pytest.mark.parametrize("who", ["hr_admin", "superuser"])
def test_training_admin_admins_get_in(cast, url, who):
    response = client_for(cast[who]).get(url)

    assert response.status_code == 200


def test_training_admin_content_admin_adds_training(content_admin):
    client = client_for(content_admin)

    response = client.post(
        reverse("admin:training_training_add"),
        {
            "title": "Pelatihan Baru",
            "slug": "pelatihan-baru",
            "kind": "open",
            "mode": "klasikal",
            "jp": "8",
            "status": "published",
            "start_at_0": "2031-03-10",
            "start_at_1": "08:00:00",
            "end_at_0": "2031-03-10",
            "end_at_1": "16:00:00",
            "place": "Aula",
            "capacity": "20",
            "competency_links-TOTAL_FORMS": "0",
            "competency_links-INITIAL_FORMS": "0",
            "sessions-TOTAL_FORMS": "0",
            "sessions-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    assert Training.objects.get(slug="pelatihan-baru").capacity == 20


def test_training_change_hr_admin_other_organiser_read_only(hr_admin, ministry):
    training = TrainingFactory(organizer_unit=ministry)

    response = client_for(hr_admin).get(
        reverse("admin:training_training_change", args=[training.pk])
    )

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False


def test_training_change_hr_admin_own_organiser_editable(hr_admin, kanwil_a):
    training = TrainingFactory(organizer_unit=kanwil_a)

    response = client_for(hr_admin).get(
        reverse("admin:training_training_change", args=[training.pk])
    )

    assert response.context["has_change_permission"] is True


# --- scoped lists -------------------------------------------------------------------------------


def test_enrollment_changelist_hr_admin_lists_own_people_only(
    hr_client, employee, colleague, outsider
):
    training = TrainingFactory()
    for person in (employee, colleague, outsider):
        services.register(training=training, employee=person)

    response = hr_client.get(ENROLLMENTS)

    listed = {e.employee.email for e in response.context["cl"].result_list}
    assert listed == {employee.email, colleague.email}


def test_enrollment_changelist_superuser_lists_everyone(superuser_client, employee, outsider):
    training = TrainingFactory()
    for person in (employee, outsider):
        services.register(training=training, employee=person)

    response = superuser_client.get(ENROLLMENTS)

    assert len(response.context["cl"].result_list) == 2


def test_autocomplete_hr_admin_finds_own_people_only(hr_client, employee, outsider):
    response = hr_client.get(
        AUTOCOMPLETE,
        {
            "app_label": "training",
            "model_name": "enrollment",
            "field_name": "employee",
            "term": "",
        },
    )

    ids = {int(r["id"]) for r in response.json()["results"]}
    assert employee.pk in ids
    assert outsider.pk not in ids


# --- Tugaskan peserta ---------------------------------------------------------------------------


def test_assign_action_first_step_shows_form(hr_client):
    training = TrainingFactory(kind=TrainingKind.MANDATED)

    response = hr_client.post(
        TRAININGS,
        {"action": "assign_participants", "_selected_action": [training.pk], "index": "0"},
    )

    assert response.status_code == 200
    assert response.templates[0].name == "admin/training/training/assign.html"
    assert set(response.context["form"].fields["units"].queryset) == set(
        response.context["form"]
        .fields["units"]
        .queryset.model.objects.filter(code__in=["kanwil-a", "unit-a1"])
    )


def test_assign_action_unit_subtree_assigns_everyone_below(
    hr_client, kanwil_a, employee, colleague, outsider
):
    training = TrainingFactory(kind=TrainingKind.MANDATED)

    response = assign_post(hr_client, training, units=[kanwil_a.pk], due_date="2031-01-31")

    assert response.status_code == 302
    # The HR admin works in Kanwil A too.
    assert assigned_emails(training) == {employee.email, colleague.email, "hr@example.test"}
    assert messages_of(response) == ["3 ditugaskan, 0 dilewati (sudah terdaftar)."]
    assert set(Enrollment.objects.values_list("due_date", flat=True)) == {dt.date(2031, 1, 31)}


def test_assign_action_position_assigns_holders_in_scope_only(
    hr_client, employee, colleague, outsider
):
    analyst = PositionFactory(code="analis-hukum", name="Analis Hukum")
    for person in (employee, outsider):
        person.position = analyst
        person.save()
    training = TrainingFactory()

    assign_post(hr_client, training, positions=[analyst.pk])

    assert assigned_emails(training) == {employee.email}


def test_assign_action_unit_and_position_narrow_each_other(hr_client, unit_a1, employee, colleague):
    analyst = PositionFactory(code="analis-hukum", name="Analis Hukum")
    employee.position = analyst
    employee.save()
    training = TrainingFactory()

    assign_post(hr_client, training, units=[unit_a1.pk], positions=[analyst.pk])

    assert assigned_emails(training) == {employee.email}


def test_assign_action_individuals_assigns_them(hr_client, employee, colleague):
    training = TrainingFactory()

    assign_post(hr_client, training, employees=[employee.pk])

    assert assigned_emails(training) == {employee.email}


def test_assign_action_edited_post_outsider_refused(hr_client, employee, outsider):
    training = TrainingFactory()

    response = assign_post(hr_client, training, employees=[employee.pk, outsider.pk])

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["employees"]
    assert assigned_emails(training) == set()


def test_assign_action_edited_post_other_unit_refused(hr_client, kanwil_b, outsider):
    training = TrainingFactory()

    response = assign_post(hr_client, training, units=[kanwil_b.pk])

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["units"]
    assert assigned_emails(training) == set()


def test_assign_action_over_capacity_asks_confirmation(hr_client, unit_a1, employee, colleague):
    training = TrainingFactory(capacity=1, organizer_unit=unit_a1)

    response = assign_post(hr_client, training, units=[unit_a1.pk])

    assert response.status_code == 200
    assert response.context["needs_confirmation"] is True
    assert response.context["form"].non_field_errors() == [
        "Penugasan membutuhkan 2 kursi, sedangkan kursi yang tersisa 1. "
        "Konfirmasi untuk melebihi kapasitas."
    ]
    assert b'name="allow_overbooking"' in response.content
    assert assigned_emails(training) == set()


def test_assign_action_over_capacity_confirmed_overbooks(hr_client, unit_a1, employee, colleague):
    training = TrainingFactory(capacity=1, organizer_unit=unit_a1)

    response = assign_post(hr_client, training, units=[unit_a1.pk], allow_overbooking="on")

    assert messages_of(response) == [
        "2 ditugaskan, 0 dilewati (sudah terdaftar). 1 melebihi kapasitas."
    ]
    assert assigned_emails(training) == {employee.email, colleague.email}


OVERBOOKING_REFUSED = (
    "Penugasan membutuhkan 2 kursi, sedangkan kursi yang tersisa 1. Melebihi kapasitas hanya "
    "boleh untuk pelatihan yang diselenggarakan unit yang Anda kelola."
)


def assert_overbooking_refused(response, training) -> None:
    """The assign form comes back with the refusal and without the overbooking box to tick,
    and nobody was assigned."""
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [OVERBOOKING_REFUSED]
    assert b'name="allow_overbooking"' not in response.content
    assert assigned_emails(training) == set()


def test_assign_action_over_capacity_of_training_organised_elsewhere_offers_no_confirmation(
    hr_client, unit_a1, unit_b1, employee, colleague
):
    training = TrainingFactory(capacity=1, organizer_unit=unit_b1)

    response = assign_post(hr_client, training, units=[unit_a1.pk])

    assert response.context["needs_confirmation"] is False
    assert_overbooking_refused(response, training)


def test_assign_action_forged_overbooking_of_training_organised_elsewhere_refused(
    hr_client, unit_a1, unit_b1, employee, colleague
):
    training = TrainingFactory(capacity=1, organizer_unit=unit_b1)

    response = assign_post(hr_client, training, units=[unit_a1.pk], allow_overbooking="on")

    assert_overbooking_refused(response, training)


def test_assign_action_within_capacity_of_training_organised_elsewhere_assigns(
    hr_client, unit_a1, unit_b1, employee, colleague
):
    training = TrainingFactory(capacity=2, organizer_unit=unit_b1)

    response = assign_post(hr_client, training, units=[unit_a1.pk])

    assert messages_of(response) == ["2 ditugaskan, 0 dilewati (sudah terdaftar)."]
    assert assigned_emails(training) == {employee.email, colleague.email}


def test_assign_action_run_twice_skips_second_time(hr_client, unit_a1, employee, colleague):
    training = TrainingFactory()
    assign_post(hr_client, training, units=[unit_a1.pk])

    response = assign_post(hr_client, training, units=[unit_a1.pk])

    assert messages_of(response)[-1] == "0 ditugaskan, 2 dilewati (sudah terdaftar)."
    assert Enrollment.objects.filter(training=training).count() == 2


def test_assign_action_nothing_chosen_error(hr_client):
    training = TrainingFactory()

    response = assign_post(hr_client, training)

    assert response.context["form"].non_field_errors() == ["Pilih pegawai, unit, atau jabatan."]


# --- attendance -----------------------------------------------------------------------------------


def started(training):
    Training.objects.filter(pk=training.pk).update(
        start_at=in_days(-1), end_at=in_days(-0.9), registration_closes_at=None
    )


def test_mark_completed_action_credits_jp(hr_client, employee, colleague):
    training = TrainingFactory(jp=Decimal("6"))
    enrollments = [services.register(training=training, employee=p) for p in (employee, colleague)]
    started(training)

    response = hr_client.post(
        ENROLLMENTS,
        {
            "action": "mark_completed",
            "_selected_action": [e.pk for e in enrollments],
            "index": "0",
        },
    )

    assert messages_of(response) == ["2 peserta diperbarui, 0 dilewati."]
    assert sorted(LearningRecord.objects.values_list("jp", flat=True)) == [Decimal("6.00")] * 2


def test_mark_no_show_action_outsider_row_untouched(hr_client, outsider):
    training = TrainingFactory()
    enrollment = services.register(training=training, employee=outsider)
    started(training)

    hr_client.post(
        ENROLLMENTS,
        {"action": "mark_no_show", "_selected_action": [enrollment.pk], "index": "0"},
    )

    assert Enrollment.objects.get(pk=enrollment.pk).status == EnrollmentStatus.REGISTERED


def test_enrollment_change_page_read_only(hr_client, employee):
    enrollment = services.register(training=TrainingFactory(), employee=employee)

    response = hr_client.post(
        reverse("admin:training_enrollment_change", args=[enrollment.pk]),
        {"status": "completed"},
    )

    assert response.status_code == 403
    assert Enrollment.objects.get(pk=enrollment.pk).status == EnrollmentStatus.REGISTERED


# --- ledger -------------------------------------------------------------------------------------


def add_record(client, person, **fields):
    """Posts the ledger's add form for `person`'s activity (`fields`) of 2 April 2026."""
    return client.post(ADD_RECORD, {"employee": person.pk, "date": "2026-04-02", **fields})


def test_learning_record_add_by_conversion_table(hr_client, employee):
    response = add_record(
        hr_client,
        employee,
        activity_type="coaching",
        quantity="2",
        description="Coaching penyusunan telaahan staf",
    )

    assert response.status_code == 302
    record = LearningRecord.objects.get(employee=employee)
    assert (record.year, record.jp, record.kind) == (2026, Decimal("4.00"), "nonklasikal")


def test_learning_record_add_outsider_refused(hr_client, outsider):
    response = add_record(
        hr_client, outsider, activity_type="seminar", jp="3", description="Seminar"
    )

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["employee"]
    assert LearningRecord.objects.count() == 0


def test_learning_record_changelist_hr_admin_own_people_only(
    hr_client, hr_admin, employee, outsider, superuser
):
    for person in (employee, outsider):
        recorded_activity(person, by=superuser, jp=2, year=2026, activity_type="mentoring")

    response = hr_client.get(RECORDS)

    assert [r.employee_id for r in response.context["cl"].result_list] == [employee.pk]


def test_role_groups_give_training_permissions(hr_admin, content_admin):
    hr_perms = set(
        Group.objects.get(name="Pengelola SDM").permissions.values_list("codename", flat=True)
    )

    assert {"view_training", "change_enrollment", "add_learningrecord"} <= hr_perms
    assert content_admin.has_perm("training.add_training")
