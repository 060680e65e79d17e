"""Self-registration, cancellation with waitlist promotion, assignment by HR, and the selectors
the pages read (seats left, waitlist position, "mine")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction

from tests.people.factories import PositionFactory, UserFactory
from tests.training.factories import TrainingFactory, in_days
from training import selectors, services
from training.models import (
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    TrainingKind,
    TrainingStatus,
)

pytestmark = pytest.mark.django_db


# --- register ---------------------------------------------------------------------------------


def test_register_seat_free_registers(employee):
    training = TrainingFactory(capacity=2)

    enrollment = services.register(training=training, employee=employee)

    assert enrollment.status == EnrollmentStatus.REGISTERED
    assert enrollment.source == EnrollmentSource.SELF
    assert enrollment.registered_at is not None


def test_register_training_full_waitlists(employee, colleague):
    training = TrainingFactory(capacity=1)
    services.register(training=training, employee=colleague)

    enrollment = services.register(training=training, employee=employee)

    assert enrollment.status == EnrollmentStatus.WAITLISTED
    assert enrollment.waitlisted_at is not None


def test_register_twice_refused_already_enrolled(employee):
    training = TrainingFactory()
    services.register(training=training, employee=employee)

    with pytest.raises(services.AlreadyEnrolled) as exc:
        services.register(training=training, employee=employee)

    assert str(exc.value) == "Anda sudah terdaftar pada pelatihan ini."
    assert Enrollment.objects.filter(training=training).count() == 1


@pytest.fixture
def cancelled_enrollment(employee):
    """The employee's enrolment in an open training, which they have cancelled."""
    enrollment = services.register(training=TrainingFactory(), employee=employee)
    services.cancel(enrollment=enrollment, by=employee)
    return enrollment


def test_register_after_cancel_registers_again(employee, cancelled_enrollment):
    second = services.register(training=cancelled_enrollment.training, employee=employee)

    assert second.status == EnrollmentStatus.REGISTERED
    assert second.pk != cancelled_enrollment.pk


def test_register_window_not_open_refused(employee):
    training = TrainingFactory(registration_opens_at=in_days(2))

    with pytest.raises(services.RegistrationClosed) as exc:
        services.register(training=training, employee=employee)

    assert str(exc.value) == "Pendaftaran belum dibuka."


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        pytest.param(
            {"registration_opens_at": in_days(-5), "registration_closes_at": in_days(-1)},
            services.RegistrationClosed,
            "Pendaftaran sudah ditutup.",
            id="window-closed",
        ),
        pytest.param(
            {
                "start_at": in_days(-0.1),
                "registration_opens_at": None,
                "registration_closes_at": None,
            },
            services.TrainingStarted,
            "Pelatihan ini sudah dimulai; pendaftaran tidak dapat diproses.",
            id="started",
        ),
        pytest.param(
            {"kind": TrainingKind.MANDATED},
            services.TrainingNotOpen,
            "Pelatihan ini wajib dan pesertanya ditugaskan oleh pengelola SDM; "
            "pendaftaran mandiri tidak tersedia.",
            id="mandated",
        ),
        pytest.param(
            {"status": TrainingStatus.CANCELLED},
            services.TrainingCancelled,
            "Pelatihan ini dibatalkan.",
            id="cancelled",
        ),
        pytest.param(
            {"status": TrainingStatus.DRAFT},
            services.TrainingNotOpen,
            "Pelatihan ini belum diterbitkan.",
            id="draft",
        ),
    ],
)
def test_register_training_not_open_to_self_registration_refused(employee, fields, error, message):
    training = TrainingFactory(**fields)

    with pytest.raises(error) as exc:
        services.register(training=training, employee=employee)

    assert str(exc.value) == message


def test_register_other_unit_subtree_refused_not_eligible(outsider, kanwil_a):
    training = TrainingFactory(eligible_units=[kanwil_a])

    with pytest.raises(services.NotEligible) as exc:
        services.register(training=training, employee=outsider)

    assert str(exc.value) == "Pelatihan ini hanya untuk unit kerja atau jabatan tertentu."


def test_register_unit_inside_eligible_subtree_registers(employee, kanwil_a):
    training = TrainingFactory(eligible_units=[kanwil_a])

    enrollment = services.register(training=training, employee=employee)

    assert enrollment.status == EnrollmentStatus.REGISTERED


