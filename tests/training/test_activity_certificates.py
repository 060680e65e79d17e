"""Certificates of approved learning-log activities (settings.CERTIFICATES_FOR_ACTIVITIES): issued
once with the approval (also under concurrent approvals), none with the setting off, the PDF,
who may download it, the public verification page, the links on the activity pages, re-issue,
and the SIASN row's certificate number."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from competency.models import Competency
from reports.models import SiasnCourseType
from rumahbelajar.people import services as people_services
from tests.people.factories import UserFactory
from tests.requests import body, client_for
from tests.training.factories import restore_reference_data
from tests.training.test_certificates import DOWNLOAD_ACCESS, holder
from tests.training.test_concurrency import run_at_once
from training import certificates, services
from training.certificate_pdf import qr_image
from training.models import ActivityReport, Certificate, JpConversion, ReportStatus

SITE = "https://rumahbelajar.example.go.id"


@pytest.fixture(autouse=True)
def _activity_certificates_on(settings):
    settings.CERTIFICATES_FOR_ACTIVITIES = True
    settings.SITE_URL = SITE


def submitted(employee, *, title="Seminar Nasional Pelayanan Hukum", kind="seminar", minutes=180):
    """A report the employee submitted to their supervisor (three seminar hours: 3.99 JP)."""
    today = timezone.localdate()
    return services.save_report(
        employee=employee,
        values={
            "kind": kind,
            "title": title,
            "started_on": today - dt.timedelta(days=3),
            "ended_on": today - dt.timedelta(days=2),
            "minutes": minutes,
            "summary": "Layanan hukum daring.",
            "impact": "Survei kepuasan daring.",
            "ebook": None,
        },
        competencies=Competency.objects.filter(code="M1"),
        submit=True,
    )


def approved(employee, head, **kwargs) -> ActivityReport:
    return services.approve_report(report=submitted(employee, **kwargs), by=head)


def certificate_of(report) -> Certificate:
    return Certificate.objects.get(activity_report=report)


# --- Issuing -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_approval_issues_one_certificate_with_the_activity_snapshot(employee, head):
    report = approved(employee, head)

    certificate = certificate_of(report)

    year = timezone.localdate().year
    assert holder(certificate) == (employee.pk, "Alice Pegawai", employee.nip)
    assert (certificate.title, certificate.mode, certificate.jp) == (
        "Seminar Nasional Pelayanan Hukum",
        "Seminar / lokakarya",
        Decimal("3.99"),
    )
    assert (certificate.started_on, certificate.ended_on) == (report.started_on, report.ended_on)
    assert certificate.competencies == Competency.objects.get(code="M1").name
    assert certificate.number == f"RB/{year}/000001"
    assert certificate.enrollment_id is None
    assert certificate.issued_by_id == head.pk
    assert certificate.is_valid
    assert certificate.is_for_activity


@pytest.mark.django_db
def test_reapproval_and_double_post_issue_no_second_certificate(employee, head):
    report = approved(employee, head)

    services.approve_report(report=report, by=head)
    response = client_for(head).post(
        reverse("team:approval-decide", args=[report.pk]), {"decision": "approve"}
    )

    assert response.status_code == 302
    assert Certificate.objects.filter(activity_report=report).count() == 1


@pytest.mark.django_db
def test_setting_off_issues_none_and_sweep_issues_none(settings, employee, head):
    settings.CERTIFICATES_FOR_ACTIVITIES = False

    report = approved(employee, head)
    issued = certificates.issue_missing()

    assert report.status == ReportStatus.APPROVED
    assert issued == 0
    assert not Certificate.objects.filter(activity_report=report).exists()


@pytest.mark.django_db
def test_setting_turned_on_later_the_sweep_catches_up_once(settings, employee, head):
    settings.CERTIFICATES_FOR_ACTIVITIES = False
    report = approved(employee, head)
    waiting = submitted(employee, title="Belum disetujui")
    settings.CERTIFICATES_FOR_ACTIVITIES = True

    first, second = certificates.issue_missing(), certificates.issue_missing()

    assert (first, second) == (1, 0)
    assert certificate_of(report).issued_by_id is None
    assert not Certificate.objects.filter(activity_report=waiting).exists()


@pytest.mark.django_db
def test_returned_report_gets_no_certificate(employee, head):
    report = submitted(employee)

    services.return_report(report=report, by=head, comment="Lengkapi bukti.")

    assert not Certificate.objects.filter(activity_report=report).exists()


@pytest.mark.django_db
def test_revoked_by_hr_is_not_issued_again_by_the_sweep(employee, head, hr_admin):
    certificate = certificate_of(approved(employee, head))
    certificates.revoke_certificate(certificate=certificate, by=hr_admin, reason="Data keliru")

    assert certificates.issue_missing() == 0
    assert not Certificate.objects.filter(
        activity_report=certificate.activity_report_id, revoked_at__isnull=True
    ).exists()


@pytest.mark.django_db
def test_database_allows_one_valid_certificate_per_report_and_exactly_one_source(employee, head):
    certificate = certificate_of(approved(employee, head))
    copy = {
        field.name: getattr(certificate, field.name)
        for field in Certificate._meta.concrete_fields
        if field.name not in {"id", "number", "sequence", "code", "replaces"}
    }

    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(**{**copy, "number": "X/1", "sequence": 991, "code": "x1"})
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            **{**copy, "activity_report": None, "number": "X/2", "sequence": 992, "code": "x2"}
        )


@pytest.mark.django_db
def test_reissue_revokes_the_old_and_issues_from_the_report(employee, head, hr_admin):
    old = certificate_of(approved(employee, head))
    employee.full_name = "Alice Pegawai Rahayu"
    employee.save(update_fields=["full_name"])

    new = certificates.reissue_certificate(certificate=old, by=hr_admin, reason="Nama dikoreksi")

    old.refresh_from_db()
    assert old.revoked_reason == "Nama dikoreksi"
    assert (new.activity_report_id, new.replaces_id) == (old.activity_report_id, old.pk)
    assert new.holder_name == "Alice Pegawai Rahayu"
    assert new.number != old.number


# --- The PDF -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pdf_states_name_title_jp_number_and_verification_url(employee, head):
    certificate = certificate_of(approved(employee, head))

    content = certificates.ensure_pdf(certificate_id=certificate.pk).file.read()

    reader = PdfReader(io.BytesIO(content))
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    for expected in (
        "Alice Pegawai",
        f"NIP {employee.nip}",
        "Seminar Nasional Pelayanan Hukum",
        "Seminar / lokakarya",
        "3,99 JP",
        f"Nomor: {certificate.number}",
        f"{SITE}/verify/{certificate.code}/",
    ):
        assert expected in text
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height
    embedded = reader.pages[0].images[0].image.convert("1")
    expected_qr = qr_image(f"{SITE}/verify/{certificate.code}/").convert("1")
    assert embedded.tobytes() == expected_qr.tobytes()


@pytest.mark.django_db
def test_activity_approved_without_jp_gets_a_certificate_stating_none(employee, head):
    JpConversion.objects.filter(activity_type="seminar").delete()
    certificate = certificate_of(approved(employee, head))

    content = certificates.ensure_pdf(certificate_id=certificate.pk).file.read()

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert certificate.jp == Decimal("0")
    assert "Seminar Nasional Pelayanan Hukum" in text
    assert " JP" not in text


# --- Download ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "status"), DOWNLOAD_ACCESS)
def test_download_allowed_to_owner_unit_hr_and_superuser_only(cast, head, who, status):
    certificate = certificate_of(approved(cast["employee"], head))

    response = client_for(cast[who]).get(reverse("certificate-file", args=[certificate.pk]))

    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response["Cache-Control"] == "private, no-store"
        assert body(response).startswith(b"%PDF")


@pytest.mark.django_db
def test_download_refused_to_the_approver_and_other_units_hr(employee, head, kanwil_b, outsider):
    certificate = certificate_of(approved(employee, head))
    outsider.is_staff = True
    outsider.save(update_fields=["is_staff"])
    outsider.managed_units.add(kanwil_b)
    url = reverse("certificate-file", args=[certificate.pk])

    assert client_for(outsider).get(url).status_code == 404
    assert client_for(head).get(url).status_code == 404  # approving is not managing the person
    assert Client().get(url).status_code == 302  # anonymous: to the login page


# --- Verification --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_verify_an_activity_certificate(employee, head, django_assert_num_queries):
    certificate = certificate_of(approved(employee, head))

    with django_assert_num_queries(1):
        response = Client().get(reverse("verify-certificate", args=[certificate.code]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Sertifikat SAH" in page
    for shown in (
        certificate.number,
        "Alice Pegawai",
        certificate.masked_nip,
        "Kegiatan belajar",
        "Seminar Nasional Pelayanan Hukum",
        "Seminar / lokakarya",
        "3,99",
    ):
        assert shown in page
    assert employee.nip not in page
    assert ">Pelatihan<" not in page


@pytest.mark.django_db
def test_verify_a_revoked_activity_certificate_says_when_and_why(employee, head, hr_admin):
    certificate = certificate_of(approved(employee, head))
    certificates.revoke_certificate(certificate=certificate, by=hr_admin, reason="Bukti palsu")

    page = Client().get(reverse("verify-certificate", args=[certificate.code])).content.decode()

    assert "Sertifikat DICABUT" in page
    assert "Bukti palsu" in page
    assert "Sertifikat SAH" not in page


# --- The activity pages --------------------------------------------------------------------------


@pytest.mark.django_db
def test_detail_and_list_link_the_certificate_with_its_verification_url(employee, head):
    report = approved(employee, head)
    certificate = certificate_of(report)
    client = client_for(employee)
    link = reverse("certificate-file", args=[certificate.pk])

    for url in (reverse("training:activity-detail", args=[report.pk]),
                reverse("training:activity-list")):  # fmt: skip
        page = client.get(url).content.decode()
        assert re.search(rf'href="{link}"[^>]*>.*?Sertifikat', page, re.S), url
        assert f"{SITE}/verify/{certificate.code}/" in page, url


@pytest.mark.django_db
def test_approver_sees_the_report_but_no_certificate_link(employee, head):
    report = approved(employee, head)
    link = reverse("certificate-file", args=[certificate_of(report).pk])

    page = client_for(head).get(reverse("training:activity-detail", args=[report.pk]))

    assert page.status_code == 200
    assert link not in page.content.decode()


@pytest.mark.django_db
def test_pages_hide_a_revoked_certificate(employee, head, hr_admin):
    report = approved(employee, head)
    certificate = certificate_of(report)
    certificates.revoke_certificate(certificate=certificate, by=hr_admin, reason="Data keliru")
    client = client_for(employee)
    link = reverse("certificate-file", args=[certificate.pk])

    assert link not in client.get(reverse("training:activity-list")).content.decode()
    detail = client.get(reverse("training:activity-detail", args=[report.pk]))
    assert link not in detail.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 6])
def test_activity_list_queries_constant_with_certificates(
    employee, head, count, django_assert_max_num_queries
):
    for n in range(count):
        approved(employee, head, title=f"Seminar {n}")
    client = client_for(employee)
    client.get(reverse("training:activity-list"))

    with django_assert_max_num_queries(8):
        response = client.get(reverse("training:activity-list"))

    assert response.content.decode().count("Unduh Sertifikat") == count


# --- SIASN ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_siasn_row_of_an_approved_activity_carries_its_certificate_number(employee, head, hr_admin):
    if not SiasnCourseType.objects.exists():
        importlib.import_module("reports.migrations.0001_siasn").seed_course_types(apps, None)
    report = approved(employee, head)
    certificate = certificate_of(report)

    response = client_for(hr_admin).get(
        "/reports/siasn/", {"year": report.ended_on.year, "format": "csv"}
    )

    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    row = rows[0]
    assert (row["nip"], row["namaKursus"], row["nomorSertipikat"], row["jumlahJam"]) == (
        employee.nip,
        "Seminar Nasional Pelayanan Hukum",
        certificate.number,
        "4",
    )
    assert row["tanggalKursus"] == report.started_on.strftime("%d-%m-%Y")
    assert row["tanggalSelesaiKursus"] == report.ended_on.strftime("%d-%m-%Y")


# --- Concurrency (every thread really commits) ---------------------------------------------------


@pytest.fixture
def _restore_reference_data(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        restore_reference_data()


@pytest.mark.usefixtures("_restore_reference_data")
def test_concurrent_approvals_issue_one_certificate(transactional_db, unit_a1, hr_admin):
    restore_reference_data()
    employee = UserFactory(unit=unit_a1)
    head = UserFactory(unit=unit_a1)
    people_services.set_unit_head(unit=unit_a1, head=head)
    report = submitted(employee)

    def approve(by):
        return lambda: services.approve_report(
            report=ActivityReport.objects.get(pk=report.pk), by=by
        )

    results, errors = run_at_once([approve(head), approve(hr_admin), approve(head),
                                   approve(hr_admin)])  # fmt: skip

    assert errors == []
    assert len(results) == 4
    assert Certificate.objects.filter(activity_report=report).count() == 1
    assert Certificate.objects.get(activity_report=report).sequence == 1


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["tidak-ada", "A" * 43])
def test_verify_unknown_code_answers_404_in_the_verification_pages_shape(
    code, django_assert_num_queries
):
    with django_assert_num_queries(1):
        response = Client().get(reverse("verify-certificate", args=[code]))

    page = response.content.decode()
    assert response.status_code == 404
    assert "Verifikasi Sertifikat" in page
    assert "Sertifikat TIDAK DITEMUKAN" in page
    assert "Sertifikat SAH" not in page


@pytest.mark.django_db
def test_other_pages_keep_the_common_404(employee):
    response = client_for(employee).get("/trainings/activities/999999/")

    assert response.status_code == 404
    assert "Verifikasi Sertifikat" not in response.content.decode()
