"""What to learn next in a real browser, with the demo data: the demo employee sees on their map a
recommended training with its reason and follows it; the target position side by side; the
dashboard's "Langkah berikutnya"; the target page by keyboard. Accessibility (axe), no CSP
violations, a phone-sized screen."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_EMAIL, DEMO_PASSWORD
from tests.browser.test_competency_map import horizontal_overflow, serious_violations

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
TRAINING = "Pelatihan Perancangan Peraturan Perundang-undangan"
WHY = (
    "Perancangan Peraturan Perundang-undangan: level Anda 1, jabatan Anda memerlukan 3 — "
    "pelatihan ini untuk level 2"
)


# On failure: the elements that stick out of the viewport, to say what overflows.
WIDEST = """
[...document.querySelectorAll("body *")]
  .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(-5)
  .map((el) => `${el.tagName}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`)
"""


def log_in(page: Page) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(DEMO_EMAIL)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(lambda url: urlsplit(url).path == "/")


def test_demo_employee_follows_a_recommended_training_from_the_map(
    page, demo_accounts, csp_violations
):
    log_in(page)

    page.goto("/competency/")

    panel = page.locator("section.cmap-develop")
    step = panel.locator("li.step", has=page.get_by_role("link", name=TRAINING)).first
    expect(step).to_be_visible()
    expect(step).to_contain_text(WHY)
    expect(page.get_by_role("heading", name="Jabatan sekarang dan jabatan target")).to_contain_text(
        "Analis Hukum Ahli Muda"
    )
    expect(panel).to_contain_text("untuk jabatan target")
    assert serious_violations(page) == []

    step.get_by_role("link", name=TRAINING).click()

    page.wait_for_url(lambda url: urlsplit(url).path.startswith("/trainings/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TRAINING)
    assert csp_violations() == []


def test_demo_employee_sees_next_steps_on_the_dashboard(page, demo_accounts, csp_violations):
    log_in(page)

    section = page.locator("section#langkah")
    expect(section.get_by_role("heading", name="Langkah berikutnya")).to_be_visible()
    expect(section.locator("li.step--training").first).to_be_visible()
    expect(section.locator("li.step--ebook").first).to_be_visible()
    expect(section.locator(".step__why").first).to_contain_text("jabatan")
    assert serious_violations(page) == []
    assert csp_violations() == []


def test_target_page_by_keyboard_then_the_map_on_a_phone(page, demo_accounts, csp_violations):
    page.set_viewport_size(PHONE)
    log_in(page)
    page.goto("/competency/target/")
    assert serious_violations(page) == []

    search = page.get_by_label("Cari jabatan")
    search.fill("Pranata")
    search.press("Enter")
    choice = page.get_by_role("radio", name="Pranata Komputer Mahir")
    choice.focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Simpan jabatan target").press("Enter")

    page.wait_for_url(lambda url: urlsplit(url).path == "/competency/")
    expect(page.get_by_role("status")).to_contain_text("Pranata Komputer Mahir")
    expect(page.locator("#judul-target")).to_contain_text("Pranata Komputer Mahir")
    assert horizontal_overflow(page) <= 0, page.evaluate(WIDEST)
    assert serious_violations(page) == []
    assert csp_violations() == []