def test_register_other_position_refused_not_eligible(employee):
    training = TrainingFactory(eligible_positions=[PositionFactory(code="kepala-seksi")])

    with pytest.raises(services.NotEligible):
        services.register(training=training, employee=employee)


def test_register_eligible_position_registers(employee):
    training = TrainingFactory(eligible_positions=[employee.position])

    enrollment = services.register(training=training, employee=employee)

    assert enrollment.status == EnrollmentStatus.REGISTERED


def test_register_waiting_list_and_raised_capacity_promotes_waiting_first(
    employee, colleague, outsider
):
    training = TrainingFactory(capacity=1)
    services.register(training=training, employee=colleague)
    waiting = services.register(training=training, employee=outsider)
    # Capacity raised behind the service's back: the waiting person must still go first.
    training.__class__.objects.filter(pk=training.pk).update(capacity=2)

    late = services.register(training=training, employee=employee)

    waiting.refresh_from_db()
    assert waiting.status == EnrollmentStatus.REGISTERED
    assert late.status == EnrollmentStatus.WAITLISTED


# --- cancel -------------------------------------------------------------------------------------


def _full_training_with_waitlist(capacity: int, waiting: int):
    training = TrainingFactory(capacity=capacity)
    seated = [services.register(training=training, employee=UserFactory()) for _ in range(capacity)]
    queue = [services.register(training=training, employee=UserFactory()) for _ in range(waiting)]
    return training, seated, queue


def test_cancel_seat_promotes_exactly_the_first_waitlisted():
    training, seated, queue = _full_training_with_waitlist(capacity=2, waiting=3)

    services.cancel(enrollment=seated[0], by=seated[0].employee)

    statuses = [Enrollment.objects.get(pk=e.pk).status for e in queue]
    assert statuses == [
        EnrollmentStatus.REGISTERED,
        EnrollmentStatus.WAITLISTED,
        EnrollmentStatus.WAITLISTED,
    ]
    assert training.enrollments.filter(status=EnrollmentStatus.REGISTERED).count() == 2


def test_cancel_waitlisted_promotes_nobody():
    training, _seated, queue = _full_training_with_waitlist(capacity=1, waiting=2)

    services.cancel(enrollment=queue[0], by=queue[0].employee)

    assert Enrollment.objects.get(pk=queue[1].pk).status == EnrollmentStatus.WAITLISTED
    assert training.enrollments.filter(status=EnrollmentStatus.REGISTERED).count() == 1


def test_cancel_promotion_emails_promoted_person_after_commit(django_capture_on_commit_callbacks):
    training, seated, queue = _full_training_with_waitlist(capacity=1, waiting=1)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.cancel(enrollment=seated[0], by=seated[0].employee)
    assert len(mail.outbox) == 0
    for callback in callbacks:
        callback()

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [queue[0].employee.email]
    assert mail.outbox[0].subject == f"[Rumah Belajar] Anda mendapat kursi: {training.title}"


def test_cancel_rolled_back_sends_no_email(django_capture_on_commit_callbacks):
    _training, seated, queue = _full_training_with_waitlist(capacity=1, waiting=1)
    mail.outbox.clear()

    def cancel_then_fail() -> None:
        with transaction.atomic():
            services.cancel(enrollment=seated[0], by=seated[0].employee)
            raise RuntimeError("rollback")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        cancel_then_fail()

    assert callbacks == []
    assert len(mail.outbox) == 0
    assert Enrollment.objects.get(pk=queue[0].pk).status == EnrollmentStatus.WAITLISTED


def test_cancel_twice_returns_cancelled_unchanged(employee, cancelled_enrollment):
    again = services.cancel(enrollment=cancelled_enrollment, by=employee)

    assert again.status == EnrollmentStatus.CANCELLED


def test_cancel_someone_elses_enrollment_refused(employee, colleague):
    training = TrainingFactory()
    enrollment = services.register(training=training, employee=employee)

    with pytest.raises(services.OutsideScope):
        services.cancel(enrollment=enrollment, by=colleague)

    assert Enrollment.objects.get(pk=enrollment.pk).status == EnrollmentStatus.REGISTERED


def test_cancel_assigned_by_employee_refused(employee, hr_admin):
    training = TrainingFactory(kind=TrainingKind.MANDATED)
    services.assign(training=training, employees=[employee], assigned_by=hr_admin)
    enrollment = Enrollment.objects.get(training=training, employee=employee)

    with pytest.raises(services.NotCancellable) as exc:
        services.cancel(enrollment=enrollment, by=employee)

    assert str(exc.value) == "Pelatihan penugasan hanya dapat dibatalkan oleh pengelola SDM Anda."


