"""Certificates (e-sertifikat): issued exactly once per completion, numbered without gaps, the PDF
(text and QR), who may download it, and the public verification page."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from tests.competency.conftest import (  # noqa: F401 (fixtures)
    CLOSED_BROKER_URL,
    broker_down,
    real_publishing,
)
from tests.people.factories import UserFactory
from tests.requests import body, client_for
from tests.training.factories import (
    TrainingFactory,
    in_days,
    move_into_past,
    registered_for_past_training,
)
from training import certificates, selectors, services
from training.certificate_pdf import qr_image
from training.models import Certificate, CertificateSequence, TrainingMode

pytestmark = pytest.mark.django_db


def completed(employee, hr_admin, *, title="Pelatihan Analisis Kebijakan", jp="8"):
    """A training the employee registered for, took part in, and HR marked completed."""
    enrollment = registered_for_past_training(
        employee,
        start=in_days(-3),
        length=dt.timedelta(days=1),
        title=title,
        jp=Decimal(jp),
        mode=TrainingMode.BLENDED,
    )
    services.complete(enrollment=enrollment, by=hr_admin)
    return enrollment


def login(client: Client, user) -> Client:
    client.force_login(user)
    return client


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def holder(certificate: Certificate) -> tuple[int, str, str]:
    """Whom a certificate names: the holder's id, and the name and NIP as issued."""
    return certificate.holder_id, certificate.holder_name, certificate.holder_nip


# --- Issuing ---------------------------------------------------------------------------------


def test_complete_issues_one_certificate_with_the_training_snapshot(employee, hr_admin):
    enrollment = completed(employee, hr_admin, jp="12")

    certificate = Certificate.objects.get(enrollment=enrollment)

    year = timezone.localdate().year
    assert holder(certificate) == (employee.pk, "Alice Pegawai", employee.nip)
    assert (certificate.title, certificate.jp, certificate.mode) == (
        "Pelatihan Analisis Kebijakan",
        Decimal("12.00"),
        "Blended",
    )
    assert (certificate.number, certificate.year, certificate.sequence) == (
        f"RB/{year}/000001",
        year,
        1,
    )
    assert certificate.is_valid
    assert len(certificate.code) >= 40
    assert certificate.issued_by_id == hr_admin.pk


def test_complete_again_issues_no_second_certificate(employee, hr_admin):
    enrollment = completed(employee, hr_admin)

    services.complete(enrollment=enrollment, by=hr_admin)
    services.mark_attendance(enrollments=[enrollment], status="completed", by=hr_admin)

    assert Certificate.objects.filter(enrollment=enrollment).count() == 1


def test_numbers_follow_the_pattern_setting_and_run_per_year(
    settings, employee, colleague, hr_admin
):
    settings.CERTIFICATE_NUMBER_PATTERN = "SERT-{seq:04d}/BPSDM/{year}"
    year = timezone.localdate().year
    CertificateSequence.objects.create(year=year - 1, last=41)

    first = Certificate.objects.get(enrollment=completed(employee, hr_admin, title="A"))
    second = Certificate.objects.get(enrollment=completed(colleague, hr_admin, title="B"))

    assert (first.number, second.number) == (f"SERT-0001/BPSDM/{year}", f"SERT-0002/BPSDM/{year}")
    assert CertificateSequence.objects.get(year=year - 1).last == 41


def test_no_show_correction_revokes_and_completing_again_issues_a_new_one(employee, hr_admin):
    enrollment = completed(employee, hr_admin)
    first = Certificate.objects.get(enrollment=enrollment)

    services.mark_attendance(enrollments=[enrollment], status="no_show", by=hr_admin)
    first.refresh_from_db()
    services.mark_attendance(enrollments=[enrollment], status="completed", by=hr_admin)

    assert first.revoked_at is not None
    assert first.revoked_reason == "Kehadiran dikoreksi menjadi tidak hadir."
    again = Certificate.objects.get(enrollment=enrollment, revoked_at__isnull=True)
    assert again.number != first.number


def test_revoked_by_hr_is_not_reissued_by_marking_completed_again(employee, hr_admin):
    enrollment = completed(employee, hr_admin)
    certificate = Certificate.objects.get(enrollment=enrollment)
    certificates.revoke_certificate(certificate=certificate, by=hr_admin, reason="Data keliru")

    services.mark_attendance(enrollments=[enrollment], status="completed", by=hr_admin)
    issued = certificates.issue_missing()

    assert issued == 0
    assert not Certificate.objects.filter(enrollment=enrollment, revoked_at__isnull=True).exists()


