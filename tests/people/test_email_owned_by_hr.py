"""HR owns email addresses: a replaced address must stop reaching the account."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from rumahbelajar.people import services
from tests.people.factories import UserFactory

pytestmark = pytest.mark.django_db


def _change_email(person, email: str):
    """HR saves `person` as they are but for `email`, as the user admin does."""
    values = {name: getattr(person, name) for name in services.EMPLOYEE_FIELDS}
    return services.update_employee(
        employee=person, is_active=person.is_active, **{**values, "email": email}
    )


def test_update_employee_new_email_forgets_the_old_verified_address():
    person, bystander = UserFactory(), UserFactory()
    old = person.email
    EmailAddress.objects.create(user=person, email=old, verified=True, primary=True)
    EmailAddress.objects.create(user=bystander, email=bystander.email, verified=True, primary=True)

    _change_email(person, "alamat.baru@example.test")

    assert not EmailAddress.objects.filter(email__iexact=old).exists()
    assert EmailAddress.objects.filter(user=bystander).count() == 1


def test_update_employee_same_email_keeps_the_verified_address():
    person = UserFactory()
    EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)

    _change_email(person, person.email)

    assert EmailAddress.objects.get(user=person).verified
