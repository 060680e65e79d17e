"""The employee import end to end through a real Celery worker process (not eager)."""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from rumahbelajar.people.models import EmployeeImport, ImportStatus, User
from tests.people.conftest import csv_bytes
from tests.people.factories import make_nip

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for_status(job: EmployeeImport, wanted: str, worker, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in {wanted, ImportStatus.FAILED}:
            break
        time.sleep(0.25)
    assert job.status == wanted, (job.status, job.message, worker.log_path.read_text())


def test_import_real_worker_validates_and_applies(
    celery_worker_process, hr_admin, unit_a1, position
):
    client = Client()
    client.force_login(hr_admin)
    nips = [make_nip(i, start="201901") for i in range(1, 51)]
    rows = [
        [nip, f"Pegawai {i}", f"w{i}@example.test", "PNS", "unit-a1", "analis-sdm", "III/a"]
        for i, nip in enumerate(nips)
    ]

    client.post(
        reverse("admin:people_user_import"),
        {"file": SimpleUploadedFile("pegawai.csv", csv_bytes(rows))},
    )
    job = EmployeeImport.objects.get()
    wait_for_status(job, ImportStatus.PREVIEW, celery_worker_process)
    client.post(reverse("admin:people_user_import_apply", args=[job.pk]))
    wait_for_status(job, ImportStatus.DONE, celery_worker_process)

    assert job.created_count == 50
    assert User.objects.filter(nip__in=nips, unit=unit_a1).count() == 50