def test_reissue_revokes_the_old_and_issues_a_corrected_one(employee, hr_admin):
    enrollment = completed(employee, hr_admin)
    old = Certificate.objects.get(enrollment=enrollment)
    employee.full_name = "Alice Pegawai Negeri"
    employee.save(update_fields=["full_name"])

    new = certificates.reissue_certificate(certificate=old, by=hr_admin, reason="Nama dikoreksi")

    old.refresh_from_db()
    assert (old.is_valid, old.revoked_reason, old.revoked_by_id) == (
        False,
        "Nama dikoreksi",
        hr_admin.pk,
    )
    assert (new.holder_name, new.replaces_id, new.is_valid) == (
        "Alice Pegawai Negeri",
        old.pk,
        True,
    )
    assert new.code != old.code


def test_revoke_without_reason_refused(employee, hr_admin):
    certificate = Certificate.objects.get(enrollment=completed(employee, hr_admin))

    with pytest.raises(certificates.CertificateError):
        certificates.revoke_certificate(certificate=certificate, by=hr_admin, reason="  ")

    certificate.refresh_from_db()
    assert certificate.is_valid


def test_issue_missing_catches_up_completions_without_certificate(employee, hr_admin):
    enrollment = completed(employee, hr_admin)
    Certificate.objects.filter(enrollment=enrollment).delete()  # as before certificates existed

    issued = certificates.issue_missing()

    assert issued == 1
    assert Certificate.objects.filter(enrollment=enrollment, revoked_at__isnull=True).count() == 1


def test_masked_nip_hides_birth_date_cpns_date_and_sex():
    certificate = Certificate(holder_nip="198503302010121001")

    assert certificate.masked_nip == "1985***********001"


# --- The PDF ----------------------------------------------------------------------------------


def test_pdf_states_name_nip_training_jp_number_and_verification_url(settings, employee, hr_admin):
    settings.SITE_URL = "https://rumahbelajar.example.go.id"
    certificate = Certificate.objects.get(enrollment=completed(employee, hr_admin, jp="12.5"))

    stored = certificates.ensure_pdf(certificate_id=certificate.pk)

    content = stored.file.read()
    reader = PdfReader(io.BytesIO(content))
    text = re.sub(r"\s+", " ", pdf_text(content))
    url = f"https://rumahbelajar.example.go.id/verify/{certificate.code}/"
    assert len(reader.pages) == 1
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
    for expected in (
        "SERTIFIKAT",
        "Alice Pegawai",
        f"NIP {employee.nip}",
        "Pelatihan Analisis Kebijakan",
        "12,5 JP",
        f"Nomor: {certificate.number}",
        url,
    ):
        assert expected in text
    fonts = {
        str(font["/BaseFont"])
        for font in reader.pages[0]["/Resources"]["/Font"].values()
        if "/FontFile2" in font.get_object()["/DescendantFonts"][0]["/FontDescriptor"]
    }
    assert fonts  # embedded TrueType, no reliance on the reader's fonts


def test_pdf_qr_code_encodes_the_verification_url(settings, employee, hr_admin):
    settings.SITE_URL = "https://rumahbelajar.example.go.id"
    certificate = Certificate.objects.get(enrollment=completed(employee, hr_admin))

    content = certificates.ensure_pdf(certificate_id=certificate.pk).file.read()

    embedded = PdfReader(io.BytesIO(content)).pages[0].images[0].image.convert("1")
    expected = qr_image(certificate.verification_url).convert("1")
    assert embedded.size == expected.size
    assert embedded.tobytes() == expected.tobytes()


def test_ensure_pdf_renders_once(employee, hr_admin):
    certificate = Certificate.objects.get(enrollment=completed(employee, hr_admin))

    first = certificates.ensure_pdf(certificate_id=certificate.pk).file.name
    second = certificates.ensure_pdf(certificate_id=certificate.pk).file.name

    assert first == second
    assert first.startswith(f"certificates/{certificate.year}/")


# --- Download -----------------------------------------------------------------------------------


