"""The views of the results API: record a result, read a map, serve the OpenAPI document."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from competency import openapi, selectors, services
from competency.api.endpoint import ApiError, api_endpoint, read_json_object
from competency.models import (
    AssessmentMethod,
    AssessmentResult,
    Competency,
    CompetencyMap,
    ResultSource,
)
from rumahbelajar.people.models import User

NIP_RE = re.compile(r"[0-9]{18}")  # the shape only; people.nip checks the dates when HR enters one
COMPETENCY_CODE_RE = re.compile(r"M[1-8]|SK1|T[0-9A-Z.\-]{1,19}")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
EXTERNAL_ID_MAX_LENGTH = 100
REQUIRED_FIELDS = ("nip", "competency", "level", "assessed_on", "external_id")
OPTIONAL_FIELDS = ("method",)

Errors = dict[str, list[str]]


# --- POST /results -------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultInput:
    """A posted result, parsed: its fields are services.record_result's arguments."""

    employee: User
    competency: Competency
    level: int
    assessed_on: dt.date
    external_id: str
    method: str


def _printable(value: str) -> bool:
    # Control characters and lone surrogates cannot be stored by PostgreSQL or mean nothing.
    return not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value)


def _check_fields(data: Mapping[str, Any], errors: Errors) -> None:
    """Type, range and shape of every field, without the database."""

    def bad(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for key in getattr(data, "duplicates", ()):
        bad(key, _("Kolom ini muncul lebih dari sekali."))
    for key in data:
        if key not in REQUIRED_FIELDS + OPTIONAL_FIELDS:
            bad(key, _("Kolom tidak dikenal."))
    for key in REQUIRED_FIELDS:
        if key not in data:
            bad(key, _("Kolom ini wajib diisi."))

    nip = data.get("nip")
    if "nip" in data and not (isinstance(nip, str) and NIP_RE.fullmatch(nip)):
        bad("nip", _("NIP harus berupa teks 18 angka."))
    code = data.get("competency")
    if "competency" in data and not isinstance(code, str):
        bad("competency", _("Kode kompetensi harus berupa teks, misalnya “M1”."))
    level = data.get("level")
    # bool is an int in Python, and "3" is text: neither is a JSON integer.
    if "level" in data and (type(level) is not int or not 1 <= level <= 5):
        bad("level", _("Level harus bilangan bulat 1 sampai 5."))
    if "assessed_on" in data:
        _check_date(data["assessed_on"], bad)
    external_id = data.get("external_id")
    if "external_id" in data and not (
        isinstance(external_id, str)
        and external_id.strip()
        and len(external_id) <= EXTERNAL_ID_MAX_LENGTH
        and _printable(external_id)
    ):
        bad(
            "external_id",
            _("ID eksternal harus teks tidak kosong, paling banyak %(max)d karakter.")
            % {"max": EXTERNAL_ID_MAX_LENGTH},
        )
    if "method" in data and data["method"] not in AssessmentMethod.values:
        bad(
            "method",
            _("Metode harus salah satu dari: %(values)s.")
            % {"values": ", ".join(AssessmentMethod.values)},
        )


def _check_date(value: Any, bad: Callable[[str, str], None]) -> None:
    if not (isinstance(value, str) and DATE_RE.fullmatch(value)):
        bad("assessed_on", _("Tanggal harus berformat YYYY-MM-DD."))
        return
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        bad("assessed_on", _("Tanggal ini tidak ada di kalender."))
        return
    if day > timezone.localdate():
        bad("assessed_on", _("Tanggal asesmen tidak boleh di masa depan."))


def parse_result_input(data: Mapping[str, Any]) -> ResultInput:
    """The validated input, or ApiError 422 naming every bad field (404 when only the NIP is
    unknown: a request that is right in every other way names a person who is not here)."""
    errors: Errors = {}
    _check_fields(data, errors)
    employee = competency = None
    if "competency" not in errors:
        code = data["competency"]
        if COMPETENCY_CODE_RE.fullmatch(code):
            competency = Competency.objects.filter(code=code).first()
        if competency is None:
            errors["competency"] = [_("Kode kompetensi tidak dikenal.")]
    if "nip" not in errors:
        employee = User.objects.filter(nip=data["nip"]).only("id", "nip").first()
    unknown_nip = [_("Tidak ada pegawai dengan NIP ini.")]
    if errors:
        if "nip" not in errors and employee is None:
            errors["nip"] = unknown_nip
        raise ApiError(422, _("Ada isian yang tidak valid."), errors)
    if employee is None:
        raise ApiError(404, _("Pegawai tidak ditemukan."), {"nip": unknown_nip})
    assert competency is not None
    return ResultInput(
        employee=employee,
        competency=competency,
        level=data["level"],
        assessed_on=dt.date.fromisoformat(data["assessed_on"]),
        external_id=data["external_id"],
        method=data.get("method", AssessmentMethod.UJI_KOMPETENSI),
    )


def result_json(result: AssessmentResult) -> dict[str, Any]:
    return {
        "id": result.pk,
        "nip": result.employee.nip,
        "competency": result.competency.code,
        "level": result.level,
        "assessed_on": result.assessed_on.isoformat(),
        "method": result.method,
        "external_id": result.external_id,
        "recorded_at": timezone.localtime(result.recorded_at).isoformat(),
    }


@api_endpoint(methods=("POST",))
def result_create(request: HttpRequest) -> HttpResponse:
    given = parse_result_input(read_json_object(request))
    try:
        result, created = services.record_result(**vars(given), source=ResultSource.API)
    except services.InvalidResult as exc:
        raise ApiError(
            422,
            _("Ada isian yang tidak valid."),
            {field: [str(message)] for field, message in exc.errors.items()},
        ) from None
    if not created:
        # The stored row of an earlier post (its employee and competency, not this body's).
        result = AssessmentResult.objects.select_related("employee", "competency").get(pk=result.pk)
    return JsonResponse(result_json(result), status=201 if created else 200)


# --- GET /employees/<nip>/map --------------------------------------------------------------


def _item_json(item: Any) -> dict[str, Any]:
    return {
        "competency": item.competency.code,
        "name": item.competency.name,
        "required": item.required,
        "achieved": item.achieved,
        "gap": item.gap,
    }


def target_json(target: selectors.TargetMap | None) -> dict[str, Any] | None:
    """The gaps against the employee's target position (computed when read), or None."""
    if target is None:
        return None
    return {
        "position": {"id": target.position.pk, "name": target.position.name},
        "jpm": float(target.jpm) if target.jpm is not None else None,
        "category": target.category,
        "items": [_item_json(item) for item in target.items],
    }


def map_json(
    employee: User, cmap: CompetencyMap | None, target: selectors.TargetMap | None = None
) -> dict[str, Any]:
    if cmap is None:
        return {
            "nip": employee.nip,
            "computed_at": None,
            "stale": True,
            "jpm": None,
            "category": "",
            "items": [],
            "target": target_json(target),
        }
    computed_at = timezone.localtime(cmap.computed_at).isoformat() if cmap.computed_at else None
    return {
        "nip": employee.nip,
        "computed_at": computed_at,
        "stale": cmap.stale,
        "jpm": float(cmap.jpm) if cmap.jpm is not None else None,
        "category": cmap.category,
        "items": [_item_json(item) for item in cmap.items.all()],
        "target": target_json(target),
    }


@api_endpoint(methods=("GET",))
def map_detail(request: HttpRequest, nip: str) -> HttpResponse:
    employee = (
        User.objects.filter(nip=nip).only("id", "nip").first() if NIP_RE.fullmatch(nip) else None
    )
    if employee is None:
        raise ApiError(
            404, _("Pegawai tidak ditemukan."), {"nip": [_("Tidak ada pegawai dengan NIP ini.")]}
        )
    cmap = selectors.map_for_employee(employee=employee)
    return JsonResponse(
        map_json(employee, cmap, selectors.target_for(employee=employee, cmap=cmap))
    )


# --- The document, and everything else under /api/v1/ --------------------------------------


@api_endpoint(methods=("GET",), auth=False)
def openapi_document(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(openapi.build_document())
    response["Cache-Control"] = "public, max-age=300"
    return response


@api_endpoint(methods=None, auth=False)
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    raise ApiError(404, _("Alamat API ini tidak ada."))
