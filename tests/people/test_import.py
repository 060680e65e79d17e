"""The employee import: upload → check (task) → preview → apply (task), all-or-nothing.

Celery runs eagerly here; the tasks are fired on commit, so uploads and confirmations run inside
django_capture_on_commit_callbacks(execute=True).
"""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from rumahbelajar.people import services
from rumahbelajar.people.models import EmployeeImport, ImportStatus, User
from tests.people.conftest import HEADER, csv_bytes, xlsx_bytes
from tests.people.factories import UserFactory, make_nip

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:people_user_import")


def nip(seq: int) -> str:
    return make_nip(seq, birth=dt.date(1990, 1, 1), start="201801")


def row(seq: int, *, unit: str = "unit-a1", **overrides: str) -> list[str]:
    values = {
        "nip": nip(seq),
        "full_name": f"Pegawai Impor {seq}",
        "email": f"impor{seq}@example.test",
        "employee_type": "PNS",
        "unit": unit,
        "position": "analis-sdm",
        "rank": "III/a",
        **overrides,
    }
    return [values[c] for c in HEADER]


def upload(client, content: bytes, name: str, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, content)})
    return response


def apply(client, job: EmployeeImport, django_capture_on_commit_callbacks):
    url = reverse("admin:people_user_import_apply", args=[job.pk])
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url)


def latest_job() -> EmployeeImport:
    return EmployeeImport.objects.latest("created_at")


def test_import_good_csv_previewed_then_applied(
    hr_client, hr_admin, unit_a1, position, django_capture_on_commit_callbacks
):
    content = csv_bytes([row(1), row(2)])

    upload(hr_client, content, "pegawai.csv", django_capture_on_commit_callbacks)
    job = latest_job()
    preview_status, preview_created = job.status, job.created_count
    apply(hr_client, job, django_capture_on_commit_callbacks)
    job.refresh_from_db()

    assert preview_status == ImportStatus.PREVIEW
    assert preview_created == 2
    assert job.status == ImportStatus.DONE
    assert job.created_count == 2
    assert job.requested_by == hr_admin
    people = User.objects.filter(nip__in=[nip(1), nip(2)]).order_by("nip")
    assert [(p.full_name, p.unit, p.position, p.rank) for p in people] == [
        ("Pegawai Impor 1", unit_a1, position, "III/a"),
        ("Pegawai Impor 2", unit_a1, position, "III/a"),
    ]
    assert [p.has_usable_password() for p in people] == [False, False]


def test_import_good_xlsx_applied(hr_client, unit_a1, position, django_capture_on_commit_callbacks):
    content = xlsx_bytes([row(1), row(2, employee_type="PPPK", rank="", nip="199001012021991777")])

    upload(hr_client, content, "pegawai.xlsx", django_capture_on_commit_callbacks)
    apply(hr_client, latest_job(), django_capture_on_commit_callbacks)

    job = latest_job()
    assert (job.original_name, job.status) == ("pegawai.xlsx", ImportStatus.DONE)
    assert User.objects.filter(nip__in=[nip(1), "199001012021991777"]).count() == 2


def test_import_preview_page_shows_counts_and_apply_button(
    hr_client, unit_a1, position, django_capture_on_commit_callbacks
):
    response = upload(
        hr_client, csv_bytes([row(1), row(2)]), "a.csv", django_capture_on_commit_callbacks
    )

    page = hr_client.get(response.url)

    assert response.status_code == 302
    assert page.status_code == 200
    assert page.context["can_apply"] is True
    assert "2 baru, 0 diperbarui, 0 tidak berubah." in page.content.decode()


