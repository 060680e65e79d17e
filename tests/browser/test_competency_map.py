"""The competency map page in a real browser: chart and table, keyboard, accessibility (axe), no
CSP violations, a phone-sized screen, and the "being updated" state refreshing itself."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from playwright.sync_api import expect

from competency import services
from competency.models import Competency, CompetencyLevel
from tests.browser.pages import DESKTOP, PHONE, horizontal_overflow, log_in, serious_violations
from tests.competency.factories import ResultFactory, TechnicalCompetencyFactory
from tests.conftest import PASSWORD
from tests.people.factories import PositionFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def dictionary(transactional_db):
    """The regulation's nine competencies. Their data migration ran once, but a transactional
    test before this one may have flushed them: load them again (the loader is idempotent)."""
    if not Competency.objects.filter(code="M1").exists():
        importlib.import_module("competency.migrations.0002_load_dictionary").load(apps, None)


def give_realistic_map(person) -> None:
    """An Ahli Muda's standard (level 3 on the nine, three technical competencies) and results
    with gaps of different sizes, a surplus and two competencies never assessed."""
    person.position = PositionFactory(code="analis-hukum-muda", name="Analis Hukum Ahli Muda")
    person.save(update_fields=["position"])
    technical = [
        TechnicalCompetencyFactory(code="T1", name="Penyusunan Peraturan Perundang-undangan"),
        TechnicalCompetencyFactory(code="T2", name="Analisis dan Evaluasi Hukum"),
        TechnicalCompetencyFactory(code="T3", name="Pelayanan Kekayaan Intelektual"),
    ]
    for competency in technical:
        for level in range(1, 6):
            CompetencyLevel.objects.get_or_create(
                competency=competency,
                level=level,
                defaults={
                    "description": f"Mampu menerapkan {competency.name.lower()} pada level {level}",
                    "indicators": ["Memahami dasar-dasarnya", "Menerapkannya dalam tugas"],
                },
            )
    fixed = list(
        Competency.objects.filter(code__in=["M1", "M2", "M3", "M4", "M5", "M6", "M7", "M8", "SK1"])
    )
    levels = dict.fromkeys(fixed, 3) | {technical[0]: 3, technical[1]: 2, technical[2]: 2}
    services.set_position_standard(position=person.position, levels=levels)
    achieved = {"M1": 3, "M2": 2, "M3": 4, "M4": 1, "M5": 3, "M6": 2, "M7": 3, "SK1": 3, "T1": 1}
    by_code = {c.code: c for c in [*fixed, *technical]}
    for code, level in achieved.items():
        ResultFactory(
            employee=person,
            competency=by_code[code],
            level=max(level - 1, 1),
            assessed_on=dt.date(2025, 2, 3),
        )
        ResultFactory(
            employee=person, competency=by_code[code], level=level, assessed_on=dt.date(2026, 3, 12)
        )
    services.recompute_map(employee_id=person.pk)


def test_competency_map_employee_sees_chart_table_and_next_level_by_keyboard(
    page, dictionary, employee, csp_violations
):
    give_realistic_map(employee)
    page.set_viewport_size(DESKTOP)
    log_in(page, employee.email, PASSWORD)

    page.goto("/competency/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Peta Kompetensi Saya")
    chart = page.locator("svg.gap-chart--wide[role=img]")
    expect(chart).to_be_visible()
    expect(chart).to_have_accessible_name("Level standar dan level capaian per kompetensi")
    expect(page.locator("svg.gap-chart--narrow")).to_be_hidden()
    expect(page.get_by_role("table", name="Manajerial")).to_be_visible()
    expect(page.get_by_role("row", name="M4 Orientasi pada Hasil")).to_contain_text(
        "Di bawah standar"
    )
    expect(page.locator(".cmap-jpm__value")).to_have_text("61,76%")
    expect(page.locator(".cmap-band")).to_contain_text("Kurang Optimal")

    summary = page.locator("summary", has_text="Orientasi pada Hasil")
    summary.focus()
    page.keyboard.press("Enter")

    details = page.locator("details.cmap-next", has=summary)
    expect(details).to_have_attribute("open", "")
    level_2 = CompetencyLevel.objects.get(competency__code="M4", level=2)
    expect(details.get_by_text(level_2.description)).to_be_visible()
    page.locator(".cmap-history__summary").press("Enter")
    expect(page.get_by_role("table", name="Riwayat hasil asesmen per kompetensi")).to_be_visible()
    page.screenshot(path="/tmp/map_desktop.png", full_page=True)
    assert serious_violations(page) == []
    assert csp_violations() == []


def test_competency_map_fits_a_phone_screen(page, dictionary, employee, csp_violations):
    give_realistic_map(employee)
    page.set_viewport_size(PHONE)
    log_in(page, employee.email, PASSWORD)

    page.goto("/competency/")
    page.locator("details.cmap-next").first.locator("summary").click()
    page.locator(".cmap-history__summary").click()

    expect(page.locator("svg.gap-chart--narrow[role=img]")).to_be_visible()
    expect(page.locator("svg.gap-chart--wide")).to_be_hidden()
    assert horizontal_overflow(page) <= 0
    page.screenshot(path="/tmp/map_phone.png", full_page=True)
    assert serious_violations(page) == []
    assert csp_violations() == []


def test_competency_map_being_updated_refreshes_itself_once_computed(
    page, dictionary, employee, csp_violations
):
    give_realistic_map(employee)
    # A new result arrived: the map is stale until a worker recomputes it.
    services.mark_maps_stale(employee_ids=[employee.pk])
    log_in(page, employee.email, PASSWORD)
    page.goto("/competency/")
    status = page.get_by_role("status").filter(has_text="sedang diperbarui")
    expect(status).to_be_visible()
    page.screenshot(path="/tmp/map_updating.png")
    assert serious_violations(page) == []

    services.recompute_map(employee_id=employee.pk)

    expect(page.get_by_role("table", name="Manajerial")).to_be_visible(timeout=8_000)
    expect(status).to_have_count(0)
    expect(page.locator("#pesan")).to_contain_text("Peta kompetensi telah diperbarui.")
    assert csp_violations() == []
