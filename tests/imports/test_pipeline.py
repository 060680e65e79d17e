"""The shared import pipeline (rumahbelajar.imports): the reader's encodings, delimiters and XLSX
limits; the job machinery's resume, attempt counter, purge and queueing with the broker down.

Celery runs eagerly; the tasks are queued on commit, so starts and confirmations run inside
django_capture_on_commit_callbacks(execute=True).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from competency.imports import result_import
from competency.models import AssessmentResult, ResultImport
from rumahbelajar.imports.models import ImportStatus
from rumahbelajar.imports.pipeline import sweep
from rumahbelajar.imports.reader import Columns, ImportFileError, check_xlsx_archive, open_rows
from rumahbelajar.people.models import EmployeeImport
from tests import sheets

pytestmark = pytest.mark.django_db

COLUMNS = Columns(("nip", "name"), ("note",), {"nama": "name"})
DAY = "2025-03-10"


def read(content: bytes, file_format: str = "csv") -> tuple[list[str], list]:
    with open_rows(io.BytesIO(content), file_format, COLUMNS) as source:
        return source.columns, list(source.rows)


def xlsx(rows) -> bytes:
    return sheets.xlsx_bytes(rows)


def results_csv(rows, encoding="utf-8", delimiter=",") -> bytes:
    lines = ["nip,competency,level,assessed_on,method,external_id", *rows]
    return "\r\n".join(line.replace(",", delimiter) for line in lines).encode(encoding)


def start(user, content: bytes, capture, file_format: str = "csv") -> ResultImport:
    with capture(execute=True):
        job = result_import.start(
            requested_by=user,
            uploaded_file=ContentFile(content, name="hasil.csv"),
            file_format=file_format,
        )
    job.refresh_from_db()
    return job


# --- reader ---------------------------------------------------------------------------------------


def test_reader_windows_1252_csv_decoded():
    content = "nip;nama\r\n1;José Müller €5\r\n".encode("cp1252")

    columns, rows = read(content)

    assert (columns, rows) == (["nip", "name"], [(2, {"nip": "1", "name": "José Müller €5"})])


def test_reader_tab_separated_with_bom_read():
    content = "\ufeffNIP\tNama\tNote\r\n1\tSiti\tx\r\n\r\n2\tBudi\t\r\n".encode()

    columns, rows = read(content)

    assert columns == ["nip", "name", "note"]
    assert rows == [
        (2, {"nip": "1", "name": "Siti", "note": "x"}),
        (4, {"nip": "2", "name": "Budi", "note": ""}),
    ]


def test_reader_missing_required_column_refused():
    with pytest.raises(ImportFileError, match="Kolom wajib tidak ada: name"):
        read(b"nip,note\n1,x\n")


def test_reader_xlsx_within_limits_read():
    columns, rows = read(xlsx([["nip", "nama"], ["1", "Siti"]]), "xlsx")

    assert (columns, rows) == (["nip", "name"], [(2, {"nip": "1", "name": "Siti"})])


def test_reader_xlsx_zip_bomb_entry_refused_before_openpyxl():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/sharedStrings.xml", b"<si>" + b"a" * (8 * 1024 * 1024))

    with pytest.raises(ImportFileError, match=r"sharedStrings\.xml"):
        read(out.getvalue(), "xlsx")


def test_reader_xlsx_entry_over_size_setting_refused(settings):
    settings.IMPORT_XLSX_MAX_ENTRY_BYTES = 100

    with pytest.raises(ImportFileError, match="terlalu besar"):
        check_xlsx_archive(io.BytesIO(xlsx([["nip", "nama"], ["1", "Siti"]])))


# --- the merged behaviour of the result import ----------------------------------------------------


def test_result_import_windows_1252_tab_separated_file_previewed(
    superuser, employee, django_capture_on_commit_callbacks
):
    content = results_csv([f"{employee.nip},M1,3,{DAY},,Ü-1"], encoding="cp1252", delimiter="\t")

    job = start(superuser, content, django_capture_on_commit_callbacks)

    assert (job.status, job.new_count, job.error_count) == (ImportStatus.PREVIEW, 1, 0)


def test_employee_import_errors_get_a_downloadable_report(
    hr_admin, unit_a1, django_capture_on_commit_callbacks
):
    from rumahbelajar.people.services import employee_import

    content = b"nip,full_name,email,employee_type,unit\n1,A,bukan-email,PNS,unit-a1\n"
    with django_capture_on_commit_callbacks(execute=True):
        job = employee_import.start(
            requested_by=hr_admin,
            uploaded_file=ContentFile(content, name="a.csv"),
            file_format="csv",
        )
    job.refresh_from_db()

    report = job.error_report.read().decode("utf-8-sig").splitlines()
    assert report[0] == "baris,kolom,nilai,kesalahan"
    assert len(report) == 1 + job.error_count


# --- the job machinery ----------------------------------------------------------------------------


def test_sweep_resumes_a_job_whose_worker_died_while_validating(
    superuser, employee, django_capture_on_commit_callbacks
):
    job = ResultImport.objects.create(
        requested_by=superuser, file_format="csv", status=ImportStatus.VALIDATING
    )
    job.file.save("upload", ContentFile(results_csv([f"{employee.nip},M1,3,{DAY},,r-1"])))
    ResultImport.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=30)
    )

    swept = sweep()

    job.refresh_from_db()
    assert swept["result-import"][0] == [job.pk]
    assert (job.status, job.new_count, job.attempts) == (ImportStatus.PREVIEW, 1, 1)


def test_run_job_that_killed_its_worker_too_often_fails_cleanly(
    superuser, employee, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_MAX_ATTEMPTS = 2
    job = start(
        superuser,
        results_csv([f"{employee.nip},M1,3,{DAY},,k-1"]),
        django_capture_on_commit_callbacks,
    )
    ResultImport.objects.filter(pk=job.pk).update(status=ImportStatus.APPLYING, attempts=2)

    result_import.run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.attempts) == (ImportStatus.FAILED, 3)
    assert job.message.startswith("Impor dihentikan: pekerja gagal 2 kali")
    assert job.finished_at is not None
    assert AssessmentResult.objects.count() == 0


def test_run_finished_job_redelivered_is_left_alone(
    superuser, employee, django_capture_on_commit_callbacks
):
    job = start(
        superuser,
        results_csv([f"{employee.nip},M1,3,{DAY},,d-1"]),
        django_capture_on_commit_callbacks,
    )

    result_import.run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.attempts) == (ImportStatus.PREVIEW, 1)


def test_purge_deletes_old_jobs_and_their_files_but_not_one_being_worked_on(superuser):
    old = ResultImport.objects.create(requested_by=superuser, file_format="csv", status="done")
    old.file.save("x", ContentFile(b"nip\n"))
    old.error_report.save("e.csv", ContentFile(b"baris\n"))
    working = ResultImport.objects.create(
        requested_by=superuser, file_format="csv", status=ImportStatus.APPLYING
    )
    recent = ResultImport.objects.create(requested_by=superuser, file_format="csv", status="done")
    long_ago = timezone.now() - dt.timedelta(days=8)
    ResultImport.objects.filter(pk__in=[old.pk, working.pk]).update(created_at=long_ago)

    deleted = result_import.purge()

    assert deleted == 1
    assert sorted(ResultImport.objects.values_list("pk", flat=True)) == sorted(
        [working.pk, recent.pk]
    )
    assert [default_storage.exists(n) for n in (old.file.name, old.error_report.name)] == [
        False,
        False,
    ]


def test_purge_keep_days_come_from_settings(superuser, settings):
    settings.IMPORT_KEEP_DAYS = 30
    job = EmployeeImport.objects.create(requested_by=superuser, file_format="csv", status="done")
    EmployeeImport.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - dt.timedelta(days=8)
    )

    sweep()

    assert EmployeeImport.objects.filter(pk=job.pk).exists() is True


def test_confirm_with_broker_down_keeps_the_job_for_the_sweep(
    superuser, employee, django_capture_on_commit_callbacks, settings
):
    job = start(
        superuser,
        results_csv([f"{employee.nip},M1,3,{DAY},,b-1"]),
        django_capture_on_commit_callbacks,
    )
    settings_backup = settings.CELERY_BROKER_URL

    with_broker_down = _broker_down_confirm(job, django_capture_on_commit_callbacks)

    assert settings_backup == settings.CELERY_BROKER_URL
    assert with_broker_down == (ImportStatus.APPLYING, [job.pk])
    result_import.run(job_id=job.pk)  # what the worker does once the sweep reached it
    job.refresh_from_db()
    assert (job.status, AssessmentResult.objects.count()) == (ImportStatus.DONE, 1)


def _broker_down_confirm(job, capture):
    """Confirms and sweeps while the broker is unreachable; the state the job is left in."""
    from rumahbelajar.celery import app as celery_app
    from tests.competency.conftest import CLOSED_BROKER_URL, _reset_broker_pools

    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=CLOSED_BROKER_URL, task_always_eager=False)
    _reset_broker_pools()
    try:
        with capture(execute=True):
            result_import.confirm(job=job, confirmed_by=job.requested_by)
        job.refresh_from_db()
        resumed = result_import.resume(stalled_after=dt.timedelta(0))
    finally:
        celery_app.conf.update(saved)
        _reset_broker_pools()
    return job.status, resumed
