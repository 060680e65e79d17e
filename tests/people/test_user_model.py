import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from rumahbelajar.people.models import User


def test_user_clean_invalid_nip_is_a_field_error(unit_a1):
    user = User(
        email="x@example.test", full_name="X", nip="198602302015051001", employee_type="pns"
    )

    with pytest.raises(ValidationError) as excinfo:
        user.full_clean(exclude=["password"])

    assert list(excinfo.value.error_dict) == ["nip"]


def test_user_clean_nip_without_employee_type_is_refused(db):
    user = User(email="x@example.test", full_name="X", nip="198609262015051001")

    with pytest.raises(ValidationError) as excinfo:
        user.full_clean(exclude=["password"])

    assert "employee_type" in excinfo.value.error_dict


def test_user_clean_email_is_lower_cased(db):
    user = User(
        email="X@Example.TEST", full_name="X", nip="198609262015051001", employee_type="pns"
    )

    user.full_clean(exclude=["password"])

    assert user.email == "x@example.test"


def test_user_rank_for_pppk_is_refused(db):
    user = User(
        email="p@example.test",
        full_name="P",
        nip="198501012021211001",
        employee_type="pppk",
        rank="III/a",
    )

    with pytest.raises(ValidationError) as excinfo:
        user.full_clean(exclude=["password"])

    assert list(excinfo.value.error_dict) == ["rank"]


def test_user_email_in_upper_case_is_refused_by_the_database(db):
    with pytest.raises(IntegrityError):
        User.objects.bulk_create([User(email="Upper@example.test", full_name="U")])


def test_user_nip_not_18_digits_is_refused_by_the_database(db):
    with pytest.raises(IntegrityError):
        User.objects.bulk_create(
            [User(email="u@example.test", full_name="U", nip="123", employee_type="pns")]
        )
