"""The person as every page loads them (people.selectors.load_person): one query, which also
says which units an HR admin manages."""

from __future__ import annotations

import pytest

from rumahbelajar.people.models import User
from rumahbelajar.people.selectors import load_person, managed_unit_paths

pytestmark = pytest.mark.django_db


def test_hr_admins_managed_units_come_with_the_person(
    hr_admin, kanwil_a, unit_a1, unit_b1, django_assert_num_queries
):
    hr_admin.managed_units.add(unit_a1, unit_b1)  # unit_a1 lies inside kanwil_a
    expected = managed_unit_paths(user=User.objects.get(pk=hr_admin.pk))  # its own query

    with django_assert_num_queries(1):
        person = load_person(hr_admin.pk)
        assert managed_unit_paths(user=person) == expected

    assert expected == sorted([kanwil_a.path, unit_b1.path])  # the outermost subtrees only


def test_someone_not_staff_manages_nothing(employee, django_assert_num_queries):
    person = load_person(employee.pk)

    with django_assert_num_queries(1):  # not loaded: asked for on its own (reports refuse them)
        assert managed_unit_paths(user=person) == []