def test_cancel_assigned_by_hr_admin_cancels(employee, hr_admin):
    training = TrainingFactory(kind=TrainingKind.MANDATED)
    services.assign(training=training, employees=[employee], assigned_by=hr_admin)
    enrollment = Enrollment.objects.get(training=training, employee=employee)

    cancelled = services.cancel(enrollment=enrollment, by=hr_admin)

    assert cancelled.status == EnrollmentStatus.CANCELLED
    assert cancelled.cancelled_by == hr_admin


# --- assign -------------------------------------------------------------------------------------


def test_assign_people_in_scope_assigns_with_due_date(employee, colleague, hr_admin):
    training = TrainingFactory(kind=TrainingKind.MANDATED)
    due = dt.date.today() + dt.timedelta(days=30)

    report = services.assign(
        training=training, employees=[employee, colleague], assigned_by=hr_admin, due_date=due
    )

    assert report == services.AssignmentReport(
        assigned=2,
        skipped_already_enrolled=0,
        over_capacity=0,
        enrollment_ids=report.enrollment_ids,
    )
    rows = Enrollment.objects.filter(training=training)
    assert {(r.status, r.source, r.due_date, r.assigned_by_id) for r in rows} == {
        (EnrollmentStatus.REGISTERED, EnrollmentSource.ASSIGNED, due, hr_admin.pk)
    }


def test_assign_again_skips_everyone(employee, colleague, hr_admin):
    training = TrainingFactory()
    services.assign(training=training, employees=[employee, colleague], assigned_by=hr_admin)

    report = services.assign(
        training=training, employees=[employee, colleague], assigned_by=hr_admin
    )

    assert (report.assigned, report.skipped_already_enrolled) == (0, 2)
    assert Enrollment.objects.filter(training=training).count() == 2


def test_assign_self_registered_person_skipped(employee, colleague, hr_admin):
    training = TrainingFactory()
    services.register(training=training, employee=employee)

    report = services.assign(
        training=training, employees=[employee, colleague], assigned_by=hr_admin
    )

    assert (report.assigned, report.skipped_already_enrolled) == (1, 1)


def test_assign_waitlisted_person_gets_assigned_seat(employee, colleague, hr_admin):
    training = TrainingFactory(capacity=1)
    services.register(training=training, employee=colleague)
    waiting = services.register(training=training, employee=employee)
    training.capacity = 2
    training.save()

    report = services.assign(training=training, employees=[employee], assigned_by=hr_admin)

    waiting.refresh_from_db()
    assert report.assigned == 1
    assert (waiting.status, waiting.source) == (
        EnrollmentStatus.REGISTERED,
        EnrollmentSource.ASSIGNED,
    )


def test_assign_person_outside_scope_refuses_everyone(employee, outsider, hr_admin):
    training = TrainingFactory()

    with pytest.raises(services.OutsideScope) as exc:
        services.assign(training=training, employees=[employee, outsider], assigned_by=hr_admin)

    assert str(exc.value) == "Anda tidak berwenang atas sebagian pegawai yang dipilih."
    assert Enrollment.objects.filter(training=training).count() == 0


def assign_three(training, *, by, unit, **options):
    """`by` assigns three new people of `unit` to `training` (`options`: allow_overbooking)."""
    people = UserFactory.create_batch(3, unit=unit)
    return services.assign(training=training, employees=people, assigned_by=by, **options)


def test_assign_over_capacity_refused_with_numbers(hr_admin, unit_a1):
    training = TrainingFactory(capacity=2)

    with pytest.raises(services.CapacityExceeded) as exc:
        assign_three(training, by=hr_admin, unit=unit_a1)

    assert (exc.value.needed, exc.value.free) == (3, 2)
    assert Enrollment.objects.filter(training=training).count() == 0


def test_assign_over_capacity_confirmed_overbooks(hr_admin, unit_a1):
    training = TrainingFactory(capacity=2, organizer_unit=unit_a1)

    report = assign_three(training, by=hr_admin, unit=unit_a1, allow_overbooking=True)

    assert (report.assigned, report.over_capacity) == (3, 1)
    assert selectors.published_trainings().get(pk=training.pk).seats_left == 0


