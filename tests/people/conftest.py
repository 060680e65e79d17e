"""Fixtures for the people admin and the employee import.

`celery_worker_process` is written for any app: it starts a real worker on the test database and
the test Redis, so it can move up to tests/conftest.py when another app needs it.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client
from openpyxl import Workbook

from tests.people.factories import PositionFactory

ROOT = Path(__file__).resolve().parents[2]
HEADER = ["nip", "full_name", "email", "employee_type", "unit", "position", "rank"]


@pytest.fixture
def position(db):
    return PositionFactory(code="analis-sdm", name="Analis SDM Aparatur")


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def hr_client(hr_admin):
    return _client_for(hr_admin)


@pytest.fixture
def superuser_client(superuser):
    return _client_for(superuser)


@pytest.fixture
def employee_client(employee):
    return _client_for(employee)


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER, delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


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


def _test_database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s["HOST"] or "127.0.0.1"
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{auth}@{host}{port}/{s['NAME']}"


@pytest.fixture
def celery_worker_process(transactional_db, settings, tmp_path):
    """A real `celery worker` process on the test database, the test Redis and the test media
    folder; ready when yielded, always terminated afterwards."""
    log_path = tmp_path / "celery-worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rumahbelajar.settings_test",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DATABASE_URL": _test_database_url(),
        "TEST_REDIS_URL": settings.CACHES["default"]["LOCATION"],
        # This pytest process's keys and queues in that Redis database (see settings_test).
        "TEST_REDIS_KEY_PREFIX": settings.TEST_REDIS_KEY_PREFIX,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DB_CONN_MAX_AGE": "0",
    }
    command = [
        str(Path(sys.executable).with_name("celery")),
        "-A",
        "rumahbelajar",
        "worker",
        "-P",
        "solo",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while "ready." not in log_path.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("Celery worker did not start:\n" + log_path.read_text(errors="replace"))
            time.sleep(0.2)
        process.log_path = log_path  # type: ignore[attr-defined]
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
