"""The e-book pages in a real browser: search (htmx and the address bar), a book's page, the pdf.js
reader (page 1 drawn, move to page 3, reload, back at page 3), keyboard and zoom, accessibility
(axe), no CSP violations, and a 360 px phone screen without horizontal scrolling."""

from __future__ import annotations

import io
import random
from urllib.parse import parse_qs, urlsplit

import pytest
from fpdf import FPDF
from PIL import Image
from playwright.sync_api import Page, expect

from ebooks import services
from ebooks.models import Category, Ebook
from tests.browser.pages import DESKTOP, PHONE, horizontal_overflow, log_in, serious_violations
from tests.conftest import PASSWORD
from tests.ebooks.test_views import make_book

pytestmark = pytest.mark.browser

LOREM = (
    "Setiap aparatur sipil negara wajib menjunjung tinggi hukum dan hak asasi manusia dalam "
    "memberikan pelayanan publik yang adil, cepat, dan transparan kepada masyarakat. "
)


@pytest.fixture
def library(transactional_db) -> dict[str, Ebook]:
    law = Category.objects.create(name="Hukum", slug="hukum", sort_order=1)
    service = Category.objects.create(name="Pelayanan Publik", slug="pelayanan-publik")
    return {
        "hukum": make_book(
            "Dasar-Dasar Hukum Administrasi Negara",
            pages=6,
            body=LOREM * 6,
            authors="Siti Rahma; Budi Santoso",
            publisher="BPSDM Hukum",
            year=2024,
            description="Pengantar hukum administrasi negara bagi ASN: asas, wewenang, dan "
            "keputusan tata usaha negara.",
            categories=(law,),
            competencies={"M1": 2, "SK1": 3},
        ),
        "ham": make_book(
            "Hak Asasi Manusia dalam Pelayanan Pemasyarakatan",
            pages=4,
            body=LOREM * 4,
            year=2023,
            categories=(law, service),
        ),
        "layanan": make_book(
            "Standar Pelayanan Publik",
            pages=3,
            body="Maklumat pelayanan dan survei kepuasan masyarakat. " * 10,
            year=2022,
            categories=(service,),
        ),
    }


def wait_for_page_drawn(page: Page, number: int) -> None:
    expect(page.locator("[data-reader]")).to_have_attribute(
        "data-rendered-page", str(number), timeout=15_000
    )


def canvas_has_ink(page: Page) -> bool:
    """Some pixel of the drawn page is dark: text was rendered, not just a white box."""
    return page.evaluate(
        """() => {
            const canvas = document.querySelector("[data-canvas]");
            const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
            for (let i = 0; i < data.length; i += 4) {
                if (data[i + 3] > 0 && data[i] < 100 && data[i + 1] < 100 && data[i + 2] < 100) {
                    return true;
                }
            }
            return false;
        }"""
    )


