"""Units and positions in the admin: HR admins read their own subtrees; superusers edit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rumahbelajar.people.models import Position, Unit, User
from tests.people.conftest import admin_post
from tests.people.factories import UnitFactory

pytestmark = pytest.mark.django_db

UNITS = reverse("admin:people_unit_changelist")
UNIT_ADD = reverse("admin:people_unit_add")
POSITION_ADD = reverse("admin:people_position_add")


def listed_codes(response) -> list[str]:
    return [u.code for u in response.context["cl"].result_list]


def unit_form(unit: Unit, **overrides) -> dict:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent": unit.parent_id or "",
        **overrides,
    }


def move_unit(client, unit: Unit, *, under: Unit):
    """Posts `unit`'s admin form with `under` as its new parent."""
    url = reverse("admin:people_unit_change", args=[unit.pk])
    return admin_post(client, url, unit_form(unit, parent=under.pk))


def test_unit_changelist_hr_admin_lists_only_own_subtrees(cast, hr_client):
    response = hr_client.get(UNITS)

    assert response.status_code == 200
    assert listed_codes(response) == ["kanwil-a", "unit-a1"]


def test_unit_changelist_superuser_lists_children_under_parents(cast, superuser_client):
    response = superuser_client.get(UNITS)

    codes = listed_codes(response)
    assert sorted(codes) == ["kanwil-a", "kanwil-b", "kementerian", "unit-a1", "unit-b1"]
    assert codes[0] == "kementerian"
    assert codes.index("unit-a1") == codes.index("kanwil-a") + 1
    assert codes.index("unit-b1") == codes.index("kanwil-b") + 1


def test_unit_changelist_names_indented_by_depth(cast, superuser_client, unit_a1):
    response = superuser_client.get(UNITS)

    assert "\u2003\u2003└ Unit A1" in response.content.decode()


@pytest.mark.parametrize("rows", [1, 30])
def test_unit_changelist_queries_constant_for_1_and_many_rows(
    hr_admin, hr_client, kanwil_a, rows, django_assert_max_num_queries
):
    UnitFactory.create_batch(rows, parent=kanwil_a)

    with django_assert_max_num_queries(7):
        response = hr_client.get(UNITS)

    assert len(response.context["cl"].result_list) == rows + 1


def test_unit_change_view_hr_admin_outside_unit_not_shown(cast, hr_client, kanwil_b):
    response = hr_client.get(reverse("admin:people_unit_change", args=[kanwil_b.pk]))

    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_unit_change_view_hr_admin_own_unit_read_only(cast, hr_client, unit_a1):
    url = reverse("admin:people_unit_change", args=[unit_a1.pk])

    page = hr_client.get(url)
    post = admin_post(hr_client, url, unit_form(unit_a1, name="Diubah"))

    unit_a1.refresh_from_db()
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert post.status_code == 403
    assert unit_a1.name == "Unit A1"


def test_unit_add_hr_admin_forbidden(cast, hr_client, kanwil_a):
    response = admin_post(
        hr_client, UNIT_ADD, {"code": "x", "name": "X", "kind": "unit", "parent": kanwil_a.pk}
    )

    assert response.status_code == 403
    assert Unit.objects.filter(code="x").exists() is False


def test_unit_add_superuser_creates_under_parent(cast, superuser_client, kanwil_a):
    response = admin_post(
        superuser_client,
        UNIT_ADD,
        {"code": "unit-a2", "name": "Unit A2", "kind": "unit", "parent": kanwil_a.pk},
    )

    unit = Unit.objects.get(code="unit-a2")
    assert response.status_code == 302
    assert (unit.path, unit.depth) == (f"{kanwil_a.path}{unit.pk}/", 2)


def test_unit_change_superuser_moves_subtree(cast, superuser_client, kanwil_a, kanwil_b, unit_a1):
    sub = UnitFactory(code="sub-a1", parent=unit_a1)

    response = move_unit(superuser_client, unit_a1, under=kanwil_b)

    sub.refresh_from_db()
    assert response.status_code == 302
    assert sub.path == f"{kanwil_b.path}{unit_a1.pk}/{sub.pk}/"


def test_unit_change_superuser_into_own_subtree_refused(cast, superuser_client, kanwil_a, unit_a1):
    response = move_unit(superuser_client, kanwil_a, under=unit_a1)

    kanwil_a.refresh_from_db()
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["parent"]
    assert kanwil_a.parent.code == "kementerian"


def test_position_add_superuser_creates(cast, superuser_client):
    data = {
        "code": "pranata-komputer",
        "name": "Pranata Komputer",
        "kind": "fungsional_keahlian",
        "level": "ahli_muda",
    }

    response = admin_post(superuser_client, POSITION_ADD, data)

    assert response.status_code == 302
    assert Position.objects.get(code="pranata-komputer").level == "ahli_muda"


def test_position_add_level_of_other_kind_refused(cast, superuser_client):
    data = {"code": "salah", "name": "Salah", "kind": "pelaksana", "level": "ahli_muda"}

    response = admin_post(superuser_client, POSITION_ADD, data)

    assert response.status_code == 200
    assert Position.objects.filter(code="salah").exists() is False


def test_position_add_hr_admin_forbidden(cast, hr_client):
    data = {"code": "x", "name": "X", "kind": "pelaksana", "level": "pelaksana"}

    response = admin_post(hr_client, POSITION_ADD, data)

    assert response.status_code == 403


def test_position_changelist_hr_admin_can_view(cast, hr_client, employee):
    response = hr_client.get(reverse("admin:people_position_changelist"))

    held = set(User.objects.exclude(position=None).values_list("position_id", flat=True))
    assert response.status_code == 200
    assert {p.pk for p in response.context["cl"].result_list} == held
