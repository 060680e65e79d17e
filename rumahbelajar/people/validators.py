"""Validators handed to allauth: its "username" is the NIP."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from rumahbelajar.people.nip import PNS, PPPK, validate_nip


def validate_any_nip(value: str) -> None:
    """A NIP someone types at signup: valid as a PNS number, or else as a PPPK number."""
    try:
        validate_nip(value, PNS)
    except ValidationError as pns_error:
        try:
            validate_nip(value, PPPK)
        except ValidationError:
            raise pns_error from None


username_validators = [validate_any_nip]
