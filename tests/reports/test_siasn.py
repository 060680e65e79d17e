"""/reports/siasn/: SIASN course rows of the JP ledger, scoped to the HR admin's units, CSV and
XLSX, "only new", and marking the rows of an export as sent."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io
from decimal import Decimal

import openpyxl
import pytest
from django.apps import apps
from django.utils import timezone

from reports.models import SiasnCourseType, SiasnSent
from tests.report_helpers import HR_REPORT_ACCESS
from tests.training.factories import in_days, recorded_activity, registered_for_past_training
from training import services
from training.models import ActivityType, Certificate, LearningRecord

pytestmark = pytest.mark.django_db
URL = "/reports/siasn/"
HEADER = [
    "nip",
    "namaKursus",
    "jenisDiklatId",
    "jenisKursus",
    "institusiPenyelenggara",
    "jumlahJam",
    "nomorSertipikat",
    "tahunKursus",
    "tanggalKursus",
    "tanggalSelesaiKursus",
]


@pytest.fixture(autouse=True)
def _course_types(db):
    """The migration's mapping (a transactional test elsewhere may have flushed it)."""
    if not SiasnCourseType.objects.exists():
        importlib.import_module("reports.migrations.0001_siasn").seed_course_types(apps, None)


def completed(employee, hr_admin, *, title="Pelatihan Analisis Kebijakan", jp="8.6"):
    start = timezone.make_aware(dt.datetime(timezone.localdate().year, 1, 5, 8))
    enrollment = registered_for_past_training(
        employee,
        start=min(start, in_days(-1)),
        length=dt.timedelta(days=2),
        title=title,
        jp=Decimal(jp),
        organizer_unit=employee.unit,
    )
    return services.complete(enrollment=enrollment, by=hr_admin)


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(("who", "status"), HR_REPORT_ACCESS)
def test_siasn_access_hr_and_superuser_only(client, cast, who, status):
    client.force_login(cast[who])

    assert client.get(URL).status_code == status
    assert client.get(URL + "?format=csv").status_code == status
    assert client.post(URL, {"year": 2026, "ids": ""}).status_code in (
        {404} if status == 404 else {302}
    )


def test_siasn_anonymous_redirects_to_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_siasn_csv_columns_values_and_date_format(client, employee, hr_admin):
    record = completed(employee, hr_admin, jp="8.6")
    certificate = Certificate.objects.get(enrollment=record.source_enrollment)
    year = record.year
    client.force_login(hr_admin)

    response = client.get(URL, {"year": year, "format": "csv"})

    rows = csv_rows(response)
    start = timezone.localtime(record.source_enrollment.training.start_at).date()
    end = timezone.localtime(record.source_enrollment.training.end_at).date()
    assert response["Content-Disposition"] == f'attachment; filename="siasn-kursus-{year}.csv"'
    assert rows == [
        HEADER,
        [
            employee.nip,
            "Pelatihan Analisis Kebijakan",
            "3",
            "Diklat Teknis",
            "Unit A1",
            "9",
            certificate.number,
            str(year),
            start.strftime("%d-%m-%Y"),
            end.strftime("%d-%m-%Y"),
        ],
    ]


def test_siasn_mapping_is_data_edited_in_admin(client, employee, hr_admin):
    record = completed(employee, hr_admin)
    SiasnCourseType.objects.filter(activity_type=ActivityType.TRAINING).update(
        jenis_diklat_id=2, jenis_kursus="Diklat Fungsional"
    )
    client.force_login(hr_admin)

    rows = csv_rows(client.get(URL, {"year": record.year, "format": "csv"}))

    assert rows[1][2:4] == ["2", "Diklat Fungsional"]


def test_siasn_activity_recorded_by_hr_is_a_row_without_certificate(client, employee, hr_admin):
    recorded_activity(employee, by=hr_admin, jp=Decimal("2"), description="Seminar Integritas")
    client.force_login(hr_admin)

    rows = csv_rows(client.get(URL, {"format": "csv"}))

    assert rows[1][1:7] == ["Seminar Integritas", "9", "Seminar", "BPSDM Hukum dan HAM", "2", ""]


