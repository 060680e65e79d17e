"""The civil-servant number (NIP) and its rules.

PNS (BKN): 18 digits = birth date YYYYMMDD, CPNS start YYYYMM (after the birth month), sex 1/2,
sequence 001-999; all dates real. PPPK numbers are also 18 digits, but digits 9-12 are the year of
appointment and 13-14 a code rather than a month, so they are validated by their own rule.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NIP_RE = re.compile(r"^[0-9]{18}$")


PNS = "pns"
PPPK = "pppk"


def normalize_nip(raw: str) -> str:
    """Accepts the displayed form ("19860926 201505 1 001") and returns the 18 digits."""
    return re.sub(r"[\s.\-]", "", raw or "")


def format_nip(nip: str) -> str:
    if not NIP_RE.match(nip or ""):
        return nip or ""
    return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}"


def _birth_date(nip: str) -> dt.date:
    try:
        return dt.date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        raise ValidationError(
            _("NIP: tanggal lahir %(value)s (digit 1-8) bukan tanggal yang valid."),
            code="nip_birth_date",
            params={"value": nip[0:8]},
        ) from None


def _check_tail(nip: str) -> None:
    if nip[14] not in "12":
        raise ValidationError(
            _("NIP: digit ke-15 (jenis kelamin) harus 1 atau 2, bukan %(value)s."),
            code="nip_sex",
            params={"value": nip[14]},
        )
    if nip[15:] == "000":
        raise ValidationError(
            _("NIP: nomor urut (digit 16-18) harus 001-999."), code="nip_sequence"
        )


def validate_nip_format(nip: str) -> None:
    if not NIP_RE.match(nip or ""):
        raise ValidationError(_("NIP harus terdiri dari 18 angka."), code="nip_format")


def validate_nip(nip: str, employee_type: str = PNS, *, today: dt.date | None = None) -> None:
    """Raises ValidationError naming the first rule the number breaks."""
    validate_nip_format(nip)
    today = today or dt.date.today()
    born = _birth_date(nip)
    if born >= today:
        raise ValidationError(
            _("NIP: tanggal lahir %(value)s belum terjadi."),
            code="nip_birth_future",
            params={"value": born.isoformat()},
        )
    if employee_type == PPPK:
        year = int(nip[8:12])
        if year <= born.year or year > today.year + 1:
            raise ValidationError(
                _("NIP PPPK: tahun pengangkatan %(value)s (digit 9-12) tidak masuk akal."),
                code="nip_pppk_year",
                params={"value": nip[8:12]},
            )
    else:
        year, month = int(nip[8:12]), int(nip[12:14])
        if not 1 <= month <= 12:
            raise ValidationError(
                _("NIP: bulan TMT CPNS %(value)s (digit 13-14) bukan bulan yang valid."),
                code="nip_cpns_month",
                params={"value": nip[12:14]},
            )
        if (year, month) <= (born.year, born.month):
            raise ValidationError(
                _("NIP: TMT CPNS %(value)s harus setelah tanggal lahir."),
                code="nip_cpns_before_birth",
                params={"value": nip[8:14]},
            )
        if (year, month) > (today.year + 1, today.month):
            raise ValidationError(
                _("NIP: TMT CPNS %(value)s terlalu jauh di masa depan."),
                code="nip_cpns_future",
                params={"value": nip[8:14]},
            )
    _check_tail(nip)
