"""The employee columns and their checks for the HR import (the file is read by
rumahbelajar.imports.reader, the job run by rumahbelajar.imports.pipeline).

Nothing here writes to the database: people.services applies what `EmployeeRowChecker` plans.
Rows are checked in chunks, so memory follows the chunk size rather than the file size; only the
sets of NIPs and emails already seen stay (to report duplicates inside the file).

The messages do not tell an HR admin about people or units outside their subtrees (as the
results import, competency.imports): a unit code outside them gets the message of an unknown
code, and an NIP that is taken gets one message whether its account is an admin's or lies in
another subtree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from rumahbelajar.imports.pipeline import ErrorReport, Outcome
from rumahbelajar.imports.reader import Columns
from rumahbelajar.imports.reader import nip as nip_cell
from rumahbelajar.imports.reader import text as _text
from rumahbelajar.people import selectors
from rumahbelajar.people.models import EmployeeType, Position, Rank, Unit, User
from rumahbelajar.people.nip import validate_nip, validate_nip_format

# Canonical column names (the export writes exactly these, so an exported file imports back)
# and the Indonesian headings people also use.
REQUIRED_COLUMNS = ("nip", "full_name", "email", "employee_type", "unit")
OPTIONAL_COLUMNS = ("position", "rank", "unit_head")
_ALIASES = {
    "nama": "full_name",
    "nama_lengkap": "full_name",
    "jenis_pegawai": "employee_type",
    "jenis": "employee_type",
    "unit_kerja": "unit",
    "kode_unit": "unit",
    "jabatan": "position",
    "kode_jabatan": "position",
    "golongan": "rank",
    "kepala_unit": "unit_head",
}
# "This person heads their unit" (unit_head): a yes sets the unit's head; empty or no leaves it.
_YES = {"ya", "y", "yes", "1", "true", "x"}
_NO = {"", "tidak", "t", "no", "n", "0", "false"}
COLUMNS = Columns(REQUIRED_COLUMNS, OPTIONAL_COLUMNS, _ALIASES)
# Model field each column writes, for the per-file list of fields an update touches.
COLUMN_FIELDS = {
    "full_name": "full_name",
    "email": "email",
    "employee_type": "employee_type",
    "unit": "unit_id",
    "position": "position_id",
    "rank": "rank",
}

_EMAIL = EmailValidator()
_RANKS = {value.upper(): value for value in Rank.values}
_TYPES = {"PNS": EmployeeType.PNS, "PPPK": EmployeeType.PPPK}


class EmployeeResource(resources.ModelResource):
    """The employee columns for export; the import reads the same headings (see REQUIRED_COLUMNS)."""

    unit = fields.Field(
        attribute="unit", column_name="unit", widget=widgets.ForeignKeyWidget(Unit, field="code")
    )
    position = fields.Field(
        attribute="position",
        column_name="position",
        widget=widgets.ForeignKeyWidget(Position, field="code"),
    )

    class Meta:
        model = User
        fields = ("nip", "full_name", "email", "employee_type", "unit", "position", "rank")
        export_order = fields
        import_id_fields = ("nip",)
        name = gettext_lazy("Pegawai")

    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        # The file opens in a spreadsheet: text that would start a formula is quoted.
        value = super().export_field(field, instance, **kwargs)
        if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
            return "'" + value
        return value


# --- checking -------------------------------------------------------------------------------------


@dataclass
class ChunkPlan:
    """What one chunk of valid rows would write: model values of new people (with "nip") and of
    changed ones (with "pk")."""

    create: list[dict[str, Any]] = field(default_factory=list)
    update: list[dict[str, Any]] = field(default_factory=list)
    #: (NIP, unit id) of the people the file names as their unit's head.
    heads: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class CheckOutcome(Outcome):
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _values(items: list[str]) -> RawSQL:
    # One array parameter instead of thousands of placeholders in an IN (...) list.
    return RawSQL("SELECT unnest(%s::text[])", [items])


class EmployeeRowChecker:
    """Checks rows chunk by chunk for one requester and plans the creates and updates.

    Units and positions are looked up by code in bulk (once per new code), existing people by
    NIP and email once per chunk.
    """

    def __init__(
        self, *, requested_by: User, columns: list[str], report: ErrorReport | None = None
    ) -> None:
        self.requested_by = requested_by
        self.scope: list[str] | None = (
            None if requested_by.is_superuser else selectors.managed_unit_paths(user=requested_by)
        )
        self.columns = set(columns)
        self.update_fields = [COLUMN_FIELDS[c] for c in COLUMN_FIELDS if c in self.columns]
        self.units: dict[str, tuple[int, str] | None] = {}
        self.positions: dict[str, int | None] = {}
        self.seen_nips: dict[str, int] = {}
        self.seen_emails: dict[str, int] = {}
        self.seen_heads: dict[str, int] = {}
        self.outcome = CheckOutcome(report=report)
        self.today = dt.date.today()

    def _error(self, row: int, field_name: str, message: str, value: Any = "") -> None:
        self.outcome.error(row, field_name, message, value)

    def _once(
        self,
        seen: dict[str, int],
        key: str,
        row: int,
        field_name: str,
        message: str,
        value: Any = None,
    ) -> None:
        """Notes `key` as first given in `row`, or reports it as given again: `message` names
        the earlier row as %(row)s; the value shown is `key` unless `value` is given."""
        if key in seen:
            self._error(
                row, field_name, message % {"row": seen[key]}, key if value is None else value
            )
        else:
            seen[key] = row

    def _in_scope(self, path: str | None) -> bool:
        if self.scope is None:
            return True
        return path is not None and any(path.startswith(p) for p in self.scope)

    def _may_change(self, person: dict[str, Any]) -> bool:
        if self.scope is None:
            return True
        if person["is_staff"] or person["is_superuser"]:
            return False
        return self._in_scope(person["unit__path"])

    # per row, without the database
    def _clean_row(self, number: int, raw: dict[str, Any]) -> dict[str, Any] | None:
        errors_before = self.outcome.error_count
        employee_type = _TYPES.get(_text(raw.get("employee_type")).upper())
        if employee_type is None:
            self._error(
                number,
                "employee_type",
                _("Jenis pegawai harus PNS atau PPPK."),
                raw.get("employee_type"),
            )

        nip, nip_error = nip_cell(raw.get("nip"))
        if nip_error:
            self._error(number, "nip", nip_error, raw.get("nip"))
        else:
            try:
                if employee_type is None:
                    validate_nip_format(nip)  # the full rule depends on the type
                else:
                    validate_nip(nip, employee_type, today=self.today)
            except ValidationError as exc:
                self._error(number, "nip", " ".join(exc.messages), nip)
            else:
                self._once(
                    self.seen_nips,
                    nip,
                    number,
                    "nip",
                    _("NIP ganda dalam berkas: sudah ada di baris %(row)s."),
                )

        full_name = _text(raw.get("full_name"))
        if not full_name:
            self._error(number, "full_name", _("Nama wajib diisi."))
        elif len(full_name) > 200:
            self._error(number, "full_name", _("Nama paling banyak 200 karakter."), full_name[:50])

        email = _text(raw.get("email")).lower()
        try:
            if len(email) > 254:
                raise ValidationError("too long")
            _EMAIL(email)
        except ValidationError:
            self._error(number, "email", _("Alamat email tidak valid."), email)
        else:
            self._once(
                self.seen_emails,
                email,
                number,
                "email",
                _("Email ganda dalam berkas: sudah ada di baris %(row)s."),
            )

        rank = ""
        if "rank" in self.columns:
            raw_rank = _text(raw.get("rank"))
            if raw_rank:
                rank = _RANKS.get(raw_rank.upper(), "")
                if not rank:
                    self._error(
                        number, "rank", _("Golongan tidak dikenal (contoh: III/a)."), raw_rank
                    )
                elif employee_type == EmployeeType.PPPK:
                    self._error(
                        number, "rank", _("Golongan PNS tidak berlaku untuk PPPK."), raw_rank
                    )

        unit_code = _text(raw.get("unit"))
        if not unit_code:
            self._error(number, "unit", _("Kode unit wajib diisi."))
        heads_unit = False
        if "unit_head" in self.columns:
            raw_head = _text(raw.get("unit_head")).lower()
            if raw_head in _YES:
                heads_unit = True
                self._once(
                    self.seen_heads,
                    unit_code,
                    number,
                    "unit_head",
                    _("Unit ini sudah diberi kepala di baris %(row)s."),
                    value=raw.get("unit_head"),
                )
            elif raw_head not in _NO:
                self._error(
                    number, "unit_head", _("Isi kepala unit dengan ya atau tidak."), raw_head
                )
        position_code = _text(raw.get("position")) if "position" in self.columns else ""

        if self.outcome.error_count != errors_before:
            return None
        return {
            "row": number,
            "nip": nip,
            "full_name": full_name,
            "email": email,
            "employee_type": employee_type,
            "unit": unit_code,
            "position": position_code,
            "rank": rank,
            "unit_head": heads_unit,
        }

    # lookups, in bulk
    def _load_codes(self, rows: list[dict[str, Any]]) -> None:
        unit_codes = {r["unit"] for r in rows} - self.units.keys()
        if unit_codes:
            self.units.update(dict.fromkeys(unit_codes))
            for pk, code, path in Unit.objects.filter(code__in=unit_codes).values_list(
                "pk", "code", "path"
            ):
                self.units[code] = (pk, path)
        position_codes = {r["position"] for r in rows if r["position"]} - self.positions.keys()
        if position_codes:
            self.positions.update(dict.fromkeys(position_codes))
            self.positions.update(
                {
                    code: pk
                    for pk, code in Position.objects.filter(code__in=position_codes).values_list(
                        "pk", "code"
                    )
                }
            )

    def check_chunk(self, chunk: list[tuple[int, dict[str, Any]]]) -> ChunkPlan:
        self.outcome.total_rows += len(chunk)
        rows = [r for r in (self._clean_row(n, raw) for n, raw in chunk) if r is not None]
        self._load_codes(rows)
        compared = ["pk", "is_staff", "is_superuser", "unit__path", *self.update_fields]
        existing = {
            nip: dict(zip(compared, rest, strict=True))
            for nip, *rest in User.objects.filter(nip__in=_values([r["nip"] for r in rows]))
            .values_list("nip", *compared)
            .order_by()
        }
        email_owner = dict(
            User.objects.filter(email__in=_values([r["email"] for r in rows]))
            .values_list("email", "nip")
            .order_by()
        )
        plan = ChunkPlan()
        for row in rows:
            values = self._check_against_database(row, existing.get(row["nip"]), email_owner)
            if values is None:
                continue
            person = existing.get(row["nip"])
            if row["unit_head"]:
                plan.heads.append((row["nip"], values["unit_id"]))
            if person is None:
                plan.create.append({"nip": row["nip"], **values})
                self.outcome.created += 1
            elif any(person[name] != values[name] for name in self.update_fields):
                plan.update.append({"pk": person["pk"], **values})
                self.outcome.updated += 1
            else:
                self.outcome.unchanged += 1
        return plan

    def _check_against_database(
        self, row: dict[str, Any], person: dict[str, Any] | None, email_owner: dict[str, str | None]
    ) -> dict[str, Any] | None:
        """The row's model values, or None after reporting what stops it."""
        number, errors_before = row["row"], self.outcome.error_count
        unit = self.units.get(row["unit"])
        if unit is not None and not self._in_scope(unit[1]):
            unit = None  # told apart from an unknown code, it would map the other units
        if unit is None:
            self._error(
                number,
                "unit",
                _("Kode unit tidak dikenal atau di luar unit yang Anda kelola."),
                row["unit"],
            )
        position_id = None
        if row["position"]:
            position_id = self.positions.get(row["position"])
            if position_id is None:
                self._error(number, "position", _("Kode jabatan tidak dikenal."), row["position"])
        # One message whether the NIP is an admin's or someone's in another subtree: the import
        # must not tell HR who works where, or who is an admin, outside their units.
        if person is not None and not self._may_change(person):
            self._error(
                number,
                "nip",
                _("NIP ini sudah terdaftar untuk akun yang tidak dapat Anda ubah lewat impor."),
                row["nip"],
            )
        if email_owner.get(row["email"], row["nip"]) != row["nip"]:
            # Taken by someone else: the same message wherever that person works.
            self._error(number, "email", _("Email sudah dipakai pengguna lain."), row["email"])
        if self.outcome.error_count != errors_before or unit is None:
            return None
        return {
            "full_name": row["full_name"],
            "email": row["email"],
            "employee_type": row["employee_type"],
            "unit_id": unit[0],
            "position_id": position_id,
            "rank": row["rank"],
        }
