import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from rumahbelajar.people.nip import format_nip, normalize_nip, validate_nip

TODAY = dt.date(2026, 11, 28)


def _code(nip: str, employee_type: str = "pns") -> str:
    with pytest.raises(ValidationError) as excinfo:
        validate_nip(nip, employee_type, today=TODAY)
    return excinfo.value.code


def test_validate_nip_valid_pns_passes():
    validate_nip("198609262015051001", "pns", today=TODAY)


def test_validate_nip_valid_female_last_sequence_passes():
    validate_nip("199002282019032999", "pns", today=TODAY)


@pytest.mark.parametrize(
    ("nip", "code"),
    [
        ("19860926201505100", "nip_format"),  # 17 digits
        ("1986092620150510011", "nip_format"),  # 19 digits
        ("19860926201505100a", "nip_format"),
        ("", "nip_format"),
        ("198602302015051001", "nip_birth_date"),  # 30 February
        ("198613012015051001", "nip_birth_date"),  # month 13
        ("202712012045051001", "nip_birth_future"),
        ("198609262015131001", "nip_cpns_month"),
        ("198609262015001001", "nip_cpns_month"),
        ("198609261985051001", "nip_cpns_before_birth"),
        ("198609261986091001", "nip_cpns_before_birth"),  # same month as birth
        ("198609262030011001", "nip_cpns_future"),
        ("198609262015053001", "nip_sex"),
        ("198609262015050001", "nip_sex"),
        ("198609262015051000", "nip_sequence"),
    ],
)
def test_validate_nip_invalid_pns_names_the_broken_rule(nip, code):
    assert _code(nip) == code


def test_validate_nip_valid_pppk_passes():
    # PPPK: birth date, year of appointment, a two-digit code (here 21, not a month), sex, sequence.
    validate_nip("198501012021211001", "pppk", today=TODAY)


def test_validate_nip_pppk_code_is_not_read_as_a_month():
    assert _code("198501012021211001", "pns") == "nip_cpns_month"


@pytest.mark.parametrize(
    ("nip", "code"),
    [
        ("198502302021211001", "nip_birth_date"),
        ("198501011980211001", "nip_pppk_year"),
        ("198501012035211001", "nip_pppk_year"),
        ("198501012021213001", "nip_sex"),
        ("198501012021211000", "nip_sequence"),
    ],
)
def test_validate_nip_invalid_pppk_names_the_broken_rule(nip, code):
    assert _code(nip, "pppk") == code


def test_normalize_nip_displayed_form_gives_digits():
    assert normalize_nip("19860926 201505 1 001") == "198609262015051001"


def test_format_nip_digits_gives_displayed_form():
    assert format_nip("198609262015051001") == "19860926 201505 1 001"


@given(
    birth=st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2005, 12, 31)),
    years_later=st.integers(min_value=18, max_value=20),
    month=st.integers(min_value=1, max_value=12),
    sex=st.sampled_from("12"),
    seq=st.integers(min_value=1, max_value=999),
)
def test_validate_nip_any_well_formed_pns_number_passes(birth, years_later, month, sex, seq):
    nip = f"{birth:%Y%m%d}{birth.year + years_later:04d}{month:02d}{sex}{seq:03d}"

    validate_nip(nip, "pns", today=TODAY)

    assert normalize_nip(format_nip(nip)) == nip
