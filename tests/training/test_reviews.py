"""Readers' reviews: an approved report on a catalogue book, if its author ticked "tampilkan
sebagai ulasan", shows on the book's page; its author or a content admin withdraws it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rumahbelajar.people.roles import CONTENT_ADMIN, ensure_role_groups
from tests.ebooks.factories import EbookFactory
from tests.people.factories import UserFactory
from tests.requests import client_for
from tests.training.test_activities import form_data
from training import services
from training.models import ActivityReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(db):
    return EbookFactory(title="Hukum Administrasi Negara")


def reviewed(employee, head, book, *, show=True) -> ActivityReport:
    data = form_data(kind="self_study", ebook=str(book.pk), summary="Buku yang sangat jelas.")
    if show:
        data["show_as_review"] = "on"
    client_for(employee).post(reverse("training:activity-new"), data)
    report = ActivityReport.objects.get(employee=employee)
    services.approve_report(report=report, by=head)
    return report


def page(user, book) -> str:
    return client_for(user).get(f"/ebooks/{book.slug}/").content.decode()


def test_review_shown_with_name_and_unit_once_approved(cast, head, employee, colleague, book):
    reviewed(employee, head, book)

    html = page(colleague, book)

    assert "Buku yang sangat jelas." in html
    assert "Alice Pegawai" in html
    assert "Unit A1" in html


def test_review_not_shown_without_the_tick(cast, head, employee, colleague, book):
    reviewed(employee, head, book, show=False)

    assert "Buku yang sangat jelas." not in page(colleague, book)


def test_review_not_shown_before_approval(cast, head, employee, colleague, book):
    data = form_data(kind="self_study", ebook=str(book.pk), summary="Belum disetujui.")
    data["show_as_review"] = "on"
    client_for(employee).post(reverse("training:activity-new"), data)

    assert "Belum disetujui." not in page(colleague, book)


def test_review_withdrawn_by_author(cast, head, employee, colleague, book):
    report = reviewed(employee, head, book)

    response = client_for(employee).post(
        reverse("training:activity-withdraw-review", args=[report.pk])
    )

    assert response.status_code == 302
    assert "Buku yang sangat jelas." not in page(colleague, book)


def test_review_withdrawn_by_content_admin(cast, head, employee, colleague, book, unit_a1):
    editor = UserFactory(email="konten@example.test", unit=unit_a1, is_staff=True)
    editor.groups.add(ensure_role_groups()[CONTENT_ADMIN])
    report = reviewed(employee, head, book)

    response = client_for(editor).post(
        reverse("training:activity-withdraw-review", args=[report.pk])
    )

    assert response.status_code == 302
    assert "Buku yang sangat jelas." not in page(colleague, book)


@pytest.mark.parametrize("who", ["colleague", "outsider", "hr_admin"])
def test_review_not_withdrawable_by_others(cast, head, book, who):
    report = reviewed(cast["employee"], head, book)

    response = client_for(cast[who]).post(
        reverse("training:activity-withdraw-review", args=[report.pk])
    )

    assert response.status_code == 404
    assert "Buku yang sangat jelas." in page(cast["colleague"], book)


def test_reader_offers_report_link_prefilled_with_the_book(cast, employee, book):
    html = client_for(employee).get(f"/ebooks/{book.slug}/read").content.decode()

    assert f"/trainings/activities/new/?ebook={book.pk}" in html
    assert "Laporkan bacaan ini" in html
