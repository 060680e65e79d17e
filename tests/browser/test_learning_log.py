"""The learning log in a real browser on the demo data (seed_demo), on a phone-sized screen:
the demo employee reaches the last page of a book in the reader, follows "Laporkan bacaan ini",
files the report; atasan@ approves it at /team/approvals/; the JP show on /trainings/mine/.
Accessibility (axe), no CSP violations, no horizontal scrolling. Screenshots go to
/tmp/learning_log_*.png."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_EMAIL, DEMO_PASSWORD
from tests.browser.test_training import horizontal_overflow, log_in, serious_violations
from tests.ebooks.test_views import make_book
from training.models import ActivityReport, LearningRecord, ReportStatus

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
SUPERVISOR_EMAIL = "atasan@demo.rumahbelajar.id"
TITLE = "Membaca Dasar Hukum Administrasi"


@pytest.fixture
def demo(transactional_db):
    importlib.import_module("competency.migrations.0002_load_dictionary").load(apps, None)
    importlib.import_module("training.migrations.0002_jp_conversions").load(apps, None)
    importlib.import_module("training.migrations.0003_activity_reports").seed(apps, None)
    call_command("seed_demo", "--employees", "0")
    return make_book("Dasar Hukum Administrasi", pages=2)


def test_learning_log_file_from_reader_on_phone_approve_and_see_jp(
    page: Page, demo, csp_violations
):
    book = demo
    page.set_viewport_size(PHONE)
    log_in(page, DEMO_EMAIL, DEMO_PASSWORD)

    page.goto(f"/ebooks/{book.slug}/read")
    expect(page.locator("[data-reader]")).to_have_attribute(
        "data-rendered-page", "1", timeout=15_000
    )
    report_link = page.get_by_role("link", name="Laporkan bacaan ini")
    expect(report_link).to_be_hidden()
    page.locator("[data-action=next]").click()
    expect(page.locator("[data-reader]")).to_have_attribute(
        "data-rendered-page", "2", timeout=15_000
    )
    report_link.click()

    page.wait_for_url(f"**/trainings/activities/new/?ebook={book.pk}")
    expect(page.get_by_text(book.title)).to_be_visible()
    form_overflow = horizontal_overflow(page)
    form_violations = serious_violations(page)
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    page.get_by_label("Judul kegiatan").fill(TITLE)
    page.get_by_label("Tanggal mulai").fill(yesterday)
    page.get_by_label("Tanggal selesai").fill(yesterday)
    page.get_by_label("Durasi (menit)").fill("90")
    page.get_by_label("Apa yang saya pelajari").fill("Asas-asas umum pemerintahan yang baik.")
    page.get_by_label("Dampaknya pada pekerjaan saya").fill("Keputusan saya lebih tertib.")
    page.get_by_label("Kompetensi yang dikembangkan").select_option(index=0)
    page.screenshot(path="/tmp/learning_log_phone_form.png", full_page=True)
    page.get_by_role("button", name="Ajukan ke atasan").click()

    page.wait_for_url("**/trainings/activities/")
    row = page.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("Menunggu persetujuan")
    list_overflow = horizontal_overflow(page)
    report = ActivityReport.objects.get(title=TITLE)
    assert report.approver.email == SUPERVISOR_EMAIL

    page.context.clear_cookies()
    log_in(page, SUPERVISOR_EMAIL, DEMO_PASSWORD)
    page.goto("/team/approvals/")
    item = page.locator("article").filter(has_text=TITLE)
    approvals_overflow = horizontal_overflow(page)
    approvals_violations = serious_violations(page)
    page.screenshot(path="/tmp/learning_log_phone_approvals.png", full_page=True)
    item.get_by_role("button", name="Setujui").click()
    page.wait_for_url("**/team/approvals/")
    expect(page.locator("article").filter(has_text=TITLE)).to_have_count(0)

    page.context.clear_cookies()
    log_in(page, DEMO_EMAIL, DEMO_PASSWORD)
    page.goto("/trainings/mine/")
    report.refresh_from_db()
    total = LearningRecord.objects.filter(
        employee=report.employee, year=timezone.localdate().year
    ).aggregate(total=Sum("jp"))["total"]
    shown = page.locator(".jp-progress__number").first.inner_text()
    page.screenshot(path="/tmp/learning_log_phone_mine.png", full_page=True)

    assert form_overflow <= 0
    assert list_overflow <= 0
    assert approvals_overflow <= 0
    assert form_violations == []
    assert approvals_violations == []
    assert report.status == ReportStatus.APPROVED
    assert report.jp == Decimal("2.00")  # self-study: 1.5 hours at 1.33 JP an hour
    assert LearningRecord.objects.filter(source_report=report).count() == 1
    assert Decimal(shown.replace(",", ".")) == total
    assert csp_violations() == []