def test_assign_over_capacity_of_training_organised_elsewhere_refused_for_hr(
    hr_admin, unit_a1, unit_b1
):
    training = TrainingFactory(capacity=2, organizer_unit=unit_b1)

    with pytest.raises(services.OverbookingNotAllowed) as exc:
        assign_three(training, by=hr_admin, unit=unit_a1, allow_overbooking=True)

    assert (exc.value.needed, exc.value.free) == (3, 2)
    assert Enrollment.objects.filter(training=training).count() == 0


def test_assign_over_capacity_of_central_training_refused_for_hr(hr_admin, unit_a1):
    training = TrainingFactory(capacity=2, organizer_unit=None)

    with pytest.raises(services.OverbookingNotAllowed):
        assign_three(training, by=hr_admin, unit=unit_a1, allow_overbooking=True)

    assert Enrollment.objects.filter(training=training).count() == 0


def test_assign_within_capacity_of_training_organised_elsewhere_assigns(hr_admin, unit_a1, unit_b1):
    training = TrainingFactory(capacity=3, organizer_unit=unit_b1)

    report = assign_three(training, by=hr_admin, unit=unit_a1, allow_overbooking=True)

    assert (report.assigned, report.over_capacity) == (3, 0)


def test_assign_over_capacity_of_any_training_confirmed_by_superuser_overbooks(
    superuser, unit_a1, unit_b1
):
    training = TrainingFactory(capacity=2, organizer_unit=unit_b1)

    report = assign_three(training, by=superuser, unit=unit_a1, allow_overbooking=True)

    assert (report.assigned, report.over_capacity) == (3, 1)


def test_assign_emails_assigned_people_after_commit(
    employee, colleague, hr_admin, django_capture_on_commit_callbacks
):
    training = TrainingFactory(kind=TrainingKind.MANDATED, title="Pelatihan Wajib HAM")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.assign(training=training, employees=[employee, colleague], assigned_by=hr_admin)

    assert sorted(m.to[0] for m in mail.outbox) == sorted([colleague.email, employee.email])
    assert mail.outbox[0].subject == "[Rumah Belajar] Penugasan pelatihan: Pelatihan Wajib HAM"
    assert mail.outbox[0].attachments[0][2] == "text/calendar"


def test_assign_without_commit_sends_nothing(employee, hr_admin):
    training = TrainingFactory()
    mail.outbox.clear()

    services.assign(training=training, employees=[employee], assigned_by=hr_admin)

    assert len(mail.outbox) == 0


def test_assign_draft_training_refused(employee, hr_admin):
    training = TrainingFactory(status=TrainingStatus.DRAFT)

    with pytest.raises(services.TrainingNotOpen):
        services.assign(training=training, employees=[employee], assigned_by=hr_admin)


# --- trainings --------------------------------------------------------------------------------


def test_save_training_capacity_raised_promotes_waitlist_in_order():
    training, _seated, queue = _full_training_with_waitlist(capacity=1, waiting=3)

    training.capacity = 3
    services.save_training(training=training)

    statuses = [Enrollment.objects.get(pk=e.pk).status for e in queue]
    assert statuses == [
        EnrollmentStatus.REGISTERED,
        EnrollmentStatus.REGISTERED,
        EnrollmentStatus.WAITLISTED,
    ]


def test_cancel_training_cancels_places_and_emails(django_capture_on_commit_callbacks, superuser):
    training, _seated, _queue = _full_training_with_waitlist(capacity=2, waiting=1)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        count = services.cancel_training(training=training, by=superuser)

    assert count == 3
    assert set(training.enrollments.values_list("status", flat=True)) == {"cancelled"}
    assert len(mail.outbox) == 3


# --- selectors ----------------------------------------------------------------------------------


def test_published_trainings_seats_left_counts_registered_only(employee, colleague, outsider):
    training = TrainingFactory(capacity=2)
    services.register(training=training, employee=employee)
    services.register(training=training, employee=colleague)
    services.register(training=training, employee=outsider)
    TrainingFactory(status=TrainingStatus.DRAFT)

    rows = list(selectors.published_trainings())

    assert [(r.pk, r.seats_left, r.waitlist_count) for r in rows] == [(training.pk, 0, 1)]


