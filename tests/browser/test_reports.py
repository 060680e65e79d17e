"""The competency report in a real browser, on the demo data (seed_demo): hr@ opens the heatmap,
drills into a cell below the standard and nominates its people for a training; axe finds no
serious violation on the heatmap, the cell or the nomination page, and no CSP violation."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from playwright.sync_api import Page, expect

from competency.models import CompetencyMapItem
from tests.browser.test_training import log_in, serious_violations
from tests.training.factories import TrainingFactory
from training.models import Enrollment, EnrollmentSource, TrainingCompetency

pytestmark = pytest.mark.browser

HR_EMAIL = "hr@demo.rumahbelajar.id"
PASSWORD = "rumahbelajar-demo"


@pytest.fixture
def demo(transactional_db) -> None:
    importlib.import_module("competency.migrations.0002_load_dictionary").load(apps, None)
    call_command("seed_demo", "--employees", "0")


def test_hr_nominates_a_cell_below_standard_for_a_training(page: Page, demo, csp_violations):
    item = (
        CompetencyMapItem.objects.filter(
            gap__gt=0, map__employee__email="pegawai@demo.rumahbelajar.id"
        )
        .select_related("map", "competency")
        .order_by("-gap", "competency__code")
        .first()
    )
    assert item is not None, "the demo employee has a gap"
    training = TrainingFactory(title="Pelatihan Usulan Uji", capacity=5)
    TrainingCompetency.objects.create(training=training, competency=item.competency, level=5)
    log_in(page, HR_EMAIL, PASSWORD)

    page.goto("/reports/competency/")
    expect(page.get_by_role("heading", name="Laporan kompetensi")).to_be_visible()
    assert serious_violations(page) == []
    page.locator(
        f'a[href*="position={item.map.position_id}&competency={item.competency.code}"]'
    ).first.click()
    expect(page.get_by_role("link", name="Usulkan pelatihan")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_role("link", name="Usulkan pelatihan").click()
    page.get_by_label(re.compile("Pelatihan Usulan Uji")).check()
    page.get_by_role("button", name="Pilih pelatihan ini").click()
    expect(page.get_by_role("heading", name=re.compile("Draf penugasan"))).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_role("button", name="Konfirmasi penugasan").click()

    expect(page.get_by_text(re.compile("ditugaskan ke Pelatihan Usulan Uji"))).to_be_visible()
    enrolled = Enrollment.objects.filter(training=training, source=EnrollmentSource.ASSIGNED)
    assert enrolled.filter(employee=item.map.employee).exists()
    assert csp_violations() == []
