"""Nomination from a heatmap cell (/trainings/nominations/new/): the trainings for the gap, the
draft, and confirmation through services.assign (capacity, scope, overbooking)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from competency.models import Competency
from rumahbelajar.people.models import PositionKind
from tests.conftest import PASSWORD
from tests.people.factories import PositionFactory, UserFactory
from tests.report_helpers import HR_REPORT_ACCESS, other_hr_admin, store_map
from tests.training.factories import TrainingFactory
from training.models import Enrollment, EnrollmentSource, EnrollmentStatus, TrainingCompetency

pytestmark = pytest.mark.django_db

URL = "/trainings/nominations/new/"


def login(client, user) -> None:
    assert client.login(username=user.email, password=PASSWORD)


@pytest.fixture
def analyst():
    return PositionFactory(code="analis", name="Analis SDM", kind=PositionKind.FUNGSIONAL_KEAHLIAN)


@pytest.fixture
def cell(cast, analyst):
    """Alice and Bob (analysts) below M1's standard 3; Charlie (other office) too."""
    m1 = Competency.objects.get(code="M1")
    store_map(cast["employee"], analyst, {m1: (3, 2)})
    store_map(cast["colleague"], analyst, {m1: (3, 1)})
    store_map(cast["outsider"], analyst, {m1: (3, 0)})
    return {"position": analyst.pk, "competency": "M1"}


def training_for(level: int, **kwargs):
    training = TrainingFactory(**kwargs)
    TrainingCompetency.objects.create(
        training=training, competency=Competency.objects.get(code="M1"), level=level
    )
    return training


def confirm(client, cell, training, employees, **extra):
    """Posts the nomination of `employees` from the cell to `training` (`extra`: more fields)."""
    return client.post(
        f"{URL}?position={cell['position']}&competency=M1&training={training.pk}",
        {"employee": [person.pk for person in employees], "action": "confirm", **extra},
    )


def nominate_both_to_one_seat(client, cast, cell, *, organizer_unit=None, **extra):
    """HR nominates Alice and Bob from the cell to a one-seat training organised by
    `organizer_unit` (`extra`: more fields)."""
    training = training_for(3, capacity=1, organizer_unit=organizer_unit)
    login(client, cast["hr_admin"])
    return confirm(client, cell, training, [cast["employee"], cast["colleague"]], **extra)


@pytest.mark.parametrize(("who", "status"), HR_REPORT_ACCESS)
def test_nomination_access_by_cast(client, cast, cell, who, status):
    login(client, cast[who])

    assert client.get(URL, cell).status_code == status


def test_nomination_without_cell_is_404(client, cast, cell):
    login(client, cast["hr_admin"])

    assert client.get(URL).status_code == 404
    assert client.get(URL, {"position": "x", "competency": "M1"}).status_code == 404
    assert client.get(URL, {"position": 999999, "competency": "M1"}).status_code == 404


def test_nomination_lists_trainings_reaching_the_needed_level(client, cast, cell):
    enough = training_for(3, title="Integritas Lanjut")
    too_low = training_for(2, title="Integritas Dasar")
    login(client, cast["hr_admin"])

    response = client.get(URL, cell)

    assert [t.pk for t in response.context["trainings"]] == [enough.pk]
    assert too_low.title not in response.content.decode()


def test_nomination_draft_holds_only_people_in_scope(client, cast, cell):
    training = training_for(3)
    login(client, cast["hr_admin"])

    response = client.get(URL, {**cell, "training": training.pk})

    assert {p.id for p in response.context["draft"].people} == {
        cast["employee"].pk,
        cast["colleague"].pk,
    }
    assert response.context["over"] == 0
    assert Enrollment.objects.count() == 0  # a draft stores nothing


def test_nomination_confirm_assigns_selected_people(client, cast, cell):
    training = training_for(3)
    login(client, cast["hr_admin"])

    response = confirm(client, cell, training, [cast["employee"]])

    assert response.status_code == 302
    rows = list(Enrollment.objects.values_list("employee_id", "source", "status"))
    assert rows == [(cast["employee"].pk, EnrollmentSource.ASSIGNED, EnrollmentStatus.REGISTERED)]


def test_nomination_review_recounts_without_assigning(client, cast, cell):
    training = training_for(3, capacity=1)
    login(client, cast["hr_admin"])
    query = f"?position={cell['position']}&competency=M1&training={training.pk}"

    full = client.get(URL + query)
    reviewed = client.post(URL + query, {"employee": [cast["colleague"].pk], "action": "review"})

    assert (full.context["needed"], full.context["over"]) == (2, 1)
    assert (reviewed.context["needed"], reviewed.context["over"]) == (1, 0)
    assert Enrollment.objects.count() == 0


def test_nomination_over_capacity_refused_without_overbooking(client, cast, cell):
    response = nominate_both_to_one_seat(client, cast, cell)

    assert response.status_code == 409
    assert Enrollment.objects.count() == 0


def test_nomination_overbooking_not_allowed_outside_own_units(client, cast, cell, kanwil_b):
    response = nominate_both_to_one_seat(
        client, cast, cell, organizer_unit=kanwil_b, allow_overbooking="on"
    )

    assert response.status_code == 409
    assert "Melebihi kapasitas hanya boleh" in response.content.decode()
    assert Enrollment.objects.count() == 0


def test_nomination_overbooking_allowed_for_own_units(client, cast, cell, kanwil_a):
    response = nominate_both_to_one_seat(
        client, cast, cell, organizer_unit=kanwil_a, allow_overbooking="on"
    )

    assert response.status_code == 302
    assert Enrollment.objects.filter(status=EnrollmentStatus.REGISTERED).count() == 2


def test_nomination_cannot_smuggle_people_outside_scope(client, cast, cell):
    training = training_for(3)
    login(client, cast["hr_admin"])

    response = confirm(client, cell, training, [cast["outsider"]])

    assert response.status_code == 200  # the form names the invalid choice
    assert response.context["confirm"].errors["employee"]
    assert Enrollment.objects.count() == 0


def test_nomination_other_subtree_hr_gets_their_people_only(client, cast, cell, kanwil_b):
    training = training_for(3)
    login(client, other_hr_admin(kanwil_b))

    response = client.get(URL, {**cell, "training": training.pk})

    assert [p.id for p in response.context["draft"].people] == [cast["outsider"].pk]


def test_nomination_queries_constant_in_people(client, cast, cell, unit_a1, analyst):
    training = training_for(3)
    login(client, cast["hr_admin"])
    params = {**cell, "training": training.pk}

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, params).status_code == 200
        return len(queries)

    few = count()
    m1 = Competency.objects.get(code="M1")
    for _n in range(20):
        store_map(UserFactory(unit=unit_a1, position=analyst), analyst, {m1: (3, 1)})
    many = count()

    assert few == many


@pytest.mark.parametrize("who", ["employee", "colleague", "outsider"])
def test_nomination_post_by_non_hr_is_404_and_assigns_nobody(client, cast, cell, who):
    training = training_for(3)
    login(client, cast[who])

    response = confirm(client, cell, training, [cast["employee"]])

    assert response.status_code == 404
    assert Enrollment.objects.count() == 0
