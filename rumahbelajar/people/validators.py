"""Validators handed to allauth: its "username" is the NIP."""

from rumahbelajar.people.nip import validate_nip_format

username_validators = [validate_nip_format]
