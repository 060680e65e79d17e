"""The JP compliance report (/reports/jp/): scoping, the figures, exports, query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from rumahbelajar.people.models import EmployeeType
from tests.conftest import PASSWORD
from tests.people.factories import UserFactory
from tests.report_helpers import HR_REPORT_ACCESS, other_hr_admin
from tests.training.factories import TrainingFactory, recorded_activity
from training import selectors, services
from training.cache import bump_reports_version
from training.models import LearningKind, TrainingKind

pytestmark = pytest.mark.django_db

URL = "/reports/jp/"


def login(client, user) -> None:
    assert client.login(username=user.email, password=PASSWORD)


@pytest.fixture
def ledger(cast):
    """Alice 12 klasikal + 10 nonklasikal (compliant); Bob 5 klasikal and an assigned mandated
    training not done; Charlie (other office) nothing."""
    hr = cast["hr_admin"]
    year = timezone.localdate().year
    day = dt.date(year, 1, 15)
    for person, jp, kind in (
        (cast["employee"], 12, LearningKind.KLASIKAL),
        (cast["employee"], 10, LearningKind.NONKLASIKAL),
        (cast["colleague"], 5, LearningKind.KLASIKAL),
    ):
        recorded_activity(person, by=hr, jp=jp, kind=kind, date=day)
    recorded_activity(
        cast["employee"], by=hr, jp=50, kind=LearningKind.KLASIKAL, date=dt.date(year - 1, 6, 1)
    )
    wajib = TrainingFactory(title="Pelatihan Wajib Etika", kind=TrainingKind.MANDATED)
    services.assign(training=wajib, employees=[cast["colleague"]], assigned_by=hr)
    return cast


@pytest.mark.parametrize(("who", "status"), HR_REPORT_ACCESS)
def test_jp_report_access_by_cast(client, ledger, who, status):
    login(client, ledger[who])

    assert client.get(URL).status_code == status
    assert client.get(URL, {"format": "csv"}).status_code == status


def test_jp_report_rows_sorted_by_shortfall_with_open_assignments(client, ledger):
    login(client, ledger["hr_admin"])

    response = client.get(URL)

    report = response.context["report"]
    names = [row.full_name for row in report.rows]
    assert names.index("Bob Rekan") < names.index("Alice Pegawai")
    bob = next(row for row in report.rows if row.full_name == "Bob Rekan")
    alice = next(row for row in report.rows if row.full_name == "Alice Pegawai")
    assert (bob.klasikal, bob.nonklasikal, bob.shortfall) == (Decimal(5), Decimal(0), Decimal(15))
    assert bob.open_assigned_titles == "Pelatihan Wajib Etika"
    assert (alice.total, alice.compliant) == (Decimal(22), True)
    assert "Charlie Luar" not in names
    assert "Pelatihan Wajib Etika" in response.content.decode()


def test_jp_report_share_compliant(client, ledger):
    login(client, ledger["hr_admin"])

    report = client.get(URL).context["report"]

    # Alice, Bob and the HR admin (who has an NIP too) are the subtree's employees.
    assert (report.people, report.compliant, report.compliant_percent) == (3, 1, 33)


def test_jp_report_other_subtree_hr_sees_only_theirs(client, ledger, kanwil_b):
    login(client, other_hr_admin(kanwil_b))

    report = client.get(URL).context["report"]
    export = client.get(URL, {"format": "csv"})

    assert {row.full_name for row in report.rows} == {"Charlie Luar", "Hadi SDM B"}
    assert "Alice" not in export.content.decode("utf-8-sig")


def test_jp_report_pppk_target_is_a_setting(settings, unit_a1, cast):
    settings.TRAINING_JP_TARGET_PPPK = 10
    pppk = UserFactory(
        email="pppk@example.test",
        unit=unit_a1,
        employee_type=EmployeeType.PPPK,
        nip="198609262021212001",
    )
    scope = selectors.ReportScope(everyone=True)

    report = selectors.jp_compliance(scope=scope)

    row = next(row for row in report.rows if row.id == pppk.pk)
    assert (row.target, row.shortfall) == (10, Decimal(10))


def test_jp_report_exports_match_page(client, ledger):
    login(client, ledger["hr_admin"])

    page = client.get(URL).context["report"]
    as_csv = list(
        csv.reader(io.StringIO(client.get(URL, {"format": "csv"}).content.decode("utf-8-sig")))
    )
    sheet = load_workbook(io.BytesIO(client.get(URL, {"format": "xlsx"}).content)).active
    as_xlsx = list(sheet.iter_rows(values_only=True))

    shown = [(row.nip, row.full_name, str(row.total), str(row.shortfall)) for row in page.rows]
    assert [(r[0], r[1], r[6], r[8]) for r in as_csv[1:]] == shown
    assert [(r[0], r[1]) for r in as_xlsx[1:]] == [(row.nip, row.full_name) for row in page.rows]


def test_jp_report_queries_constant_in_people(client, ledger, unit_a1):
    login(client, ledger["hr_admin"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    few = count()
    for _n in range(60):  # past one page
        UserFactory(unit=unit_a1)
    bump_reports_version()  # new people reach a cached report within its lifetime; now here
    many = count()

    assert few == many
    assert client.get(URL, {"page": 2}).context["report"].rows
    assert client.get(URL, {"page": 99}).context["report"].people == 63


def test_jp_report_garbage_never_500(client, ledger):
    login(client, ledger["hr_admin"])

    for params in ({"unit": "x"}, {"page": "-3"}, {"format": "pdf"}, {"unit": "\x00"}):
        assert client.get(URL, params).status_code == 200


def test_jp_report_shared_fragment_moves_on_with_a_ledger_write(client, ledger):
    login(client, ledger["hr_admin"])
    client.get(URL)  # kept in the cache for the scope

    recorded_activity(ledger["colleague"], by=ledger["hr_admin"], jp=15)
    response = client.get(URL)

    assert "Memenuhi target" in response.content.decode()
    assert "2 (67%)" in response.content.decode()
