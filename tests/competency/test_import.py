"""The assessment-result import: upload → check (task) → preview → apply (task), all-or-nothing,
then ONE bulk recompute of the affected maps.

Celery runs eagerly here; tasks fire on commit, so uploads and confirmations run inside
django_capture_on_commit_callbacks(execute=True). The mixin is mounted on a test-only admin site
(this module is the URLconf of its tests), as competency/admin.py will mount it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time

import pytest
from django.contrib.admin import AdminSite
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import path, reverse

from competency import services
from competency.admin import AssessmentResultAdmin, ResultImportAdminMixin
from competency.models import AssessmentResult, Competency, CompetencyMap, ResultImport
from rumahbelajar import urls as project_urls
from rumahbelajar.people.models import ImportStatus
from tests import sheets
from tests.competency.factories import fixed
from tests.requests import client_for


class ImportingResultAdmin(ResultImportAdminMixin, AssessmentResultAdmin):
    change_list_template = "admin/competency/import/change_list.html"


site = AdminSite(name="admin")
site.register(AssessmentResult, ImportingResultAdmin)
urlpatterns = [
    path("admin/", site.urls),
    *[p for p in project_urls.urlpatterns if getattr(p, "namespace", None) != "admin"],
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

HEADER = ["nip", "competency", "level", "assessed_on", "method", "external_id"]
DAY = dt.date(2025, 3, 10)


def csv_bytes(rows, header=HEADER, delimiter=",", bom=False) -> bytes:
    return sheets.csv_bytes(rows, header, delimiter, bom)


def xlsx_bytes(rows, header=HEADER) -> bytes:
    return sheets.xlsx_bytes(rows, header)


def url(name: str, *args) -> str:
    return reverse(f"admin:competency_assessmentresult_{name}", args=args)


def upload(client, content: bytes, capture, name: str = "hasil.csv"):
    with capture(execute=True):
        return client.post(url("import"), {"file": SimpleUploadedFile(name, content)})


def apply(client, job: ResultImport, capture):
    with capture(execute=True):
        return client.post(url("import_apply", job.pk))


def latest_job() -> ResultImport:
    return ResultImport.objects.latest("created_at")


def upload_one_result(client, employee, capture) -> ResultImport:
    """Upload a file with one valid result for `employee` and return its job (in preview)."""
    upload(client, csv_bytes([[employee.nip, "M1", "3", DAY.isoformat(), "", ""]]), capture)
    return latest_job()


@pytest.fixture
def standard(employee, colleague):
    """Alice and Bob hold positions requiring M1 and M2 at level 3; their maps are computed."""
    for person in (employee, colleague):
        services.set_position_standard(
            position=person.position, levels={fixed("M1"): 3, fixed("M2"): 3}
        )
    services.recompute_maps_bulk(employee_ids=[employee.pk, colleague.pk])


def test_import_good_csv_applied_and_maps_recomputed_in_bulk(
    hr_admin, employee, colleague, standard, django_capture_on_commit_callbacks
):
    client = client_for(hr_admin)
    content = csv_bytes(
        [
            [employee.nip, "M1", "4", DAY.isoformat(), "cat", "ext-1"],
            [employee.nip, "M2", "2", DAY.isoformat(), "", "ext-2"],
            [colleague.nip, "m1", "3", DAY.isoformat(), "", ""],
        ]
    )

    upload(client, content, django_capture_on_commit_callbacks)
    job = latest_job()
    preview = (job.status, job.new_count, job.existing_count, job.error_count)
    apply(client, job, django_capture_on_commit_callbacks)
    job.refresh_from_db()

    assert preview == (ImportStatus.PREVIEW, 3, 0, 0)
    assert (job.status, job.new_count) == (ImportStatus.DONE, 3)
    assert sorted(job.affected_employee_ids) == sorted([employee.pk, colleague.pk])
    stored = AssessmentResult.objects.filter(employee=employee).order_by("competency__code")
    assert [(r.competency.code, r.level, r.method, r.source, r.recorded_by) for r in stored] == [
        ("M1", 4, "cat", "import", hr_admin),
        ("M2", 2, "uji_kompetensi", "import", hr_admin),
    ]
    cmap = CompetencyMap.objects.get(employee=employee)
    items = {i.competency.code: i.achieved for i in cmap.items.select_related("competency")}
    assert (cmap.stale, items) == (False, {"M1": 4, "M2": 2})
    assert CompetencyMap.objects.get(employee=colleague).stale is False


def test_import_xlsx_with_date_cells_applied(
    superuser, employee, django_capture_on_commit_callbacks
):
    client = client_for(superuser)
    content = xlsx_bytes(
        [
            [employee.nip, "M3", 5, DAY, "assessment_center", "x-1"],
            [employee.nip, "M4", 2.0, dt.datetime(2025, 3, 11), None, None],
        ]
    )

    upload(client, content, django_capture_on_commit_callbacks, name="hasil.bin")
    job = latest_job()
    apply(client, job, django_capture_on_commit_callbacks)
    job.refresh_from_db()

    assert (job.file_format, job.status, job.new_count) == ("xlsx", ImportStatus.DONE, 2)
    stored = AssessmentResult.objects.filter(employee=employee).order_by("competency__code")
    assert [(r.competency.code, r.level, r.assessed_on) for r in stored] == [
        ("M3", 5, DAY),
        ("M4", 2, dt.date(2025, 3, 11)),
    ]


def test_import_semicolon_csv_with_bom_previewed(
    superuser, employee, django_capture_on_commit_callbacks
):
    content = csv_bytes(
        [[employee.nip, "M1", "3", DAY.isoformat(), "", "s-1"]], delimiter=";", bom=True
    )

    upload(client_for(superuser), content, django_capture_on_commit_callbacks)
    job = latest_job()

    assert (job.status, job.new_count, job.error_count) == (ImportStatus.PREVIEW, 1, 0)


def test_import_one_bad_row_nothing_applied_report_names_row_and_field(
    superuser, employee, django_capture_on_commit_callbacks
):
    client = client_for(superuser)
    future = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    content = csv_bytes(
        [
            [employee.nip, "M1", "3", DAY.isoformat(), "", "a-1"],
            [employee.nip, "M2", "6", DAY.isoformat(), "", "a-2"],
            [employee.nip, "M3", "3", future, "", "a-3"],
            [employee.nip, "M4", "3", "10/03/2025", "tebak", "a-4"],
            [employee.nip, "X9", "3", DAY.isoformat(), "", "a-5"],
        ]
    )

    upload(client, content, django_capture_on_commit_callbacks)
    job = latest_job()
    response = apply(client, job, django_capture_on_commit_callbacks)
    job.refresh_from_db()

    assert response.status_code == 302
    assert job.status == ImportStatus.PREVIEW
    assert [(e["row"], e["field"]) for e in job.errors] == [
        (3, "level"),
        (4, "assessed_on"),
        (5, "assessed_on"),
        (5, "method"),
        (6, "competency"),
    ]
    assert AssessmentResult.objects.count() == 0


def test_import_unknown_nip_row_error(superuser, employee, django_capture_on_commit_callbacks):
    content = csv_bytes([["199001012018011999", "M1", "3", DAY.isoformat(), "", ""]])

    upload(client_for(superuser), content, django_capture_on_commit_callbacks)
    job = latest_job()

    assert job.errors == [
        {
            "row": 2,
            "field": "nip",
            "message": "NIP tidak dikenal atau di luar unit yang Anda kelola.",
            "value": "199001012018011999",
        }
    ]


def test_import_hr_admin_outsider_nip_row_error_nothing_applied(
    hr_admin, employee, outsider, django_capture_on_commit_callbacks
):
    client = client_for(hr_admin)
    content = csv_bytes(
        [
            [employee.nip, "M1", "3", DAY.isoformat(), "", "o-1"],
            [outsider.nip, "M1", "3", DAY.isoformat(), "", "o-2"],
        ]
    )

    upload(client, content, django_capture_on_commit_callbacks)
    job = latest_job()
    apply(client, job, django_capture_on_commit_callbacks)
    job.refresh_from_db()

    assert [(e["row"], e["field"], e["message"]) for e in job.errors] == [
        (3, "nip", "NIP tidak dikenal atau di luar unit yang Anda kelola.")
    ]
    assert job.status == ImportStatus.PREVIEW
    assert AssessmentResult.objects.count() == 0


@pytest.mark.parametrize("external_ids", [["r-1", "r-2"], ["", ""]])
def test_import_same_file_twice_second_all_already_there(
    superuser, employee, external_ids, django_capture_on_commit_callbacks
):
    client = client_for(superuser)
    content = csv_bytes(
        [
            [employee.nip, "M1", "3", DAY.isoformat(), "", external_ids[0]],
            [employee.nip, "M2", "4", DAY.isoformat(), "", external_ids[1]],
        ]
    )
    upload(client, content, django_capture_on_commit_callbacks)
    apply(client, latest_job(), django_capture_on_commit_callbacks)

    upload(client, content, django_capture_on_commit_callbacks)
    job = latest_job()
    apply(client, job, django_capture_on_commit_callbacks)
    job.refresh_from_db()

    assert (job.status, job.new_count, job.existing_count) == (ImportStatus.DONE, 0, 2)
    assert AssessmentResult.objects.count() == 2


def test_import_duplicate_external_id_in_file_different_values_row_error(
    superuser, employee, django_capture_on_commit_callbacks
):
    content = csv_bytes(
        [
            [employee.nip, "M1", "3", DAY.isoformat(), "", "d-1"],
            [employee.nip, "M1", "3", DAY.isoformat(), "", "d-1"],
            [employee.nip, "M1", "4", DAY.isoformat(), "", "d-1"],
        ]
    )

    upload(client_for(superuser), content, django_capture_on_commit_callbacks)
    job = latest_job()

    assert (job.new_count, job.existing_count, job.error_count) == (1, 1, 1)
    assert [(e["row"], e["field"]) for e in job.errors] == [(4, "external_id")]


def test_import_error_report_download_lists_every_error(
    superuser, employee, django_capture_on_commit_callbacks
):
    client = client_for(superuser)
    rows = [[employee.nip, "M1", "9", DAY.isoformat(), "", f"e-{i}"] for i in range(3)]
    upload(client, csv_bytes(rows), django_capture_on_commit_callbacks)
    job = latest_job()

    response = client.get(url("import_errors", job.pk))
    body = b"".join(response.streaming_content).decode("utf-8-sig")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert list(csv.reader(io.StringIO(body))) == [
        ["baris", "kolom", "nilai", "kesalahan"],
        *[[str(n), "level", "9", "Level harus bilangan bulat 1 sampai 5."] for n in (2, 3, 4)],
    ]


def test_import_progress_view_reports_status_as_json(
    superuser, employee, django_capture_on_commit_callbacks
):
    client = client_for(superuser)
    job = upload_one_result(client, employee, django_capture_on_commit_callbacks)

    response = client.get(url("import_progress", job.pk))

    assert response.json() == {"status": "preview", "done": 1, "total": 1, "percent": 100}


@pytest.mark.parametrize(
    ("who", "expected"),
    [("employee", 302), ("hr_admin", 200), ("superuser", 200)],
)
def test_import_form_access_by_role_answers(cast, who, expected):
    client = client_for(cast[who])

    response = client.get(url("import"))

    assert response.status_code == expected
    if expected == 302:
        assert "/login/" in response["Location"]


def test_import_job_of_another_admin_not_found_for_hr_admin(
    hr_admin, superuser, employee, django_capture_on_commit_callbacks
):
    job = upload_one_result(client_for(superuser), employee, django_capture_on_commit_callbacks)

    response = client_for(hr_admin).get(url("import_job", job.pk))

    assert response.status_code == 404


def test_changelist_shows_import_link_to_hr_admin(hr_admin):
    response = client_for(hr_admin).get(url("changelist"))

    assert response.status_code == 200
    assert url("import") in response.content.decode()


def test_import_job_page_shows_preview_counts(
    superuser, employee, django_capture_on_commit_callbacks
):
    client = client_for(superuser)
    job = upload_one_result(client, employee, django_capture_on_commit_callbacks)

    response = client.get(url("import_job", job.pk))

    assert response.status_code == 200
    assert response.context["can_apply"] is True
    assert "1 baru, 0 sudah ada." in response.content.decode()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_import_real_worker_validates_applies_and_recomputes(
    celery_worker_process,
    real_publishing,
    hr_admin,
    employee,
    colleague,
):
    services.set_position_standard(position=employee.position, levels={fixed("M1"): 3})
    client = client_for(hr_admin)
    content = csv_bytes(
        [
            [employee.nip, "M1", "5", DAY.isoformat(), "", "w-1"],
            [colleague.nip, "M1", "2", DAY.isoformat(), "", "w-2"],
        ]
    )

    client.post(url("import"), {"file": SimpleUploadedFile("hasil.csv", content)})
    job = ResultImport.objects.get()
    wait_for(lambda: job_status(job) in {ImportStatus.PREVIEW, ImportStatus.FAILED})
    client.post(url("import_apply", job.pk))
    wait_for(lambda: job_status(job) in {ImportStatus.DONE, ImportStatus.FAILED})
    wait_for(lambda: not CompetencyMap.objects.filter(employee=employee, stale=True).exists())

    job.refresh_from_db()
    assert (job.status, job.new_count) == (ImportStatus.DONE, 2), job.message
    item = CompetencyMap.objects.get(employee=employee).items.get(
        competency=Competency.objects.get(code="M1")
    )
    assert item.achieved == 5


def job_status(job: ResultImport) -> str:
    job.refresh_from_db()
    return job.status


def wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():
        time.sleep(0.25)
