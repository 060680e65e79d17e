"""Fixtures for the people admin and the employee import.

The real worker (`celery_worker_process`) is in tests/conftest.py, for every app.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from rumahbelajar.people.models import User
from tests import sheets
from tests.people.factories import PositionFactory

HEADER = ["nip", "full_name", "email", "employee_type", "unit", "position", "rank"]


@pytest.fixture
def position(db):
    return PositionFactory(code="analis-sdm", name="Analis SDM Aparatur")


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER, delimiter: str = ",") -> bytes:
    return sheets.csv_bytes(rows, header, delimiter)


def xlsx_bytes(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    return sheets.xlsx_bytes(rows, header)


def admin_post(client: Client, url: str, data: dict):
    """POSTs an admin form with empty management data for whatever inlines other apps attach
    to the model admin (competency adds position standards, for instance)."""
    page = client.get(url)
    formsets = (page.context or {}).get("inline_admin_formsets") or []
    extra = {}
    for inline in formsets:
        prefix = inline.formset.prefix
        extra.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    return client.post(url, {**extra, **data})


def change_url(user: User) -> str:
    """The person's page in the user admin."""
    return reverse("admin:people_user_change", args=[user.pk])


def form_data(user: User, **overrides) -> dict:
    """The user admin's form as it stands for `user`, with `overrides` (None drops a field)."""
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "nip": user.nip or "",
        "employee_type": user.employee_type,
        "unit": user.unit_id or "",
        "position": user.position_id or "",
        "rank": user.rank,
        "is_active": "on" if user.is_active else "",
        **overrides,
    }
    return {k: v for k, v in data.items() if v is not None}