def test_ebooks_search_open_read_move_reload_reopens_at_saved_page(
    page, library, employee, csp_violations
):
    page.set_viewport_size(DESKTOP)
    log_in(page, employee.email, PASSWORD)
    page.get_by_role("navigation", name="Navigasi utama").get_by_role("link", name="E-book").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Perpustakaan E-book")
    page.evaluate("window.__samePage = true")

    page.get_by_label("Cari e-book").fill("hukum")

    # htmx swaps the results in (no new page) and puts the search in the address bar.
    results = page.locator("#hasil")
    expect(results.get_by_role("heading", level=2)).to_have_text("2 e-book ditemukan")
    expect(results.locator("mark").first).to_be_visible()
    assert parse_qs(urlsplit(page.url).query)["q"] == ["hukum"]
    assert page.evaluate("window.__samePage") is True
    expect(page.locator("#status-hasil")).to_have_text("2 e-book ditemukan")
    page.screenshot(path="/tmp/ebooks_catalogue_search.png", full_page=True)

    results.get_by_role("link", name=library["hukum"].title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(library["hukum"].title)
    page.screenshot(path="/tmp/ebooks_detail.png", full_page=True)
    page.get_by_role("link", name="Baca").click()

    wait_for_page_drawn(page, 1)
    page_number = page.get_by_label("Halaman", exact=True)
    expect(page_number).to_have_value("1")
    assert canvas_has_ink(page)
    expect(page.locator("#kemajuan-baca")).to_have_attribute("value", "1")
    page.screenshot(path="/tmp/ebooks_reader_page1.png")

    next_page = page.get_by_role("button", name="Halaman berikutnya")
    next_page.click()
    wait_for_page_drawn(page, 2)
    next_page.click()
    wait_for_page_drawn(page, 3)
    expect(page_number).to_have_value("3")
    expect(page.locator("[data-announce]")).to_have_text("Halaman 3 dari 6")
    expect(page.locator("[data-reader]")).to_have_attribute("data-saved-page", "3", timeout=8_000)
    page.reload()

    wait_for_page_drawn(page, 3)
    expect(page_number).to_have_value("3")
    expect(page.locator("[data-progress-text]")).to_have_text("Halaman 3 dari 6 · 50%")
    assert canvas_has_ink(page)
    page.screenshot(path="/tmp/ebooks_reader_page3.png")
    assert csp_violations() == []


def test_ebooks_reader_keyboard_page_input_and_zoom(page, library, employee, csp_violations):
    page.set_viewport_size(DESKTOP)
    log_in(page, employee.email, PASSWORD)
    page.goto(f"/ebooks/{library['hukum'].slug}/read")
    wait_for_page_drawn(page, 1)
    canvas = page.locator("[data-canvas]")
    auto_width = canvas.bounding_box()["width"]

    page.keyboard.press("ArrowRight")
    wait_for_page_drawn(page, 2)
    page.keyboard.press("ArrowLeft")
    wait_for_page_drawn(page, 1)
    page_number = page.get_by_label("Halaman", exact=True)
    page_number.fill("5")
    page_number.press("Enter")
    wait_for_page_drawn(page, 5)
    expect(page.get_by_role("button", name="Halaman berikutnya")).to_be_enabled()
    page_number.fill("99")
    page_number.press("Enter")
    wait_for_page_drawn(page, 6)
    expect(page_number).to_have_value("6")
    expect(page.get_by_role("button", name="Halaman berikutnya")).to_be_disabled()

    # The first view fits the width up to 150 %; "Sesuaikan lebar" fills the stage's width.
    fit_button = page.get_by_role("button", name="Sesuaikan lebar")
    expect(fit_button).to_have_attribute("aria-pressed", "false")
    expect(page.locator("[data-zoom-level]")).to_have_text("150%")
    page.get_by_role("button", name="Perbesar").click()
    page.wait_for_function(
        f"document.querySelector('[data-canvas]').getBoundingClientRect().width > {auto_width + 10}"
    )
    expect(page.locator("[data-zoom-level]")).to_have_text("188%")
    page.get_by_role("button", name="Perkecil").click()
    page.get_by_role("button", name="Perkecil").click()
    page.wait_for_function(
        f"document.querySelector('[data-canvas]').getBoundingClientRect().width < {auto_width - 10}"
    )
    fit_button.click()
    expect(fit_button).to_have_attribute("aria-pressed", "true")
    page.wait_for_function(
        """() => {
            const stage = document.querySelector('[data-stage]');
            const canvas = document.querySelector('[data-canvas]').getBoundingClientRect();
            const style = getComputedStyle(stage);
            const inner = stage.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
            return Math.abs(canvas.width - inner) < 2;
        }"""
    )
    assert csp_violations() == []


def big_pdf(pages: int = 8) -> bytes:
    """A PDF of about 1.5 MB: a page of random pixels (nothing compresses them), then text."""
    noise = Image.frombytes("RGB", (400, 400), random.Random(7).randbytes(400 * 400 * 3))
    pdf = FPDF()
    pdf.set_font("helvetica", size=14)
    pdf.add_page()
    pdf.cell(text="Lampiran Peraturan: Peta Wilayah")
    pdf.image(noise, x=10, y=30, w=190)
    for number in range(2, pages + 1):
        pdf.add_page()
        pdf.multi_cell(0, 10, f"Halaman {number}\n{LOREM}")
    return bytes(pdf.output())


def test_ebooks_reader_opens_a_large_pdf_by_range_requests(
    page, transactional_db, employee, csp_violations
):
    outcome = services.import_ebook(
        path_or_file=io.BytesIO(big_pdf()), original_name="lampiran.pdf", title="Lampiran Besar"
    )
    book = outcome.ebook
    assert book.size_bytes > 400_000
    ranges: list[tuple[str, int]] = []
    page.on(
        "response",
        lambda response: (
            ranges.append((response.request.headers.get("range"), response.status))
            if urlsplit(response.url).path == f"/ebooks/{book.pk}/file"
            else None
        ),
    )
    log_in(page, employee.email, PASSWORD)

    page.goto(f"/ebooks/{book.slug}/read?page=2")
    wait_for_page_drawn(page, 2)

    # pdf.js saw Accept-Ranges and asked for pieces instead of the whole file.
    partial = [(header, status) for header, status in ranges if header]
    assert partial, ranges
    assert all(status == 206 for _header, status in partial)
    assert canvas_has_ink(page)
    assert csp_violations() == []


def test_ebooks_filter_by_category_and_favourite_with_htmx(page, library, employee, csp_violations):
    page.set_viewport_size(DESKTOP)
    log_in(page, employee.email, PASSWORD)
    page.goto("/ebooks/")
    page.evaluate("window.__samePage = true")

    page.get_by_role("combobox", name="Kategori").select_option("pelayanan-publik")

    results = page.locator("#hasil")
    expect(results.get_by_role("heading", level=2)).to_have_text("2 e-book ditemukan")
    expect(results.get_by_text("Kategori: Pelayanan Publik")).to_be_visible()
    assert parse_qs(urlsplit(page.url).query)["category"] == ["pelayanan-publik"]
    assert page.evaluate("window.__samePage") is True

    results.get_by_role("link", name=library["layanan"].title).click()
    page.get_by_role("button", name="Tambah ke favorit").click()
    expect(page.get_by_role("button", name="Hapus dari favorit")).to_be_focused()
    expect(page.locator("#pesan")).to_contain_text("ditambahkan ke favorit")
    page.goto("/ebooks/")
    favourites = page.get_by_role("region", name="Favorit saya")
    expect(favourites.get_by_role("link", name=library["layanan"].title)).to_be_visible()
    assert csp_violations() == []


def test_ebooks_pages_have_no_serious_accessibility_violations(
    page, library, employee, csp_violations
):
    page.set_viewport_size(DESKTOP)
    log_in(page, employee.email, PASSWORD)
    page.goto(f"/ebooks/{library['ham'].slug}/read")
    wait_for_page_drawn(page, 1)
    page.keyboard.press("ArrowRight")
    expect(page.locator("[data-reader]")).to_have_attribute("data-saved-page", "2", timeout=8_000)

    page.goto("/ebooks/")
    catalogue = serious_violations(page)
    page.screenshot(path="/tmp/ebooks_catalogue.png", full_page=True)
    page.goto("/ebooks/?q=zzzzzz&category=hukum")
    empty = serious_violations(page)
    page.screenshot(path="/tmp/ebooks_empty.png", full_page=True)
    page.goto(f"/ebooks/{library['hukum'].slug}/")
    detail = serious_violations(page)
    page.goto(f"/ebooks/{library['hukum'].slug}/read")
    wait_for_page_drawn(page, 1)
    reader = serious_violations(page)

    assert catalogue == []
    assert empty == []
    assert detail == []
    assert reader == []
    assert csp_violations() == []


def test_ebooks_fit_a_phone_screen(page, library, employee, csp_violations):
    page.set_viewport_size(PHONE)
    log_in(page, employee.email, PASSWORD)

    page.goto("/ebooks/?q=hukum")
    catalogue = horizontal_overflow(page)
    page.screenshot(path="/tmp/ebooks_phone_catalogue.png", full_page=True)
    page.goto(f"/ebooks/{library['hukum'].slug}/")
    detail = horizontal_overflow(page)
    page.screenshot(path="/tmp/ebooks_phone_detail.png", full_page=True)
    page.goto(f"/ebooks/{library['hukum'].slug}/read")
    wait_for_page_drawn(page, 1)
    reader = horizontal_overflow(page)
    canvas = page.locator("[data-canvas]").bounding_box()
    page.screenshot(path="/tmp/ebooks_phone_reader.png")
    phone_violations = serious_violations(page)

    assert catalogue <= 0
    assert detail <= 0
    assert reader <= 0
    # Fit width by default: the whole width of the page is on the screen.
    assert canvas["x"] >= 0
    assert canvas["x"] + canvas["width"] <= PHONE["width"]
    assert canvas["width"] > PHONE["width"] * 0.8
    assert phone_violations == []
    assert csp_violations() == []
