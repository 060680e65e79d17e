"""Certificates in a real browser, on the demo data (seed_demo): the demo employee downloads
their certificate from "my trainings", then an anonymous visitor opens the verification URL
printed beside it and sees the certificate is valid. Accessibility (axe), no CSP violations, a
phone screen without horizontal scrolling. Screenshots go to /tmp/certificate_*.png."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.test_training import (
    DESKTOP,
    PHONE,
    horizontal_overflow,
    log_in,
    serious_violations,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_here(transactional_db, settings, live_server) -> None:
    """The demo data by the real command, its certificates pointing at this live server."""
    settings.SITE_URL = live_server.url
    importlib.import_module("competency.migrations.0002_load_dictionary").load(apps, None)
    call_command("seed_demo", "--employees", "0")


def test_demo_employee_downloads_certificate_and_stranger_verifies_it(
    page: Page, browser, browser_context_args, demo_here, live_server, csp_violations
):
    page.set_viewport_size(DESKTOP)
    log_in(page)
    page.goto("/trainings/mine/")
    link = page.get_by_role("link", name=re.compile("Sertifikat")).first
    expect(link).to_be_visible()
    url_text = link.locator("xpath=..").locator(".training-certificate__url").inner_text()
    page.screenshot(path="/tmp/certificate_mine.png", full_page=True)
    assert serious_violations(page) == []

    with page.expect_download() as download_info:
        link.click()
    path = download_info.value.path()

    with open(path, "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert url_text.startswith(live_server.url + "/verify/")
    assert csp_violations() == []

    stranger = browser.new_context(**browser_context_args)
    try:
        visit = stranger.new_page()
        visit.goto(url_text)
        expect(visit.get_by_role("heading", level=2)).to_have_text("Sertifikat SAH")
        expect(visit.get_by_role("heading", level=1)).to_have_text("Verifikasi Sertifikat")
        visit.screenshot(path="/tmp/certificate_verify.png", full_page=True)
        assert serious_violations(visit) == []
        visit.set_viewport_size(PHONE)
        assert horizontal_overflow(visit) <= 0
    finally:
        stranger.close()
