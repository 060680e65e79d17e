"""Registration that needs the supervisor's approval: asked on the training's page, waiting at
/team/approvals/ beside the learning reports, approved (registered, or waitlisted when full) or
returned with a reason, withdrawn by the employee; only the employee's own supervisor decides."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from notifications.models import Notification
from rumahbelajar.people import services as people_services
from tests.people.factories import UserFactory
from tests.requests import client_for
from tests.training.factories import TrainingFactory, restore_reference_data
from tests.training.test_concurrency import run_at_once
from training import services
from training.models import Enrollment, EnrollmentStatus, RegistrationRequest, RequestState

APPROVALS = "/team/approvals/"


@pytest.fixture
def _restore_reference_data(django_db_blocker):
    """The threaded tests commit for real and end with a flush: put reference data back."""
    yield
    with django_db_blocker.unblock():
        restore_reference_data()


@pytest.fixture
def training(db):
    return TrainingFactory(title="Pelatihan Perlu Izin", requires_approval=True, capacity=2)


def page(training) -> str:
    return f"/trainings/{training.slug}/"


def ask(client: Client, training):
    return client.post(f"/trainings/{training.slug}/register", follow=True)


def decide(client: Client, item: RegistrationRequest, decision: str, comment: str = ""):
    return client.post(
        f"/team/approvals/requests/{item.pk}/", {"decision": decision, "comment": comment}
    )


@pytest.mark.django_db
def test_register_on_approval_training_makes_a_request_not_an_enrolment(employee, head, training):
    response = ask(client_for(employee), training)

    item = RegistrationRequest.objects.get()
    assert item.state == RequestState.PENDING
    assert item.supervisor == head
    assert not Enrollment.objects.exists()
    assert "Kepala Unit A1" in response.content.decode()
    assert "Menunggu persetujuan atasan" in response.content.decode()
    assert Notification.objects.get(recipient=head).kind == "registration_waiting"


@pytest.mark.django_db
def test_register_service_refuses_approval_training_without_approval(employee, head, training):
    with pytest.raises(services.ApprovalRequired):
        services.register(training=training, employee=employee)


@pytest.mark.django_db
def test_request_one_open_per_training_and_employee(employee, head, training):
    services.request_registration(training=training, employee=employee)

    with pytest.raises(services.AlreadyRequested):
        services.request_registration(training=training, employee=employee)
    with pytest.raises(IntegrityError), transaction.atomic():
        RegistrationRequest.objects.create(training=training, employee=employee, supervisor=head)


@pytest.mark.django_db
def test_request_without_supervisor_says_hr_must_set_one(outsider, training):
    client = client_for(outsider)

    shown = client.get(page(training)).content.decode()
    asked = ask(client, training)

    assert "atasan Anda belum tercatat" in shown
    assert asked.status_code == 200
    assert "atasan Anda belum tercatat" in asked.content.decode()
    assert not RegistrationRequest.objects.exists()


@pytest.mark.django_db
def test_request_waits_at_approvals_beside_reports(employee, head, training):
    services.request_registration(training=training, employee=employee)

    text = client_for(head).get(APPROVALS).content.decode()

    assert "Pelatihan Perlu Izin" in text
    assert "Alice Pegawai" in text
    assert "Setujui" in text
    assert "Kembalikan" in text


@pytest.mark.django_db
def test_approve_registers_and_notifies_employee(employee, head, training):
    item = services.request_registration(training=training, employee=employee)

    response = decide(client_for(head), item, "approve")

    item.refresh_from_db()
    enrollment = Enrollment.objects.get(employee=employee, training=training)
    assert response.status_code == 302
    assert item.state == RequestState.APPROVED
    assert item.decided_by == head
    assert item.enrollment == enrollment
    assert enrollment.status == EnrollmentStatus.REGISTERED
    assert Notification.objects.get(recipient=employee).kind == "registration_approved"
    assert "Anda terdaftar" in client_for(employee).get(page(training)).content.decode()


@pytest.mark.django_db
def test_approve_when_full_at_that_moment_waitlists_and_says_so(
    employee, colleague, head, training
):
    item = services.request_registration(training=training, employee=employee)
    for person in (UserFactory(), UserFactory()):  # the two seats go meanwhile
        services.assign(
            training=training,
            employees=[person],
            assigned_by=UserFactory(is_staff=True, is_superuser=True, nip=None, unit=None),
        )
    client = client_for(head)

    response = decide(client, item, "approve")

    assert Enrollment.objects.get(employee=employee).status == EnrollmentStatus.WAITLISTED
    assert "daftar tunggu" in client.get(response.url).content.decode()
    assert "daftar tunggu" in Notification.objects.get(recipient=employee).title


@pytest.mark.django_db
def test_approve_after_registration_closed_refuses_and_keeps_waiting(employee, head, training):
    item = services.request_registration(training=training, employee=employee)
    training.registration_closes_at = training.registration_opens_at
    services.save_training(training=training)
    client = client_for(head)

    response = decide(client, item, "approve")

    item.refresh_from_db()
    assert item.state == RequestState.PENDING
    assert not Enrollment.objects.exists()
    assert "ditutup" in client.get(response.url).content.decode()


@pytest.mark.django_db
def test_return_needs_a_reason(employee, head, training):
    item = services.request_registration(training=training, employee=employee)

    response = decide(client_for(head), item, "return", "  ")

    item.refresh_from_db()
    assert response.status_code == 400
    assert "Tuliskan alasan" in response.content.decode()
    assert item.state == RequestState.PENDING


@pytest.mark.django_db
def test_return_with_reason_shows_on_page_and_mine_and_may_ask_again(employee, head, training):
    item = services.request_registration(training=training, employee=employee)
    decide(client_for(head), item, "return", "Anggaran unit habis bulan ini.")
    client = client_for(employee)

    detail = client.get(page(training)).content.decode()
    mine = client.get("/trainings/mine/").content.decode()
    again = services.request_registration(training=training, employee=employee)

    item.refresh_from_db()
    assert item.state == RequestState.RETURNED
    assert "Anggaran unit habis bulan ini." in detail
    assert "Ajukan permintaan pendaftaran" in detail
    assert "Anggaran unit habis bulan ini." in mine
    assert again.state == RequestState.PENDING
    assert Notification.objects.filter(recipient=employee).get().kind == "registration_returned"


@pytest.mark.django_db
def test_pending_request_shows_in_mine_and_employee_withdraws_it(employee, head, training):
    item = services.request_registration(training=training, employee=employee)
    client = client_for(employee)

    mine = client.get("/trainings/mine/").content.decode()
    client.post(f"/trainings/{training.slug}/withdraw-request")

    item.refresh_from_db()
    assert "Pelatihan Perlu Izin" in mine
    assert "Tarik permintaan" in mine
    assert item.state == RequestState.WITHDRAWN
    assert decide(client_for(head), item, "approve").status_code == 302
    assert not Enrollment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who", ["anonymous", "employee", "colleague", "outsider", "hr_admin", "superuser", "head_b"]
)
def test_only_the_employees_own_supervisor_decides(cast, head, training, unit_b1, who):
    head_b = UserFactory(email="kepala.b@example.test", unit=unit_b1)
    people_services.set_unit_head(unit=unit_b1, head=head_b)
    item = services.request_registration(training=training, employee=cast["employee"])
    person = head_b if who == "head_b" else cast.get(who)
    client = Client() if person is None else client_for(person)

    response = decide(client, item, "approve")
    listed = client.get(APPROVALS).content.decode() if person else ""

    item.refresh_from_db()
    assert response.status_code in (302, 404)
    assert response.status_code == (302 if person is None else 404)
    assert item.state == RequestState.PENDING
    assert "Pelatihan Perlu Izin" not in listed
    if person is not None:
        with pytest.raises(services.NotRequestDecider):
            services.approve_registration_request(request=item, by=person)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_restore_reference_data")
def test_approvals_at_once_enrol_once(employee, head, training):
    item = services.request_registration(training=training, employee=employee)

    results, errors = run_at_once(
        [lambda: services.approve_registration_request(request=item, by=head)] * 3
    )

    assert errors == []
    assert len(results) == 3
    assert Enrollment.objects.filter(employee=employee).count() == 1
    assert RegistrationRequest.objects.get().state == RequestState.APPROVED


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_restore_reference_data")
def test_approvals_of_many_at_once_never_overbook(unit_a1, head):
    training = TrainingFactory(requires_approval=True, capacity=2)
    people = [UserFactory(unit=unit_a1) for _ in range(5)]
    items = [services.request_registration(training=training, employee=p) for p in people]

    _results, errors = run_at_once(
        [lambda i=i: services.approve_registration_request(request=i, by=head) for i in items]
    )

    statuses = sorted(Enrollment.objects.values_list("status", flat=True))
    assert errors == []
    assert statuses == ["registered"] * 2 + ["waitlisted"] * 3
