"""The whole-page cache (rumahbelajar.pagecache): a person's catalogue, search and book pages are
served again from Redis without the rest of the stack, and never once anything they show, or who
may see them, has changed.

The test client behaves like a browser here: its first page sets the CSRF cookie (so that answer
is not stored), the second is rendered and stored, the third is served from the store (no
database query at all).
"""

from __future__ import annotations

import time

import pytest
import redis
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.cache import KEY_PREFIX as SESSION_CACHE_PREFIX
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from competency import services as competency_services
from ebooks import services
from ebooks.models import Ebook
from rumahbelajar import pagecache
from rumahbelajar.people import services as people_services
from rumahbelajar.people.models import User
from tests.conftest import own_redis_pattern
from tests.ebooks.factories import EbookFactory
from tests.training.factories import TrainingFactory
from training import services as services_training

LIST = "/ebooks/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def book() -> Ebook:
    return EbookFactory(title="Pengantar Hukum Administrasi Negara", slug="pengantar-hukum")


@pytest.fixture
def reader(client: Client, employee, book) -> Client:
    client.force_login(employee)
    return client


def _stored_pages() -> list[bytes]:
    store = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    return store.keys(own_redis_pattern("*pages:page:*"))  # not another xdist worker's


def _get(client: Client, path: str = LIST, **extra) -> tuple[str, int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **extra)
    return response.content.decode(), len(queries), response


def _stored(client: Client, path: str = LIST, **extra) -> str:
    """Opens the page until it is served from the store (a first visit's answer sets the CSRF
    cookie, so only the next one is stored) and returns it."""
    for _attempt in range(3):
        page, queries, response = _get(client, path, **extra)
        assert response.status_code == 200
        if queries == 0:
            return page
    raise AssertionError(f"{path} is never served from the store")


def _served_from_store(client: Client, path: str = LIST, **extra) -> bool:
    _page, queries, response = _get(client, path, **extra)
    assert response.status_code in (200, 302)
    return response.status_code == 200 and queries == 0


# --- what is served again ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [LIST, f"{LIST}?q=hukum", "/ebooks/pengantar-hukum/", "/ebooks/pengantar-hukum/read"],
)
def test_reader_pages_are_served_again_without_a_query(reader, path):
    first = _stored(reader, path)

    page, queries, response = _get(reader, path)

    assert queries == 0
    assert page == first
    assert response["Cache-Control"] == "private"
    assert "Pengantar Hukum Administrasi Negara" in page


def test_served_page_still_gets_the_security_headers(reader):
    _stored(reader)

    _page, queries, response = _get(reader)

    assert queries == 0
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "Set-Cookie" not in response


def test_stored_page_drops_template_indentation_and_keeps_the_text(reader):
    page = _stored(reader)

    assert "\n " not in page
    assert "\n\t" not in page
    assert "Pengantar Hukum Administrasi Negara" in page


def test_htmx_fragment_and_full_page_are_stored_apart(reader):
    full = _stored(reader, f"{LIST}?q=hukum")
    fragment = _stored(reader, f"{LIST}?q=hukum", HTTP_HX_REQUEST="true")

    assert "<html" in full
    assert "<html" not in fragment
    assert _get(reader, f"{LIST}?q=hukum", HTTP_HX_REQUEST="true")[0] == fragment
    assert _get(reader, f"{LIST}?q=hukum")[0] == full


def test_english_and_indonesian_pages_are_stored_apart(reader):
    indonesian = _stored(reader)
    reader.cookies["django_language"] = "en"

    english, queries, _response = _get(reader)

    assert queries > 0
    assert english != indonesian
    assert 'lang="en"' in english


# --- who may be served ------------------------------------------------------------------------


def test_another_person_never_gets_someone_elses_page(reader, colleague):
    alice_page = _stored(reader)
    other = Client()
    other.force_login(colleague)

    page = _stored(other)

    assert "Alice Pegawai" in alice_page
    assert "Alice Pegawai" not in page
    assert "Bob Rekan" in page