#: Who may download a certificate (the holder, their unit's HR, superusers), as (who, status).
DOWNLOAD_ACCESS = [
    ("employee", 200),
    ("hr_admin", 200),
    ("superuser", 200),
    ("colleague", 404),
    ("outsider", 404),
]


@pytest.mark.parametrize(("who", "status"), DOWNLOAD_ACCESS)
def test_download_allowed_to_owner_unit_hr_and_superuser_only(client, cast, who, status):
    certificate = Certificate.objects.get(enrollment=completed(cast["employee"], cast["hr_admin"]))

    response = login(client, cast[who]).get(reverse("certificate-file", args=[certificate.pk]))

    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert body(response).startswith(b"%PDF")


def test_download_other_units_hr_is_404(client, employee, hr_admin, kanwil_b, outsider):
    certificate = Certificate.objects.get(enrollment=completed(employee, hr_admin))
    outsider.is_staff = True
    outsider.save(update_fields=["is_staff"])
    outsider.managed_units.add(kanwil_b)

    response = login(client, outsider).get(reverse("certificate-file", args=[certificate.pk]))

    assert response.status_code == 404


def test_download_anonymous_redirects_to_login(client, employee, hr_admin):
    certificate = Certificate.objects.get(enrollment=completed(employee, hr_admin))

    response = client.get(reverse("certificate-file", args=[certificate.pk]))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_download_unknown_is_404(client, employee):
    response = login(client, employee).get(reverse("certificate-file", args=[999999]))

    assert response.status_code == 404


def test_download_behind_nginx_answers_x_accel_redirect(client, settings, employee, hr_admin):
    settings.EBOOK_X_ACCEL_REDIRECT_PREFIX = "/protected/"
    certificate = Certificate.objects.get(enrollment=completed(employee, hr_admin))

    response = login(client, employee).get(reverse("certificate-file", args=[certificate.pk]))

    certificate.refresh_from_db()
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected/{certificate.file.name}"
    assert response.content == b""


def test_download_is_never_a_public_media_url(client, employee, hr_admin):
    certificate = Certificate.objects.get(enrollment=completed(employee, hr_admin))
    stored = certificates.ensure_pdf(certificate_id=certificate.pk)

    response = client.get("/media-not-served/" + stored.file.name)

    assert response.status_code in (302, 404)


# --- "My trainings" and the training page --------------------------------------------------


def test_mine_links_the_certificate_with_its_verification_url(client, settings, employee, hr_admin):
    settings.SITE_URL = "https://rumahbelajar.example.go.id"
    certificate = Certificate.objects.get(enrollment=completed(employee, hr_admin))

    page = login(client, employee).get(reverse("training:training-mine")).content.decode()

    link = reverse("certificate-file", args=[certificate.pk])
    assert re.search(rf'href="{link}"[^>]*>.*Sertifikat', page, re.S)
    assert f"https://rumahbelajar.example.go.id/verify/{certificate.code}/" in page


def test_mine_hides_a_revoked_certificate(client, employee, hr_admin):
    certificate = Certificate.objects.get(enrollment=completed(employee, hr_admin))
    certificates.revoke_certificate(certificate=certificate, by=hr_admin, reason="Data keliru")

    page = login(client, employee).get(reverse("training:training-mine")).content.decode()

    assert reverse("certificate-file", args=[certificate.pk]) not in page


def test_detail_of_a_completed_training_links_the_certificate(client, employee, hr_admin):
    enrollment = completed(employee, hr_admin)
    certificate = Certificate.objects.get(enrollment=enrollment)

    page = (
        login(client, employee)
        .get(reverse("training:training-detail", args=[enrollment.training.slug]))
        .content.decode()
    )

    assert reverse("certificate-file", args=[certificate.pk]) in page
    assert certificate.verification_url in page


def test_mine_query_count_stays_four_with_certificates(
    client, employee, hr_admin, django_assert_max_num_queries
):
    for number in range(3):
        completed(employee, hr_admin, title=f"Pelatihan {number}")
    login(client, employee)
    client.get(reverse("training:training-mine"))  # warm the shared fragments
    # The person, the enrolments (certificates joined), the JP ledger and the registration requests.

    with django_assert_max_num_queries(4):
        response = client.get(reverse("training:training-mine"))

    assert response.content.decode().count("Unduh Sertifikat") == 3


# --- Public verification -------------------------------------------------------------------------