def test_import_one_bad_nip_applies_nothing_and_names_row_and_field(
    hr_client, unit_a1, position, django_capture_on_commit_callbacks
):
    bad = row(2, nip="19901301201801" + "1001")  # month 13
    content = csv_bytes([row(1), bad, row(3)])

    upload(hr_client, content, "pegawai.csv", django_capture_on_commit_callbacks)
    job = latest_job()
    page = hr_client.get(reverse("admin:people_user_import_job", args=[job.pk]))
    refused = apply(hr_client, job, django_capture_on_commit_callbacks)

    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEW
    assert job.error_count == 1
    assert [(e["row"], e["field"]) for e in job.errors] == [(3, "nip")]
    assert page.context["can_apply"] is False
    assert refused.status_code == 302
    assert User.objects.filter(nip__in=[nip(1), nip(3)]).count() == 0


UNIT_REFUSED = "Kode unit tidak dikenal atau di luar unit yang Anda kelola."
NIP_REFUSED = "NIP ini sudah terdaftar untuk akun yang tidak dapat Anda ubah lewat impor."


def test_import_unknown_unit_code_reported(
    hr_client, unit_a1, position, django_capture_on_commit_callbacks
):
    content = csv_bytes([row(1), row(2, unit="tidak-ada")])

    upload(hr_client, content, "pegawai.csv", django_capture_on_commit_callbacks)

    job = latest_job()
    assert [(e["row"], e["field"], e["value"]) for e in job.errors] == [(3, "unit", "tidak-ada")]
    assert job.errors[0]["message"] == UNIT_REFUSED


def test_import_unit_outside_hr_subtree_refused(
    hr_client, unit_a1, unit_b1, position, django_capture_on_commit_callbacks
):
    content = csv_bytes([row(1, unit="unit-b1")])

    upload(hr_client, content, "pegawai.csv", django_capture_on_commit_callbacks)

    job = latest_job()
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, "unit")]
    assert job.errors[0]["message"] == UNIT_REFUSED
    assert User.objects.filter(nip=nip(1)).exists() is False


def test_import_unit_outside_hr_subtree_allowed_for_superuser(
    superuser_client, unit_b1, position, django_capture_on_commit_callbacks
):
    content = csv_bytes([row(1, unit="unit-b1")])

    upload(superuser_client, content, "pegawai.csv", django_capture_on_commit_callbacks)
    apply(superuser_client, latest_job(), django_capture_on_commit_callbacks)

    assert User.objects.get(nip=nip(1)).unit == unit_b1


def test_import_duplicate_nip_inside_file_reported(
    hr_client, unit_a1, position, django_capture_on_commit_callbacks
):
    content = csv_bytes([row(1), row(2), row(1, email="lain@example.test")])

    upload(hr_client, content, "pegawai.csv", django_capture_on_commit_callbacks)

    job = latest_job()
    assert [(e["row"], e["field"]) for e in job.errors] == [(4, "nip")]
    assert job.errors[0]["message"] == "NIP ganda dalam berkas: sudah ada di baris 2."


def test_import_duplicate_email_inside_file_reported(
    hr_client, unit_a1, position, django_capture_on_commit_callbacks
):
    content = csv_bytes([row(1), row(2, email="impor1@example.test")])

    upload(hr_client, content, "pegawai.csv", django_capture_on_commit_callbacks)

    assert [(e["row"], e["field"]) for e in latest_job().errors] == [(3, "email")]


def test_import_reimport_updates_instead_of_duplicating(
    hr_client, unit_a1, position, django_capture_on_commit_callbacks
):
    upload(hr_client, csv_bytes([row(1), row(2)]), "a.csv", django_capture_on_commit_callbacks)
    apply(hr_client, latest_job(), django_capture_on_commit_callbacks)
    first_pk = User.objects.get(nip=nip(1)).pk
    content = csv_bytes([row(1, full_name="Nama Baru", rank="III/b"), row(2)])

    upload(hr_client, content, "b.csv", django_capture_on_commit_callbacks)
    apply(hr_client, latest_job(), django_capture_on_commit_callbacks)

    job = latest_job()
    person = User.objects.get(nip=nip(1))
    assert (job.status, job.created_count, job.updated_count, job.unchanged_count) == (
        ImportStatus.DONE,
        0,
        1,
        1,
    )
    assert (person.pk, person.full_name, person.rank) == (first_pk, "Nama Baru", "III/b")
    assert User.objects.filter(nip__in=[nip(1), nip(2)]).count() == 2


