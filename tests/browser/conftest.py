"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright's sync API.

Playwright's sync API runs an event loop in the test thread, and Django refuses database access
from inside one unless told otherwise: the tests are synchronous, so that is safe here.
"""

from __future__ import annotations

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

# Created by `seed_demo` (see the demo_accounts fixture).
DEMO_EMAIL = "pegawai@demo.rumahbelajar.id"
DEMO_PASSWORD = "rumahbelajar-demo"

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]

# Records every CSP violation the page reports, from before the first script of the page runs.
# Playwright injects this through the DevTools protocol, so the page's own CSP does not block it.
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture(scope="session")
def browser() -> Browser:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def console_messages() -> list[ConsoleMessage]:
    """What the page logged to the console during the test."""
    return []


@pytest.fixture
def browser_context_args(live_server) -> dict:
    """Options of every test's browser context, pointed at the live server.

    The browser asks for Indonesian, as the portal's people's browsers do; LocaleMiddleware
    would otherwise answer Chromium's default en-US with English once its catalogue exists.
    """
    return {
        "base_url": live_server.url,
        "locale": "id-ID",
        "viewport": {"width": 1280, "height": 800},
    }


@pytest.fixture
def page(
    browser: Browser, browser_context_args: dict, console_messages: list[ConsoleMessage]
) -> Page:
    """A page in a fresh browser context per test (no cookies shared)."""
    context = browser.new_context(**browser_context_args)
    context.set_default_timeout(10_000)
    context.add_init_script(CSP_RECORDER)
    page = context.new_page()
    page.on("console", lambda message: console_messages.append(message))
    yield page
    context.close()


@pytest.fixture
def csp_violations(page: Page, console_messages: list[ConsoleMessage]):
    """A function listing the CSP violations so far: console errors and the page's own events."""

    def collect() -> list[str]:
        logged = [
            message.text
            for message in console_messages
            if message.type == "error" and "Content Security Policy" in message.text
        ]
        return logged + page.evaluate("window.__cspViolations || []")

    return collect


@pytest.fixture
def demo_accounts(transactional_db) -> None:
    """The contract's demo accounts, made by the real command (no numbered employees)."""
    call_command("seed_demo", "--employees", "0")
