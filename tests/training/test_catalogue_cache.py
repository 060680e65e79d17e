"""The training catalogue's shared fragments (training.cache): rendered once per catalogue
version, time epoch, language and query, and afresh as soon as a write or the clock changes what
the catalogue shows (the cards show the seats left and the registration window)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from competency.models import Competency
from tests.requests import get_ok_counting_queries
from tests.training.factories import TrainingFactory, in_days
from training import cache as training_cache
from training import services

LIST = "/trainings/"


def _get(client, params=None):
    return get_ok_counting_queries(client, LIST, params)


def test_training_catalogue_second_request_renders_from_cache_with_fewer_queries(employee_client):
    TrainingFactory(title="Pelatihan Analisis Kebijakan")
    _first, first_queries = _get(employee_client)

    second, second_queries = _get(employee_client)

    assert second_queries < first_queries
    assert "Pelatihan Analisis Kebijakan" in second.content.decode()


def test_training_catalogue_after_registration_shows_fewer_seats_at_once(
    employee_client, colleague, django_capture_on_commit_callbacks
):
    training = TrainingFactory(title="Pelatihan Kursi Terbatas", capacity=3)
    before, _queries = _get(employee_client)

    with django_capture_on_commit_callbacks(execute=True):
        services.register(training=training, employee=colleague)
    after, _queries = _get(employee_client)

    assert "Sisa 3 kursi" in before.content.decode()
    assert "Sisa 2 kursi" in after.content.decode()


def test_training_catalogue_after_cancelling_registration_shows_seat_back(
    employee_client, colleague
):
    training = TrainingFactory(title="Pelatihan Kursi Kembali", capacity=3)
    enrollment = services.register(training=training, employee=colleague)
    _get(employee_client)

    services.cancel(enrollment=enrollment, by=colleague)
    response, _queries = _get(employee_client)

    assert "Sisa 3 kursi" in response.content.decode()


def test_training_catalogue_after_new_training_lists_it_at_once(employee_client):
    TrainingFactory(title="Pelatihan Pertama")
    _get(employee_client)

    TrainingFactory(title="Pelatihan Kedua Yang Baru")
    response, _queries = _get(employee_client)

    assert "Pelatihan Kedua Yang Baru" in response.content.decode()


def test_training_catalogue_when_registration_closes_shows_closed_without_a_write(
    employee_client, monkeypatch
):
    TrainingFactory(
        title="Pelatihan Tutup Besok",
        start_at=in_days(3),
        registration_closes_at=in_days(1),
    )
    before, _queries = _get(employee_client)
    later = timezone.now() + dt.timedelta(days=2)

    monkeypatch.setattr(timezone, "now", lambda: later)
    after, _queries = _get(employee_client)

    assert "Pendaftaran ditutup" not in before.content.decode()
    assert "Pendaftaran ditutup" in after.content.decode()


def test_training_catalogue_language_switch_does_not_reuse_other_language_fragments(
    employee_client,
):
    TrainingFactory(title="Pelatihan Dua Bahasa")
    indonesian, _queries = _get(employee_client)

    employee_client.post("/i18n/setlang/", {"language": "en", "next": LIST})
    english, _queries = _get(employee_client)

    assert "Pelatihan mendatang" in indonesian.content.decode()
    assert "Upcoming trainings" in english.content.decode()
    assert "All modes" in english.content.decode()
    assert "Semua moda" not in english.content.decode()


def test_training_catalogue_htmx_request_from_cache_keeps_the_count(employee_client):
    TrainingFactory(title="Pelatihan Satu-satunya")
    _get(employee_client)

    response = employee_client.get(LIST, headers={"HX-Request": "true"})

    assert "1 pelatihan ditemukan" in response.content.decode()
    assert "Pelatihan Satu-satunya" in response.content.decode()


def test_training_catalogue_after_admin_deletes_a_training_no_longer_shows_it(
    employee_client, superuser, django_capture_on_commit_callbacks
):
    training = TrainingFactory(title="Pelatihan Yang Dihapus")
    before, _queries = _get(employee_client)
    admin_client = Client()
    admin_client.force_login(superuser)

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/admin/training/training/{training.pk}/delete/", {"post": "yes"})
    after, _queries = _get(employee_client)

    assert "Pelatihan Yang Dihapus" in before.content.decode()
    assert "Pelatihan Yang Dihapus" not in after.content.decode()


def test_training_page_after_registration_shows_fewer_seats_at_once(employee_client, colleague):
    training = TrainingFactory(title="Pelatihan Kursi Halaman", capacity=3)
    before = employee_client.get(f"/trainings/{training.slug}/")

    services.register(training=training, employee=colleague)
    after = employee_client.get(f"/trainings/{training.slug}/")

    assert "Sisa 3 kursi dari 3" in before.content.decode()
    assert "Sisa 2 kursi dari 3" in after.content.decode()


def test_training_page_when_registration_closes_shows_closed_without_a_write(
    employee_client, monkeypatch
):
    training = TrainingFactory(start_at=in_days(3), registration_closes_at=in_days(1))
    before = employee_client.get(f"/trainings/{training.slug}/")
    later = timezone.now() + dt.timedelta(days=2)

    monkeypatch.setattr(timezone, "now", lambda: later)
    after = employee_client.get(f"/trainings/{training.slug}/")

    assert "Daftar sekarang" in before.content.decode()
    assert "Pendaftaran ditutup" not in before.content.decode()
    assert "Daftar sekarang" not in after.content.decode()
    assert "Pendaftaran ditutup" in after.content.decode()


@pytest.mark.parametrize("url", [LIST, "/trainings/mine/", "training"])
def test_training_pages_when_the_cache_fails_render_from_the_database(
    employee_client, monkeypatch, url
):
    training = TrainingFactory(title="Pelatihan Tanpa Cache")
    url = f"/trainings/{training.slug}/" if url == "training" else url
    employee_client.get(url)  # the session is read before the cache breaks

    def broken(*args, **kwargs):
        raise ConnectionError("redis is away")

    for name in ("get_many", "set_many"):
        monkeypatch.setattr(training_cache.cache, name, broken)
    monkeypatch.setattr(training_cache.versions, "current", broken)
    response = employee_client.get(url)

    assert response.status_code == 200
    if url != "/trainings/mine/":
        assert "Pelatihan Tanpa Cache" in response.content.decode()


@pytest.mark.django_db  # the competency dictionary (conftest restores it)
def test_training_catalogue_competency_filter_from_cache_needs_no_query(employee_client):
    competency = Competency.objects.get(code="M3")
    TrainingFactory(title="Pelatihan Kompetensi M3").competency_links.create(
        competency=competency, level=2
    )
    _get(employee_client, {"competency": "M3"})

    response, queries = _get(employee_client, {"competency": "M3"})

    assert queries == 1  # the employee_client: the choices and the fragments are shared
    assert "Pelatihan Kompetensi M3" in response.content.decode()