def test_logging_out_ends_the_stored_pages_of_that_session(reader):
    _stored(reader)
    session_cookie = reader.cookies["sessionid"].value

    reader.post("/accounts/logout/")
    reader.cookies["sessionid"] = session_cookie  # someone kept the old cookie
    _page, _queries, response = _get(reader)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_expired_session_is_not_served_a_stored_page(reader):
    _stored(reader)

    cache.delete(SESSION_CACHE_PREFIX + reader.cookies["sessionid"].value)

    assert _get(reader)[2].status_code == 302


def test_password_changed_elsewhere_ends_stored_pages_of_other_sessions(reader, employee):
    _stored(reader)

    employee.set_password("kata-sandi-baru-789")
    employee.save()

    assert _get(reader)[2].status_code == 302


def test_deactivated_account_is_not_served_a_stored_page(reader, employee):
    _stored(reader)

    employee.is_active = False
    employee.save(update_fields=["is_active"])

    assert _get(reader)[2].status_code == 302


def test_bulk_account_changes_make_every_stored_page_stale(reader):
    _stored(reader)

    pagecache.people_changed()

    assert not _served_from_store(reader)


def test_session_of_another_person_under_the_same_cookie_is_not_served(reader, colleague):
    _stored(reader)
    # The session store now says the cookie belongs to someone else (a key reused, a forged
    # store): the stored page names its owner and is refused.
    key = SESSION_CACHE_PREFIX + reader.cookies["sessionid"].value
    session = cache.get(key)
    session[SESSION_KEY] = str(colleague.pk)
    cache.set(key, session)

    assert not _served_from_store(reader)


def test_staff_pages_are_never_stored(client, hr_admin, book):
    client.force_login(hr_admin)
    _get(client)
    _get(client)

    assert not _served_from_store(client)


def test_anonymous_requests_never_touch_the_store(client, book):
    _page, _queries, response = _get(client)

    assert response.status_code == 302
    assert not _stored_pages()


# --- what makes a stored page stale -----------------------------------------------------------


def test_favourite_shows_at_once_on_the_book_and_the_catalogue(reader, book):
    _stored(reader, "/ebooks/pengantar-hukum/")
    _stored(reader)

    reader.post("/ebooks/pengantar-hukum/favourite", HTTP_HX_REQUEST="true")

    detail, queries, _response = _get(reader, "/ebooks/pengantar-hukum/")
    assert queries > 0
    assert "Hapus dari favorit" in detail
    catalogue, queries, _response = _get(reader)
    assert queries > 0
    assert "Favorit saya" in catalogue


def test_reading_position_shows_at_once_in_continue_reading(reader, book, employee):
    _stored(reader)

    services.save_reading_progress(user=employee, ebook=book, page=4)

    page, queries, _response = _get(reader)
    assert queries > 0
    assert "Lanjutkan membaca" in page


def test_withdrawn_book_disappears_from_stored_pages_at_once(
    reader, book, django_capture_on_commit_callbacks
):
    _stored(reader)
    _stored(reader, "/ebooks/pengantar-hukum/")

    with django_capture_on_commit_callbacks(execute=True):
        services.set_ebooks_published(ebooks=Ebook.objects.filter(pk=book.pk), published=False)

    assert "Pengantar Hukum Administrasi Negara" not in _get(reader)[0]
    assert _get(reader, "/ebooks/pengantar-hukum/")[2].status_code == 404


def test_another_persons_change_leaves_my_stored_page_alone(reader, colleague, book):
    _stored(reader)

    services.toggle_favourite(user=colleague, ebook=book)

    assert _served_from_store(reader)


def test_page_with_a_message_is_shown_once_and_never_stored(reader, book):
    _stored(reader, "/ebooks/pengantar-hukum/")

    response = reader.post("/ebooks/pengantar-hukum/favourite", follow=True)

    assert "ditambahkan ke favorit" in response.content.decode()
    again, queries, _response = _get(reader, "/ebooks/pengantar-hukum/")
    assert queries > 0
    assert "ditambahkan ke favorit" not in again