def test_import_existing_outsider_nip_refused_for_hr(
    hr_client, outsider, unit_a1, position, django_capture_on_commit_callbacks
):
    content = csv_bytes([row(1, nip=outsider.nip, email=outsider.email)])

    upload(hr_client, content, "a.csv", django_capture_on_commit_callbacks)

    job = latest_job()
    outsider.refresh_from_db()
    assert [(e["row"], e["field"], e["message"]) for e in job.errors] == [(2, "nip", NIP_REFUSED)]
    assert outsider.unit.code == "unit-b1"


def test_import_unknown_and_out_of_scope_unit_get_one_message(
    hr_client, unit_a1, unit_b1, position, django_capture_on_commit_callbacks
):
    content = csv_bytes([row(1, unit="unit-b1"), row(2, unit="tidak-ada")])

    upload(hr_client, content, "pegawai.csv", django_capture_on_commit_callbacks)

    assert [(e["row"], e["field"], e["message"]) for e in latest_job().errors] == [
        (2, "unit", UNIT_REFUSED),
        (3, "unit", UNIT_REFUSED),
    ]


def test_import_admin_nip_and_outsider_nip_get_one_message(
    hr_client, outsider, unit_a1, position, django_capture_on_commit_callbacks
):
    other_admin = UserFactory(unit=unit_a1, is_staff=True)
    content = csv_bytes([row(1, nip=outsider.nip), row(2, nip=other_admin.nip)])

    upload(hr_client, content, "a.csv", django_capture_on_commit_callbacks)

    assert [(e["row"], e["field"], e["message"]) for e in latest_job().errors] == [
        (2, "nip", NIP_REFUSED),
        (3, "nip", NIP_REFUSED),
    ]


def test_import_email_of_outsider_and_of_own_employee_get_one_message(
    hr_client, outsider, employee, unit_a1, position, django_capture_on_commit_callbacks
):
    content = csv_bytes([row(1, email=outsider.email), row(2, email=employee.email)])

    upload(hr_client, content, "a.csv", django_capture_on_commit_callbacks)

    assert [(e["row"], e["field"], e["message"]) for e in latest_job().errors] == [
        (2, "email", "Email sudah dipakai pengguna lain."),
        (3, "email", "Email sudah dipakai pengguna lain."),
    ]


def test_import_email_of_other_person_refused(
    hr_client, employee, unit_a1, position, django_capture_on_commit_callbacks
):
    content = csv_bytes([row(1, email=employee.email)])

    upload(hr_client, content, "a.csv", django_capture_on_commit_callbacks)

    assert [(e["row"], e["field"]) for e in latest_job().errors] == [(2, "email")]


def test_import_semicolon_csv_with_indonesian_headers_applied(
    hr_client, unit_a1, position, django_capture_on_commit_callbacks
):
    header = ["NIP", "Nama", "Email", "Jenis Pegawai", "Kode Unit", "Golongan"]
    values = [nip(1), "Siti Aminah", "siti@example.test", "pns", "unit-a1", "iii/c"]
    content = csv_bytes([values], header=header, delimiter=";")

    upload(hr_client, content, "a.csv", django_capture_on_commit_callbacks)
    apply(hr_client, latest_job(), django_capture_on_commit_callbacks)

    person = User.objects.get(nip=nip(1))
    assert (person.full_name, person.rank, person.position) == ("Siti Aminah", "III/c", None)


