"""The learning log: filing a report, its lifecycle (draft → submitted → returned → resubmitted →
approved), who may approve, JP credited once, evidence judged by content and served privately."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from competency.models import Competency
from tests.people.factories import UserFactory
from tests.requests import client_for
from training import services
from training.models import (
    ActivityReport,
    JpConversion,
    LearningRecord,
    ReportStatus,
    Training,
)

pytestmark = pytest.mark.django_db

LIST = reverse("training:activity-list")
NEW = reverse("training:activity-new")
APPROVALS = reverse("team:approval-list")


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 120, 60)).save(out, "PNG")
    return out.getvalue()


def form_data(**overrides) -> dict:
    today = timezone.localdate()
    data = {
        "kind": "coaching",
        "title": "Coaching analisis kebijakan",
        "started_on": (today - dt.timedelta(days=2)).isoformat(),
        "ended_on": (today - dt.timedelta(days=1)).isoformat(),
        "minutes": "90",
        "summary": "Cara menyusun naskah kebijakan.",
        "impact": "Naskah saya lebih ringkas.",
        "competencies": [str(Competency.objects.order_by("pk").first().pk)],
    }
    data.update(overrides)
    return data


def file_report(employee, **overrides) -> ActivityReport:
    data = form_data(**overrides)
    return services.save_report(
        employee=employee,
        values={
            "kind": data["kind"],
            "title": data["title"],
            "started_on": dt.date.fromisoformat(data["started_on"]),
            "ended_on": dt.date.fromisoformat(data["ended_on"]),
            "minutes": int(data["minutes"]),
            "summary": data["summary"],
            "impact": data["impact"],
            "ebook": None,
        },
        competencies=Competency.objects.filter(pk__in=data["competencies"]),
        submit=True,
    )


def decide(client, report, decision, comment=""):
    url = reverse("team:approval-decide", args=[report.pk])
    return client.post(url, {"decision": decision, "comment": comment})


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [LIST, NEW, APPROVALS])
def test_pages_anonymous_redirected_to_login(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["employee", "colleague", "outsider", "hr_admin", "superuser"])
@pytest.mark.parametrize("path", [LIST, NEW, APPROVALS])
def test_pages_open_to_everyone_logged_in(cast, who, path):
    response = client_for(cast[who]).get(path)

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("employee", 200),
        ("colleague", 404),
        ("outsider", 404),
        ("hr_admin", 200),
        ("superuser", 200),
    ],
)
def test_report_detail_only_author_approver_and_admins(cast, head, who, status):
    report = file_report(cast["employee"])

    response = client_for(cast[who]).get(reverse("training:activity-detail", args=[report.pk]))

    assert response.status_code == status


def test_report_detail_approver_sees_it(cast, head):
    report = file_report(cast["employee"])

    response = client_for(head).get(reverse("training:activity-detail", args=[report.pk]))

    assert response.status_code == 200


# --- filing ------------------------------------------------------------------------------------


def test_new_report_post_submits_to_unit_head(cast, head, employee):
    response = client_for(employee).post(NEW, form_data())

    report = ActivityReport.objects.get()
    assert response.status_code == 302
    assert (report.status, report.approver, report.submitted_at is not None) == (
        ReportStatus.SUBMITTED,
        head,
        True,
    )


def test_new_report_action_draft_saves_draft_without_approver(cast, head, employee):
    response = client_for(employee).post(NEW, form_data(action="draft"))

    report = ActivityReport.objects.get()
    assert response.status_code == 302
    assert (report.status, report.approver) == (ReportStatus.DRAFT, None)


def test_new_report_missing_fields_answer_field_errors(cast, head, employee):
    response = client_for(employee).post(NEW, {"kind": "coaching"})

    assert response.status_code == 400
    errors = response.context["form"].errors
    required = {"title", "started_on", "ended_on", "minutes", "summary", "impact", "competencies"}
    assert set(errors) == required
    assert ActivityReport.objects.count() == 0


def test_new_report_offers_the_active_competencies_and_refuses_an_inactive_one(
    cast, head, employee
):
    retired = Competency.objects.order_by("pk").first()
    Competency.objects.filter(pk=retired.pk).update(is_active=False)
    client = client_for(employee)

    options = client.get(NEW).context["form"]["competencies"].field.widget.choices
    active = Competency.objects.filter(is_active=True)
    assert [(str(v), label) for v, label in options] == [(str(c.pk), str(c)) for c in active]

    response = client.post(NEW, form_data(competencies=[retired.pk]))
    assert response.status_code == 400
    assert "competencies" in response.context["form"].errors
    assert ActivityReport.objects.count() == 0


def test_new_report_end_before_start_is_field_error(cast, head, employee):
    response = client_for(employee).post(
        NEW, form_data(started_on="2026-01-10", ended_on="2026-01-05")
    )

    assert response.status_code == 400
    assert "ended_on" in response.context["form"].errors


def test_new_report_prefilled_with_ebook(cast, employee):
    from tests.ebooks.factories import EbookFactory

    book = EbookFactory(title="Kebijakan Publik")

    response = client_for(employee).get(NEW + f"?ebook={book.pk}")

    assert response.status_code == 200
    assert response.context["form"]["ebook"].value() == str(book.pk)
    assert "Kebijakan Publik" in response.content.decode()


def test_new_report_unknown_ebook_is_field_error_not_500(cast, head, employee):
    response = client_for(employee).post(NEW, form_data(ebook="999999"))

    assert response.status_code == 400
    assert "ebook" in response.context["form"].errors


def test_new_report_without_any_supervisor_says_so(cast, outsider):
    response = client_for(outsider).post(NEW, form_data())

    assert response.status_code == 400
    assert ActivityReport.objects.count() == 0
    assert "Atasan langsung" in response.content.decode()


def test_submitted_report_locked_for_author(cast, head, employee):
    report = file_report(employee)

    response = client_for(employee).post(
        reverse("training:activity-detail", args=[report.pk]), form_data(title="Diubah")
    )

    report.refresh_from_db()
    assert response.status_code == 302
    assert report.title == "Coaching analisis kebijakan"


# --- evidence ----------------------------------------------------------------------------------


def test_evidence_html_named_pdf_refused_by_content(cast, head, employee):
    fake = SimpleUploadedFile("sertifikat.pdf", b"<!DOCTYPE html><html><body>x</body></html>")

    response = client_for(employee).post(NEW, {**form_data(), "evidence": fake})

    assert response.status_code == 400
    assert "evidence" in response.context["form"].errors
    assert ActivityReport.objects.count() == 0


def test_evidence_broken_png_refused(cast, head, employee):
    broken = SimpleUploadedFile("foto.png", png_bytes()[:30], content_type="image/png")

    response = client_for(employee).post(NEW, {**form_data(), "evidence": broken})

    assert response.status_code == 400
    assert "evidence" in response.context["form"].errors


@pytest.mark.parametrize(
    ("who", "status"),
    [("employee", 200), ("colleague", 404), ("outsider", 404), ("hr_admin", 200)],
)
def test_evidence_served_only_to_allowed_people(cast, head, who, status):
    photo = SimpleUploadedFile("foto.png", png_bytes(), content_type="text/html")
    client_for(cast["employee"]).post(NEW, {**form_data(), "evidence": photo})
    report = ActivityReport.objects.get()

    response = client_for(cast[who]).get(reverse("training:activity-evidence", args=[report.pk]))

    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("attachment;")
        assert b"".join(response.streaming_content) == png_bytes()
        assert "foto" not in report.evidence.name


# --- approval ----------------------------------------------------------------------------------


def test_lifecycle_draft_submitted_returned_resubmitted_approved_credits_once(cast, head, employee):
    author = client_for(employee)
    author.post(NEW, form_data(action="draft"))
    report = ActivityReport.objects.get()
    statuses = [report.status]
    author.post(reverse("training:activity-detail", args=[report.pk]), form_data())
    statuses.append(ActivityReport.objects.get().status)
    decide(client_for(head), report, "return", "Lampirkan bukti kehadiran.")
    statuses.append(ActivityReport.objects.get().status)
    author.post(reverse("training:activity-detail", args=[report.pk]), form_data(minutes="135"))
    statuses.append(ActivityReport.objects.get().status)
    decide(client_for(head), report, "approve")
    report.refresh_from_db()
    statuses.append(report.status)

    assert statuses == ["draft", "submitted", "returned", "resubmitted", "approved"]
    record = LearningRecord.objects.get(source_report=report)
    # Coaching: 2 JP a session (the seeded conversion), one report = one session.
    assert (record.jp, record.kind, record.year) == (
        Decimal("2.00"),
        "nonklasikal",
        report.ended_on.year,
    )
    assert report.jp == Decimal("2.00")


def test_approve_double_post_credits_once(cast, head, employee):
    report = file_report(employee)
    supervisor = client_for(head)

    first = decide(supervisor, report, "approve")
    second = decide(supervisor, report, "approve")

    assert (first.status_code, second.status_code) == (302, 302)
    assert LearningRecord.objects.filter(source_report=report).count() == 1
    assert LearningRecord.objects.filter(employee=employee).count() == 1


def test_approve_service_twice_and_return_after_approval_credit_once(cast, head, employee):
    report = file_report(employee)

    services.approve_report(report=report, by=head)
    services.approve_report(report=report, by=head)
    with pytest.raises(services.NotPending):
        services.return_report(report=report, by=head, comment="terlambat")

    assert LearningRecord.objects.filter(source_report=report).count() == 1


def test_ledger_refuses_second_line_for_one_report(cast, head, employee):
    report = file_report(employee)
    services.approve_report(report=report, by=head)
    line = LearningRecord.objects.get(source_report=report)
    line.pk = None

    with pytest.raises(Exception, match="source_report"):
        line.save()


def test_return_without_comment_is_field_error(cast, head, employee):
    report = file_report(employee)

    response = decide(client_for(head), report, "return", "  ")

    report.refresh_from_db()
    assert response.status_code == 400
    assert report.status == ReportStatus.SUBMITTED
    assert "catatan" in response.content.decode().lower()


@pytest.mark.parametrize("who", ["employee", "colleague", "outsider"])
def test_decide_refused_for_author_colleague_and_other_units(cast, head, who):
    report = file_report(cast["employee"])

    response = decide(client_for(cast[who]), report, "approve")

    report.refresh_from_db()
    assert response.status_code == 404
    assert report.status == ReportStatus.SUBMITTED
    assert not LearningRecord.objects.exists()


def test_decide_refused_for_hr_of_other_units(cast, head, kanwil_b):
    from rumahbelajar.people.roles import HR_ADMIN, ensure_role_groups

    other_hr = UserFactory(email="hr-b@example.test", unit=kanwil_b, is_staff=True)
    other_hr.groups.add(ensure_role_groups()[HR_ADMIN])
    other_hr.managed_units.add(kanwil_b)
    report = file_report(cast["employee"])

    response = decide(client_for(other_hr), report, "approve")

    assert response.status_code == 404
    assert not LearningRecord.objects.exists()


@pytest.mark.parametrize("who", ["hr_admin", "superuser"])
def test_decide_allowed_for_hr_of_unit_and_superuser(cast, head, who):
    report = file_report(cast["employee"])

    decide(client_for(cast[who]), report, "approve")

    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED


def test_nobody_approves_own_report_even_hr(cast, hr_admin, kanwil_a):
    # hr_admin works in Kanwil A, which they manage: no head, so HR stands in... but not for
    # themself; a superuser would.
    with pytest.raises(services.NoApprover):
        file_report(hr_admin)


def test_approval_list_shows_only_my_waiting_reports(cast, head, employee, colleague):
    file_report(employee, title="Milik Alice")
    file_report(colleague, title="Milik Bob")
    other_head = UserFactory(email="lain@example.test", unit=employee.unit)

    mine = client_for(head).get(APPROVALS)
    theirs = client_for(other_head).get(APPROVALS)

    assert [r.title for r, _error in mine.context["items"]] == ["Milik Alice", "Milik Bob"]
    assert theirs.context["items"] == []
    assert "Setujui" in mine.content.decode()
    assert "Kembalikan" in mine.content.decode()


@pytest.mark.parametrize(
    ("url", "viewer", "listed", "max_queries"),
    [(APPROVALS, "head", "items", 9), (LIST, "employee", "reports", 7)],
    ids=["approvals-of-the-head", "reports-of-the-author"],
)
@pytest.mark.parametrize("count", [1, 8])
def test_report_lists_queries_constant(
    cast, head, employee, url, viewer, listed, max_queries, count, django_assert_max_num_queries
):
    for n in range(count):
        file_report(employee, title=f"Laporan {n}")
    client = client_for({"head": head, "employee": employee}[viewer])
    client.get(url)

    with django_assert_max_num_queries(max_queries):
        response = client.get(url)

    assert len(response.context[listed]) == count


def test_approved_jp_show_on_my_trainings(cast, head, employee):
    report = file_report(employee, kind="seminar", minutes="180")
    services.approve_report(report=report, by=head)

    response = client_for(employee).get(reverse("training:training-mine"))

    # Seminar: 1.33 JP an hour, three hours.
    assert response.context["jp"].klasikal == Decimal("3.99")


# --- JP class and conversion ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "learning_kind"),
    [
        ("seminar", "klasikal"),
        ("course", "klasikal"),
        ("training", "klasikal"),
        ("coaching", "nonklasikal"),
        ("mentoring", "nonklasikal"),
        ("e_learning", "nonklasikal"),
        ("self_study", "nonklasikal"),
        ("community", "nonklasikal"),
        ("internship", "nonklasikal"),
    ],
)
def test_jp_class_per_kind_perlan_10_2018(cast, head, employee, kind, learning_kind):
    report = file_report(employee, kind=kind)

    services.approve_report(report=report, by=head)

    assert LearningRecord.objects.get(source_report=report).kind == learning_kind


def test_conversion_kind_against_perlan_refused():
    conversion = JpConversion.objects.get(activity_type="seminar")
    conversion.kind = "nonklasikal"

    with pytest.raises(ValidationError):
        conversion.full_clean()


def test_seeded_conversions_wait_for_agency_confirmation():
    assert not JpConversion.objects.filter(confirmed=True).exists()
    assert all("konfirmasi" in c.note for c in JpConversion.objects.all())


def test_yearly_cap_per_kind_limits_credit(cast, head, employee):
    JpConversion.objects.filter(activity_type="coaching").update(max_jp_per_year=Decimal("3"))
    first = file_report(employee)
    second = file_report(employee, title="Coaching kedua")

    services.approve_report(report=first, by=head)
    services.approve_report(report=second, by=head)

    second.refresh_from_db()
    assert second.jp == Decimal("1.00")
    assert sum(r.jp for r in LearningRecord.objects.filter(employee=employee)) == Decimal("3.00")


def test_conversion_validity_dates_pick_the_rate_in_force(cast, head, employee):
    today = timezone.localdate()
    JpConversion.objects.filter(activity_type="coaching").update(
        valid_until=today - dt.timedelta(days=30)
    )
    JpConversion.objects.create(
        activity_type="coaching",
        kind="nonklasikal",
        unit="session",
        jp_per_unit=Decimal("3"),
        valid_from=today - dt.timedelta(days=29),
    )
    report = file_report(employee)

    services.approve_report(report=report, by=head)

    report.refresh_from_db()
    assert report.jp == Decimal("3.00")


@pytest.mark.parametrize("slug", ["mine", "activities"])
def test_training_slug_reserved_for_the_apps_pages(slug):
    training = Training(slug=slug)

    with pytest.raises(ValidationError) as refused:
        training.full_clean()

    assert "slug" in refused.value.message_dict