def test_page_cache_off_stores_nothing(reader, settings):
    settings.PAGE_CACHE_SECONDS = 0
    _get(reader)
    _get(reader)

    assert not _served_from_store(reader)
    assert not _stored_pages()


def test_evicted_version_counter_makes_the_page_stale(reader, employee):
    _stored(reader)

    cache.delete(pagecache.person_key(employee.pk))

    assert not _served_from_store(reader)


# --- the other pages a person opens every day ---------------------------------------------------


@pytest.fixture
def course(db):
    return TrainingFactory(title="Pelatihan Perancangan Peraturan", slug="pelatihan-perancangan")


@pytest.mark.parametrize(
    "path",
    ["/", "/competency/", "/trainings/", "/trainings/pelatihan-perancangan/", "/trainings/mine/"],
)
def test_everyday_pages_are_served_again_without_a_query(reader, course, path):
    first = _stored(reader, path)

    page, queries, _response = _get(reader, path)

    assert queries == 0
    assert page == first


def test_own_map_by_nip_is_stored_for_its_owner(reader, employee):
    path = f"/competency/employees/{employee.nip}/"

    assert _stored(reader, path) == _get(reader, path)[0]


def test_someone_elses_registration_makes_the_seats_left_fresh(reader, course, colleague):
    _stored(reader, "/trainings/pelatihan-perancangan/")

    services_training.register(training=course, employee=colleague)

    assert not _served_from_store(reader, "/trainings/pelatihan-perancangan/")
    assert not _served_from_store(reader, "/trainings/")


def test_my_registration_shows_at_once_on_mine_and_the_dashboard(reader, course, employee):
    _stored(reader, "/trainings/mine/")
    _stored(reader, "/")

    services_training.register(training=course, employee=employee)

    assert "Pelatihan Perancangan Peraturan" in _get(reader, "/trainings/mine/")[0]
    assert not _served_from_store(reader, "/")


def test_recorded_activity_shows_at_once_in_my_jp(reader, employee, hr_admin):
    _stored(reader, "/trainings/mine/")

    services_training.record_activity(
        employee=employee,
        year=timezone.localdate().year,
        jp=7,
        kind="nonklasikal",
        activity_type="coaching",
        description="Coaching penyusunan SKP",
        recorded_by=hr_admin,
    )

    assert not _served_from_store(reader, "/trainings/mine/")


def test_new_result_makes_my_map_say_being_updated(reader, employee):
    _stored(reader, "/competency/")

    competency_services.mark_maps_stale(employee_ids=[employee.pk])

    page, queries, _response = _get(reader, "/competency/")
    assert queries > 0
    assert "sedang dihitung" in page


def test_recomputed_map_is_shown_at_once(reader, employee):
    _stored(reader, "/competency/")

    competency_services.recompute_map(employee_id=employee.pk)

    assert not _served_from_store(reader, "/competency/")


def test_bulk_recompute_of_many_makes_every_stored_page_stale(reader, employee):
    _stored(reader, "/competency/")

    pagecache.person_changed(*range(1_000_000, 1_000_000 + 500))

    assert not _served_from_store(reader, "/competency/")


def test_page_that_changes_by_time_is_not_served_after_that_instant(reader, course, monkeypatch):
    _stored(reader, "/trainings/")
    # Registration for the course closes a day before it starts: the catalogue changes then.
    closes = course.registration_closes_at.timestamp()

    monkeypatch.setattr(pagecache, "_now", lambda: closes + 1)

    assert not _served_from_store(reader, "/trainings/")


def test_page_is_served_until_that_instant(reader, course, monkeypatch):
    _stored(reader, "/trainings/")
    closes = course.registration_closes_at.timestamp()

    midnight = pagecache.next_local_midnight().timestamp()
    monkeypatch.setattr(pagecache, "_now", lambda: min(closes, midnight, time.time() + 60) - 1)

    assert _served_from_store(reader, "/trainings/")


def test_deactivated_in_bulk_is_not_served_a_stored_page(reader, employee):
    _stored(reader)

    people_services.set_employees_active(
        employees=User.objects.filter(pk=employee.pk), active=False
    )

    assert _get(reader)[2].status_code == 302
