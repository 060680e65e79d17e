"""The training pages in a real browser, on the demo data (seed_demo): the demo employee finds
"Pelatihan Demo Kapasitas Terbatas" with the htmx search, registers, sees it under "my
trainings" with this year's JP, and cancels (keyboard); a full class puts them on the waitlist;
accessibility (axe), no CSP violations, and a 360 px phone screen without horizontal scrolling.
Screenshots go to /tmp/training_*.png."""

from __future__ import annotations

import importlib
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.pages import DESKTOP, PHONE, horizontal_overflow, log_in, serious_violations
from tests.people.factories import UserFactory
from training import services
from training.demo import DEMO_TRAINING_SLUG, DEMO_TRAINING_TITLE
from training.models import Training

pytestmark = pytest.mark.browser

DETAIL = f"/trainings/{DEMO_TRAINING_SLUG}/"


@pytest.fixture
def demo(transactional_db) -> None:
    """The demo data by the real command. The regulation's competencies come first: their data
    migration ran once, but a transactional test before this one may have flushed them (the
    loader is idempotent)."""
    importlib.import_module("competency.migrations.0002_load_dictionary").load(apps, None)
    call_command("seed_demo", "--employees", "0")


def fill_demo_training(seats_taken: int) -> None:
    training = Training.objects.get(slug=DEMO_TRAINING_SLUG)
    for _ in range(seats_taken):
        services.register(training=training, employee=UserFactory())


