"""The layout in a real browser: log in as the demo employee, Indonesian then English,
accessibility (axe), a phone-sized screen, and nothing blocked by the Content-Security-Policy."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.pages import PHONE, log_in, serious_violations

pytestmark = pytest.mark.browser


def english_catalogue_compiled() -> bool:
    return any(
        (Path(path) / "en" / "LC_MESSAGES" / "django.mo").exists() for path in settings.LOCALE_PATHS
    )


def test_layout_demo_employee_sees_indonesian_then_switches_to_english(
    page, demo_accounts, csp_violations
):
    log_in(page)

    expect(page.locator("html")).to_have_attribute("lang", "id")
    nav = page.get_by_role("navigation", name="Navigasi utama")
    expect(nav.get_by_role("link", name="Beranda")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="Peta Kompetensi")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Selamat datang")

    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Bahasa Indonesia")).to_have_attribute(
        "aria-pressed", "false"
    )
    if english_catalogue_compiled():
        expect(page.get_by_role("navigation").first).to_contain_text("Home")
    assert csp_violations() == []


def test_layout_login_page_and_dashboard_have_no_serious_accessibility_violations(
    page, demo_accounts, csp_violations
):
    page.goto("/accounts/login/")
    login_violations = serious_violations(page)
    log_in(page)
    dashboard_violations = serious_violations(page)

    assert login_violations == []
    assert dashboard_violations == []
    assert csp_violations() == []


def test_layout_phone_menu_button_opens_nav_by_keyboard_without_horizontal_scroll(
    page, demo_accounts, csp_violations
):
    page.set_viewport_size(PHONE)
    log_in(page)
    toggle = page.get_by_role("button", name="Menu")
    nav_link = page.get_by_role("navigation").get_by_role("link", name="Peta Kompetensi")

    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(nav_link).to_be_hidden()
    toggle.focus()
    page.keyboard.press("Enter")

    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav_link).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    assert csp_violations() == []


def test_layout_phone_login_page_has_no_horizontal_scroll(page, demo_accounts):
    page.set_viewport_size(PHONE)

    page.goto("/accounts/login/")

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_layout_phone_without_javascript_shows_the_nav(
    browser, browser_context_args, demo_accounts
):
    context = browser.new_context(
        **{**browser_context_args, "viewport": PHONE}, java_script_enabled=False
    )
    page = context.new_page()

    log_in(page)

    expect(
        page.get_by_role("navigation").get_by_role("link", name="Peta Kompetensi")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()