def test_verify_valid_shows_only_what_it_should(employee, hr_admin):
    certificate = Certificate.objects.get(enrollment=completed(employee, hr_admin, jp="12"))

    response = Client().get(reverse("verify-certificate", args=[certificate.code]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Sertifikat SAH" in page
    for shown in (certificate.number, "Alice Pegawai", "Pelatihan Analisis Kebijakan", "12"):
        assert shown in page
    assert certificate.masked_nip in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert employee.nip not in page
    assert employee.email not in page
    assert "Unit A1" not in page


def test_verify_revoked_says_when_and_why(employee, hr_admin):
    certificate = Certificate.objects.get(enrollment=completed(employee, hr_admin))
    certificates.revoke_certificate(certificate=certificate, by=hr_admin, reason="Data keliru")

    response = Client().get(reverse("verify-certificate", args=[certificate.code]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Sertifikat DICABUT" in page
    assert "Data keliru" in page
    assert timezone.localdate().strftime("%Y") in page
    assert "Sertifikat SAH" not in page


@pytest.mark.parametrize("code", ["tidak-ada", "A" * 43, "RB-2026-000001"])
def test_verify_unknown_code_is_404_after_one_lookup(code, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = Client().get(reverse("verify-certificate", args=[code]))

    assert response.status_code == 404


def test_verify_known_code_costs_one_lookup_too(employee, hr_admin, django_assert_num_queries):
    certificate = Certificate.objects.get(enrollment=completed(employee, hr_admin))

    with django_assert_num_queries(1):
        response = Client().get(reverse("verify-certificate", args=[certificate.code]))

    assert response.status_code == 200


def test_verify_is_rate_limited_per_ip(settings, employee, hr_admin):
    settings.CERTIFICATE_VERIFY_PER_MINUTE = 3
    certificate = Certificate.objects.get(enrollment=completed(employee, hr_admin))
    url = reverse("verify-certificate", args=[certificate.code])
    visitor, other = Client(REMOTE_ADDR="203.0.113.7"), Client(REMOTE_ADDR="203.0.113.8")

    statuses = [visitor.get(url).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert other.get(url).status_code == 200


def test_verify_post_not_allowed(employee, hr_admin):
    certificate = Certificate.objects.get(enrollment=completed(employee, hr_admin))

    response = Client().post(reverse("verify-certificate", args=[certificate.code]))

    assert response.status_code == 405


def test_verify_for_a_logged_in_person_the_same(client, colleague, employee, hr_admin):
    certificate = Certificate.objects.get(enrollment=completed(employee, hr_admin))

    response = login(client, colleague).get(reverse("verify-certificate", args=[certificate.code]))

    assert response.status_code == 200
    assert "Sertifikat SAH" in response.content.decode()


# --- Admin: revoke and re-issue ------------------------------------------------------------------


CERTIFICATES = reverse("admin:training_certificate_changelist")


def certificate_action(user, action: str, certificate: Certificate, reason: str):
    """`user` applies the admin's `action` (revoke_certificates, reissue_certificates) to
    `certificate`, giving `reason`."""
    return client_for(user).post(
        CERTIFICATES,
        {"action": action, "_selected_action": [certificate.pk], "reason": reason, "apply": "1"},
    )


def test_admin_revoke_action_revokes_with_reason_and_logs(employee, hr_admin):
    certificate = Certificate.objects.get(enrollment=completed(employee, hr_admin))

    response = certificate_action(
        hr_admin, "revoke_certificates", certificate, "Peserta tidak memenuhi syarat"
    )

    certificate.refresh_from_db()
    assert response.status_code == 302
    assert (certificate.is_valid, certificate.revoked_reason) == (
        False,
        "Peserta tidak memenuhi syarat",
    )
    entry = LogEntry.objects.get(object_id=str(certificate.pk))
    assert "Peserta tidak memenuhi syarat" in entry.get_change_message()


def test_admin_reissue_action_issues_a_replacement(employee, hr_admin):
    certificate = Certificate.objects.get(enrollment=completed(employee, hr_admin))

    certificate_action(hr_admin, "reissue_certificates", certificate, "Nama dikoreksi")

    new = Certificate.objects.get(replaces=certificate)
    assert new.is_valid


def test_admin_lists_only_certificates_of_own_units(employee, outsider, hr_admin, superuser):
    mine = Certificate.objects.get(enrollment=completed(employee, hr_admin, title="A"))
    theirs = Certificate.objects.get(enrollment=completed(outsider, superuser, title="B"))

    page = client_for(hr_admin).get(CERTIFICATES)

    text = page.content.decode()
    assert page.status_code == 200
    assert mine.number in text
    assert theirs.number not in text


def test_admin_revoke_outside_own_units_changes_nothing(employee, outsider, hr_admin, superuser):
    theirs = Certificate.objects.get(enrollment=completed(outsider, superuser))

    certificate_action(hr_admin, "revoke_certificates", theirs, "x")

    theirs.refresh_from_db()
    assert theirs.is_valid


def test_valid_certificates_by_enrollment_one_query(employee, hr_admin, django_assert_num_queries):
    enrollment = completed(employee, hr_admin)

    with django_assert_num_queries(1):
        found = selectors.valid_certificates_by_enrollment(employee=employee)

    assert list(found) == [enrollment.pk]


# --- Redis is a cache and a broker, never the only copy -----------------------------------------


def test_pdf_rendered_by_the_task_after_commit(
    employee, hr_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enrollment = completed(employee, hr_admin)

    certificate = Certificate.objects.get(enrollment=enrollment)
    assert certificate.file.name.endswith(".pdf")
    assert certificate.file.read(5) == b"%PDF-"


@pytest.mark.usefixtures("broker_down")
def test_completion_with_broker_down_keeps_the_certificate_and_catches_up(
    transactional_db, employee, hr_admin, client
):
    enrollment = completed(employee, hr_admin)

    certificate = Certificate.objects.get(enrollment=enrollment)
    missing = certificates.certificates_without_pdf(now=timezone.now() + dt.timedelta(hours=1))
    response = login(client, employee).get(reverse("certificate-file", args=[certificate.pk]))

    assert not certificate.file
    assert missing == [certificate.pk]
    assert response.status_code == 200
    assert body(response).startswith(b"%PDF-")
    assert certificates.certificates_without_pdf(now=timezone.now() + dt.timedelta(hours=1)) == []


def test_verify_with_the_cache_down_still_answers(employee, hr_admin, settings):
    certificate = Certificate.objects.get(enrollment=completed(employee, hr_admin))
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": CLOSED_BROKER_URL}}

    response = Client().get(reverse("verify-certificate", args=[certificate.code]))

    assert response.status_code == 200
    assert "Sertifikat SAH" in response.content.decode()


def _class_of(size: int, unit):
    training = TrainingFactory(capacity=size)
    enrollments = [
        services.register(training=training, employee=UserFactory(unit=unit)) for _ in range(size)
    ]
    move_into_past(training, start=in_days(-1))
    return enrollments


def test_bulk_completion_numbers_consecutively_in_constant_queries(hr_admin, unit_a1):
    small, large = _class_of(2, unit_a1), _class_of(12, unit_a1)

    def certificate_queries(enrollments) -> int:
        with CaptureQueriesContext(connection) as captured:
            services.mark_attendance(enrollments=enrollments, status="completed", by=hr_admin)
        return sum(
            "training_certificate" in query["sql"] or "training_trainingcompetency" in query["sql"]
            for query in captured.captured_queries
        )

    assert certificate_queries(small) == certificate_queries(large)
    sequences = list(Certificate.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, 15))


def test_download_queries_constant(client, employee, hr_admin, django_assert_max_num_queries):
    certificate = Certificate.objects.get(enrollment=completed(employee, hr_admin))
    certificates.ensure_pdf(certificate_id=certificate.pk)
    login(client, hr_admin)

    with django_assert_max_num_queries(6):
        response = client.get(reverse("certificate-file", args=[certificate.pk]))

    assert response.status_code == 200


def test_revoke_outside_own_units_refused_by_the_service(outsider, hr_admin, superuser):
    theirs = Certificate.objects.get(enrollment=completed(outsider, superuser))

    with pytest.raises(services.OutsideScope):
        certificates.revoke_certificate(certificate=theirs, by=hr_admin, reason="x")
    with pytest.raises(services.OutsideScope):
        certificates.reissue_certificate(certificate=theirs, by=hr_admin, reason="x")

    theirs.refresh_from_db()
    assert theirs.is_valid
