"""The monthly summary email to HR admins and supervisors: their people's JP compliance share,
those furthest from the target and the largest gaps, with absolute links to the reports; once a
month; opt-out per person (the "monthly_summary" kind at /notifications/)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from competency.models import Competency
from notifications import services as notification_services
from rumahbelajar.people import services as people_services
from rumahbelajar.people.models import PositionKind
from tests.people.factories import PositionFactory, UserFactory
from tests.report_helpers import store_map
from tests.requests import client_for
from training import services
from training.models import LearningRecord

pytestmark = pytest.mark.django_db

SITE = "https://belajar.example.test"


@pytest.fixture
def setup(cast, unit_a1, settings):
    settings.SITE_URL = SITE
    head = UserFactory(email="kepala@example.test", full_name="Kepala Unit A1", unit=unit_a1)
    people_services.set_unit_head(unit=unit_a1, head=head)
    analyst = PositionFactory(
        code="analis", name="Analis SDM", kind=PositionKind.FUNGSIONAL_KEAHLIAN
    )
    m1 = Competency.objects.get(code="M1")
    store_map(cast["employee"], analyst, {m1: (3, 1)})
    store_map(cast["outsider"], analyst, {m1: (4, 1)})
    LearningRecord.objects.create(
        employee=cast["colleague"],
        year=timezone.localdate().year,
        jp=Decimal("20"),
        kind="klasikal",
        activity_type="training",
        description="Diklat",
        date=timezone.localdate(),
    )
    return {**cast, "supervisor": head}


def sent_to(address: str) -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if message.to == [address]]


def test_summary_goes_to_hr_and_supervisors_only(setup):
    sent = services.send_monthly_summaries(today=dt.date(2026, 12, 1))

    assert sent == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["hr@example.test", "kepala@example.test"]


def test_summary_supervisor_sees_their_team_with_share_gaps_and_absolute_links(setup):
    services.send_monthly_summaries(today=dt.date(2026, 12, 1))

    (message,) = sent_to("kepala@example.test")
    html = message.alternatives[0][0]
    assert message.subject == "[Rumah Belajar] Ringkasan bulanan Desember 2026"
    assert "50% memenuhi target (1 dari 2 pegawai)" in message.body
    assert "Alice Pegawai" in message.body
    assert "Charlie Luar" not in message.body
    assert "Bob Rekan" not in message.body.split("Kekurangan JP terbesar:")[1].split("\n\n")[0]
    assert "Analis SDM · M1" in message.body
    assert f"{SITE}/reports/jp/" in message.body
    assert f"{SITE}/reports/competency/" in message.body
    assert f"{SITE}/team/" in message.body
    assert f"{SITE}/notifications/#judul-email" in message.body
    assert f'href="{SITE}/notifications/#judul-email"' in html
    assert "<strong>50%</strong>" in html


def test_summary_hr_sees_their_subtrees(setup):
    services.send_monthly_summaries(today=dt.date(2026, 12, 1))

    (message,) = sent_to("hr@example.test")
    assert "Alice Pegawai" in message.body
    assert "Charlie Luar" not in message.body
    assert f"{SITE}/team/" not in message.body


def test_summary_opted_out_person_gets_none(setup):
    notification_services.set_email_opt_outs(user=setup["supervisor"], kinds=["monthly_summary"])

    services.send_monthly_summaries(today=dt.date(2026, 12, 1))

    assert sent_to("kepala@example.test") == []
    assert len(sent_to("hr@example.test")) == 1


def test_summary_opt_out_through_the_notifications_form(setup):
    client = client_for(setup["hr_admin"])
    kinds = ["report_waiting", "assigned"]

    response = client.post("/notifications/", {"email_kinds": kinds})
    services.send_monthly_summaries(today=dt.date(2026, 12, 1))

    assert response.status_code in (200, 302)
    assert sent_to("hr@example.test") == []


def test_summary_once_a_month(setup):
    first = services.send_monthly_summaries(today=dt.date(2026, 12, 1))
    again = services.send_monthly_summaries(today=dt.date(2026, 12, 1))
    next_month = services.send_monthly_summaries(today=dt.date(2027, 1, 1))

    assert (first, again, next_month) == (2, 0, 2)