def test_training_search_register_see_in_mine_and_cancel(page, demo, csp_violations):
    page.set_viewport_size(DESKTOP)
    log_in(page)
    page.get_by_role("navigation", name="Navigasi utama").get_by_role(
        "link", name="Pelatihan"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pelatihan")
    page.screenshot(path="/tmp/training_catalogue.png", full_page=True)
    page.evaluate("window.__samePage = true")

    page.get_by_label("Cari pelatihan").fill("kapasitas")

    # htmx swaps the results in (no new page) and puts the search in the address bar.
    results = page.locator("#hasil")
    expect(results.get_by_role("heading", level=2)).to_have_text("1 pelatihan ditemukan")
    expect(page.locator("#status-hasil")).to_have_text("1 pelatihan ditemukan")
    assert parse_qs(urlsplit(page.url).query)["q"] == ["kapasitas"]
    assert page.evaluate("window.__samePage") is True
    expect(results.get_by_text("Sisa 10 kursi")).to_be_visible()
    page.screenshot(path="/tmp/training_catalogue_search.png", full_page=True)

    results.get_by_role("link", name=DEMO_TRAINING_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(DEMO_TRAINING_TITLE)
    expect(page.get_by_text("Sisa 10 kursi dari 10")).to_be_visible()
    page.get_by_role("button", name="Daftar sekarang").click()

    messages = page.locator("#pesan")
    expect(messages).to_have_text(f"Berhasil: Anda terdaftar pada “{DEMO_TRAINING_TITLE}”.")
    expect(page.get_by_text("Sisa 9 kursi dari 10")).to_be_visible()
    expect(page.get_by_text("Anda terdaftar", exact=True)).to_be_visible()
    page.screenshot(path="/tmp/training_detail_registered.png", full_page=True)

    page.get_by_role("link", name="Lihat semua pelatihan saya").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pelatihan saya")
    registered = page.get_by_role("region", name="Terdaftar")
    expect(registered.get_by_role("link", name=DEMO_TRAINING_TITLE)).to_be_visible()
    assigned = page.get_by_role("region", name="Ditugaskan")
    expect(assigned.get_by_role("link")).to_have_count(1)
    expect(assigned.get_by_text("Batas waktu:")).to_be_visible()
    progress = page.get_by_role("progressbar", name="Kemajuan menuju target 20 JP per tahun")
    expect(progress).to_have_attribute("max", "20")
    jp = page.get_by_role("region", name=re.compile("JP saya tahun"))
    expect(jp.get_by_text("Klasikal", exact=True)).to_be_visible()
    page.screenshot(path="/tmp/training_mine.png", full_page=True)

    registered.get_by_role("link", name=DEMO_TRAINING_TITLE).click()
    # Cancelling by keyboard: open the disclosure, then confirm.
    summary = page.get_by_text("Batalkan pendaftaran…")
    summary.focus()
    page.keyboard.press("Enter")
    confirm = page.get_by_role("button", name="Ya, batalkan pendaftaran")
    expect(confirm).to_be_visible()
    page.screenshot(path="/tmp/training_detail_cancel_open.png", full_page=True)
    confirm.focus()
    page.keyboard.press("Enter")

    expect(messages).to_have_text(
        f"Berhasil: Pendaftaran Anda pada “{DEMO_TRAINING_TITLE}” dibatalkan."
    )
    expect(page.get_by_text("Sisa 10 kursi dari 10")).to_be_visible()
    expect(page.get_by_role("button", name="Daftar sekarang")).to_be_visible()
    page.goto("/trainings/mine/")
    expect(
        page.get_by_role("region", name="Terdaftar").get_by_role("link", name=DEMO_TRAINING_TITLE)
    ).to_have_count(0)
    assert csp_violations() == []


def test_training_full_class_waitlists_with_position(page, demo, csp_violations):
    fill_demo_training(10)
    page.set_viewport_size(DESKTOP)
    log_in(page)

    page.goto(DETAIL)
    expect(page.get_by_text("Penuh — daftar tunggu")).to_be_visible()
    page.get_by_role("button", name="Daftar ke daftar tunggu").click()

    expect(page.locator("#pesan")).to_have_text(
        "Peringatan: Kelas penuh — Anda di daftar tunggu nomor 1."
    )
    expect(page.get_by_text("Daftar tunggu nomor 1", exact=True)).to_be_visible()
    page.screenshot(path="/tmp/training_detail_waitlisted.png", full_page=True)
    page.goto("/trainings/mine/")
    waiting = page.get_by_role("region", name="Daftar tunggu")
    expect(waiting.get_by_text("Daftar tunggu nomor 1")).to_be_visible()
    assert csp_violations() == []


def test_training_pages_have_no_serious_accessibility_violations(page, demo, csp_violations):
    fill_demo_training(3)
    page.set_viewport_size(DESKTOP)
    log_in(page)

    page.goto("/trainings/")
    catalogue = serious_violations(page)
    page.goto("/trainings/?q=zzzz&mode=klasikal")
    empty = serious_violations(page)
    page.goto(DETAIL)
    detail = serious_violations(page)
    page.get_by_role("button", name="Daftar sekarang").click()
    page.get_by_text("Batalkan pendaftaran…").click()
    registered = serious_violations(page)
    page.goto("/trainings/mine/")
    mine = serious_violations(page)

    assert catalogue == []
    assert empty == []
    assert detail == []
    assert registered == []
    assert mine == []
    assert csp_violations() == []


def test_training_pages_fit_a_phone_screen(page, demo, csp_violations):
    page.set_viewport_size(PHONE)
    log_in(page)

    page.goto("/trainings/?kind=open")
    catalogue = horizontal_overflow(page)
    page.screenshot(path="/tmp/training_phone_catalogue.png", full_page=True)
    page.goto(DETAIL)
    page.get_by_role("button", name="Daftar sekarang").click()
    expect(page.locator("#pesan")).to_contain_text("Anda terdaftar")
    detail = horizontal_overflow(page)
    page.screenshot(path="/tmp/training_phone_detail.png", full_page=True)
    page.goto("/trainings/mine/")
    mine = horizontal_overflow(page)
    page.screenshot(path="/tmp/training_phone_mine.png", full_page=True)
    phone_violations = serious_violations(page)

    assert catalogue <= 0
    assert detail <= 0
    assert mine <= 0
    assert phone_violations == []
    assert csp_violations() == []