def test_published_trainings_filters_combine(employee):
    from competency.models import Competency

    m1 = Competency.objects.get(code="M1")
    wanted = TrainingFactory(
        title="Perancangan Peraturan", mode="blended", start_at=in_days(40), end_at=in_days(41)
    )
    wanted.competency_links.create(competency=m1, level=2)
    TrainingFactory(title="Perancangan Lain", mode="klasikal")
    month = (wanted.start_at + dt.timedelta(hours=7)).strftime("%Y-%m")

    rows = selectors.published_trainings(
        q="perancangan", mode="blended", kind="open", competency="M1", month=month
    )

    assert [r.pk for r in rows] == [wanted.pk]


def test_published_trainings_many_rows_constant_queries(django_assert_max_num_queries):
    from competency.models import Competency

    m1 = Competency.objects.get(code="M1")
    for _ in range(15):
        TrainingFactory().competency_links.create(competency=m1, level=2)

    with django_assert_max_num_queries(2):
        rows = list(selectors.published_trainings())
        names = [link.competency.code for r in rows for link in r.competency_links.all()]

    assert len(names) == 15


def test_enrollment_for_waitlisted_has_position():
    training, _seated, queue = _full_training_with_waitlist(capacity=1, waiting=3)

    positions = [
        selectors.enrollment_for(training=training, employee=e.employee).waitlist_position
        for e in queue
    ]

    assert positions == [1, 2, 3]


def test_enrollment_for_after_promotion_positions_move_up():
    training, seated, queue = _full_training_with_waitlist(capacity=1, waiting=3)
    services.cancel(enrollment=seated[0], by=seated[0].employee)

    positions = [
        selectors.enrollment_for(training=training, employee=e.employee).waitlist_position
        for e in queue
    ]

    assert positions == [None, 1, 2]


def test_training_for_detail_by_slug_and_id_same_training(employee):
    training = TrainingFactory(slug="pelatihan-satu")

    by_slug = selectors.training_for_detail(id_or_slug="pelatihan-satu", user=employee)
    by_id = selectors.training_for_detail(id_or_slug=str(training.pk), user=employee)

    assert by_slug.training.pk == by_id.training.pk == training.pk
    assert (by_slug.can_register, by_slug.seats_left, by_slug.register_blocker) == (True, 10, None)


def test_training_for_detail_draft_hidden_from_employee(employee):
    training = TrainingFactory(status=TrainingStatus.DRAFT)

    with pytest.raises(training.__class__.DoesNotExist):
        selectors.training_for_detail(id_or_slug=training.pk, user=employee)


def test_training_for_detail_mandated_explains_blocker(employee):
    training = TrainingFactory(kind=TrainingKind.MANDATED)

    detail = selectors.training_for_detail(id_or_slug=training.slug, user=employee)

    assert detail.can_register is False
    assert detail.register_blocker == (
        "Pelatihan ini wajib dan pesertanya ditugaskan oleh pengelola SDM; "
        "pendaftaran mandiri tidak tersedia."
    )


def test_training_for_detail_full_training_will_waitlist(employee, colleague):
    training = TrainingFactory(capacity=1)
    services.register(training=training, employee=colleague)

    detail = selectors.training_for_detail(id_or_slug=training.slug, user=employee)

    assert (detail.can_register, detail.will_be_waitlisted, detail.seats_left) == (True, True, 0)


def test_my_trainings_groups_by_state(employee, colleague, hr_admin):
    assigned = TrainingFactory(kind=TrainingKind.MANDATED)
    services.assign(
        training=assigned,
        employees=[employee],
        assigned_by=hr_admin,
        due_date=dt.date.today() + dt.timedelta(days=20),
    )
    registered = TrainingFactory()
    services.register(training=registered, employee=employee)
    full = TrainingFactory(capacity=1)
    services.register(training=full, employee=colleague)
    services.register(training=full, employee=employee)

    mine = selectors.my_trainings(employee=employee)

    assert [e.training_id for e in mine.assigned] == [assigned.pk]
    assert [e.training_id for e in mine.registered] == [registered.pk]
    assert [(e.training_id, e.waitlist_position) for e in mine.waitlisted] == [(full.pk, 1)]
    assert mine.completed == []


def test_my_trainings_many_rows_constant_queries(employee, django_assert_max_num_queries):
    for _ in range(12):
        services.register(training=TrainingFactory(), employee=employee)

    with django_assert_max_num_queries(1):
        mine = selectors.my_trainings(employee=employee)
        titles = [e.training.title for e in mine.registered]

    assert len(titles) == 12