def test_siasn_scoped_to_the_admins_units(client, employee, outsider, hr_admin, superuser):
    completed(employee, hr_admin, title="Milik A")
    completed(outsider, superuser, title="Milik B")

    client.force_login(hr_admin)
    mine = [row[1] for row in csv_rows(client.get(URL, {"format": "csv"}))[1:]]
    client.force_login(superuser)
    everyone = [row[1] for row in csv_rows(client.get(URL, {"format": "csv"}))[1:]]

    assert mine == ["Milik A"]
    assert sorted(everyone) == ["Milik A", "Milik B"]


def test_siasn_other_year_is_empty(client, employee, hr_admin):
    record = completed(employee, hr_admin)
    client.force_login(hr_admin)

    rows = csv_rows(client.get(URL, {"year": record.year - 1, "format": "csv"}))

    assert rows == [HEADER]


def test_siasn_xlsx_same_rows_with_text_nip(client, employee, hr_admin):
    record = completed(employee, hr_admin)
    client.force_login(hr_admin)

    response = client.get(URL, {"year": record.year, "format": "xlsx"})

    content = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADER
    assert (rows[1][0], rows[1][5]) == (employee.nip, 9)


def test_siasn_mark_sent_then_new_lists_only_later_rows(client, employee, colleague, hr_admin):
    first = completed(employee, hr_admin, title="Pertama")
    client.force_login(hr_admin)
    page = client.get(URL, {"year": first.year, "new": 1})
    ids = page.context["ids"]
    later = completed(colleague, hr_admin, title="Sesudah halaman dibuka")

    response = client.post(URL, {"year": first.year, "ids": ids})

    assert response.status_code == 302
    assert set(SiasnSent.objects.values_list("record_id", flat=True)) == {first.pk}
    rows = csv_rows(client.get(URL, {"year": first.year, "new": 1, "format": "csv"}))
    assert [row[1] for row in rows[1:]] == ["Sesudah halaman dibuka"]
    everything = csv_rows(client.get(URL, {"year": first.year, "format": "csv"}))
    assert len(everything) == 3
    assert later.pk != first.pk


def test_siasn_get_never_marks_anything(client, employee, hr_admin):
    completed(employee, hr_admin)
    client.force_login(hr_admin)

    client.get(URL, {"new": 1})
    client.get(URL, {"new": 1, "format": "csv"})
    client.get(URL, {"new": 1, "format": "xlsx"})

    assert not SiasnSent.objects.exists()


def test_siasn_mark_sent_ignores_rows_outside_scope(
    client, employee, outsider, hr_admin, superuser
):
    theirs = completed(outsider, superuser)
    client.force_login(hr_admin)

    client.post(URL, {"year": theirs.year, "ids": str(theirs.pk)})

    assert not SiasnSent.objects.exists()


@pytest.mark.parametrize(
    "query", [{"year": "abc"}, {"year": "1999"}, {"format": "pdf"}, {"year": "2026\x00"}]
)
def test_siasn_bad_parameters_answer_400_with_errors(client, hr_admin, query):
    client.force_login(hr_admin)

    response = client.get(URL, query)

    assert response.status_code == 400
    assert response.context["form"].errors


def test_siasn_bad_ids_answer_400(client, hr_admin):
    client.force_login(hr_admin)

    response = client.post(URL, {"year": 2026, "ids": "1,dua"})

    assert response.status_code == 400
    assert not SiasnSent.objects.exists()


def test_siasn_page_queries_constant_in_rows(
    client, employee, colleague, hr_admin, django_assert_max_num_queries
):
    completed(employee, hr_admin, title="Satu")
    client.force_login(hr_admin)
    client.get(URL)
    with django_assert_max_num_queries(12) as few:
        client.get(URL)
    for number in range(4):
        completed(colleague, hr_admin, title=f"Lagi {number}")

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)

    assert response.context["count"] == 5
    assert LearningRecord.objects.count() == 5