def test_import_xlsx_nip_stored_as_number_reported(
    hr_client, unit_a1, position, django_capture_on_commit_callbacks
):
    content = xlsx_bytes([[float(nip(1)), "A", "a@example.test", "PNS", "unit-a1", "", ""]])

    upload(hr_client, content, "a.xlsx", django_capture_on_commit_callbacks)

    assert [(e["row"], e["field"]) for e in latest_job().errors] == [(2, "nip")]


def test_import_file_type_decided_by_content_not_name(
    hr_client, unit_a1, position, django_capture_on_commit_callbacks
):
    content = csv_bytes([row(1)])

    upload(hr_client, content, "menyamar.xlsx", django_capture_on_commit_callbacks)

    job = latest_job()
    assert (job.file_format, job.status) == ("csv", ImportStatus.PREVIEW)


def test_import_binary_file_refused_by_form(hr_client, django_capture_on_commit_callbacks):
    response = upload(
        hr_client, b"\x89PNG\r\n\x1a\n\x00\x00", "pegawai.csv", django_capture_on_commit_callbacks
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "file": ["Berkas kosong atau bukan teks CSV / XLSX."]
    }
    assert EmployeeImport.objects.count() == 0


def test_import_file_over_size_limit_refused(
    hr_client, settings, django_capture_on_commit_callbacks
):
    settings.EMPLOYEE_IMPORT_MAX_BYTES = 1024

    response = upload(
        hr_client,
        csv_bytes([row(i) for i in range(1, 40)]),
        "a.csv",
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["file"]
    assert EmployeeImport.objects.count() == 0


def test_import_missing_column_fails_job_with_message(
    hr_client, unit_a1, django_capture_on_commit_callbacks
):
    content = csv_bytes([[nip(1), "A"]], header=["nip", "nama"])

    upload(hr_client, content, "a.csv", django_capture_on_commit_callbacks)

    job = latest_job()
    assert job.status == ImportStatus.FAILED
    assert job.message == (
        "Kolom wajib tidak ada: email, employee_type, unit. Baris pertama harus berisi judul kolom."
    )


def test_import_file_stored_under_private_path_not_original_name(
    hr_client, unit_a1, position, django_capture_on_commit_callbacks
):
    upload(hr_client, csv_bytes([row(1)]), "data rahasia.csv", django_capture_on_commit_callbacks)

    job = latest_job()
    assert job.file.name.startswith("private/employee-imports/")
    assert "rahasia" not in job.file.name
    assert job.original_name == "data rahasia.csv"


def test_import_apply_after_conflicting_change_applies_nothing(
    hr_client, unit_a1, position, django_capture_on_commit_callbacks
):
    upload(hr_client, csv_bytes([row(1), row(2)]), "a.csv", django_capture_on_commit_callbacks)
    job = latest_job()
    UserFactory(email="impor2@example.test", unit=unit_a1)  # takes row 3's email meanwhile

    apply(hr_client, job, django_capture_on_commit_callbacks)

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert [(e["row"], e["field"]) for e in job.errors] == [(3, "email")]
    assert User.objects.filter(nip=nip(1)).exists() is False


def test_import_xlsx_checked_copy_keeps_row_numbers(
    hr_client, unit_a1, position, django_capture_on_commit_callbacks
):
    content = xlsx_bytes([row(1), [None] * len(HEADER), row(2)])
    upload(hr_client, content, "a.xlsx", django_capture_on_commit_callbacks)
    job = latest_job()
    UserFactory(email="impor2@example.test", unit=unit_a1)

    apply(hr_client, job, django_capture_on_commit_callbacks)

    job.refresh_from_db()
    assert job.file_format == "csv"  # the apply step read the CSV copy
    assert [(e["row"], e["field"]) for e in job.errors] == [(4, "email")]


def test_import_progress_answers_status_json(
    hr_client, unit_a1, position, django_capture_on_commit_callbacks
):
    upload(hr_client, csv_bytes([row(1)]), "a.csv", django_capture_on_commit_callbacks)
    job = latest_job()

    response = hr_client.get(reverse("admin:people_user_import_progress", args=[job.pk]))

    assert response.json() == {"status": "preview", "done": 1, "total": 1, "percent": 100}


def test_import_job_of_another_admin_not_found(
    hr_client, superuser_client, unit_a1, position, django_capture_on_commit_callbacks
):
    upload(superuser_client, csv_bytes([row(1)]), "a.csv", django_capture_on_commit_callbacks)
    job = latest_job()

    page = hr_client.get(reverse("admin:people_user_import_job", args=[job.pk]))
    applied = hr_client.post(reverse("admin:people_user_import_apply", args=[job.pk]))

    job.refresh_from_db()
    assert page.status_code == 404
    assert applied.status_code == 404
    assert job.status == ImportStatus.PREVIEW


@pytest.mark.parametrize("who", ["employee", "colleague"])
def test_import_page_non_staff_redirected_to_login(cast, client, who):
    client.force_login(cast[who])

    response = client.get(IMPORT_URL)

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_import_page_staff_without_import_permission_forbidden(client, unit_a1):
    staff = UserFactory(unit=unit_a1, is_staff=True)
    client.force_login(staff)

    response = client.get(IMPORT_URL)

    assert response.status_code == 403


def test_purge_old_import_jobs_deletes_old_rows_and_files(hr_admin):
    old = EmployeeImport.objects.create(
        requested_by=hr_admin, file_format="csv", created_at=timezone.now() - dt.timedelta(days=8)
    )
    old.file.save("x", ContentFile(b"nip\n"))
    recent = EmployeeImport.objects.create(requested_by=hr_admin, file_format="csv")
    recent.file.save("y", ContentFile(b"nip\n"))

    deleted = services.purge_old_employee_imports()

    assert deleted == 1
    assert list(EmployeeImport.objects.values_list("pk", flat=True)) == [recent.pk]
    assert default_storage.exists(old.file.name) is False
    assert default_storage.exists(recent.file.name) is True


def test_import_form_page_hr_admin_renders(hr_client):
    response = hr_client.get(IMPORT_URL)

    assert response.status_code == 200
    assert list(response.context["form"].fields) == ["file"]


def test_user_changelist_hr_admin_links_to_import(hr_client):
    response = hr_client.get(reverse("admin:people_user_changelist"))

    assert f'href="{IMPORT_URL}"' in response.content.decode()


def test_import_job_page_running_shows_progress_bar_with_script(hr_client, hr_admin):
    job = EmployeeImport.objects.create(
        requested_by=hr_admin, file_format="csv", status=ImportStatus.VALIDATING
    )

    response = hr_client.get(reverse("admin:people_user_import_job", args=[job.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<progress id="import-progress-bar"' in html
    assert "admin-extra/import-progress.js" in html
    assert "<script>" not in html


def test_import_changed_email_forgets_the_old_address(
    hr_client, unit_a1, position, django_capture_on_commit_callbacks
):
    upload(hr_client, csv_bytes([row(1), row(2)]), "a.csv", django_capture_on_commit_callbacks)
    apply(hr_client, latest_job(), django_capture_on_commit_callbacks)
    person, other = User.objects.get(nip=nip(1)), User.objects.get(nip=nip(2))
    # Both logged in once: allauth keeps their addresses as verified EmailAddress rows.
    EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
    EmailAddress.objects.create(user=other, email=other.email, verified=True, primary=True)

    content = csv_bytes([row(1, email="baru1@example.test"), row(2)])
    upload(hr_client, content, "b.csv", django_capture_on_commit_callbacks)
    apply(hr_client, latest_job(), django_capture_on_commit_callbacks)

    # The old mailbox no longer reaches the account (password reset, login code); others keep theirs.
    assert list(EmailAddress.objects.filter(user=person).values_list("email", flat=True)) == []
    assert list(EmailAddress.objects.filter(user=other).values_list("email", flat=True)) == [
        other.email
    ]
