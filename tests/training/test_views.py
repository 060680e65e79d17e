"""The training pages: /trainings/ (catalogue), /trainings/<ref>/ (detail with the register and
cancel forms), its calendar file, and /trainings/mine/ (my trainings and this year's JP)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import psycopg
import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from competency.models import Competency
from tests.requests import CATALOGUE_GARBAGE, client_for
from tests.training.factories import TrainingFactory, in_days, recorded_activity
from training import cache as catalogue_cache
from training import services
from training.models import (
    ActivityType,
    Enrollment,
    EnrollmentStatus,
    TrainingKind,
    TrainingMode,
    TrainingSession,
    TrainingStatus,
)

pytestmark = pytest.mark.django_db

LIST = "/trainings/"
MINE = "/trainings/mine/"
LOGIN = "/accounts/login/"
EVERYONE = ["employee", "colleague", "outsider", "hr_admin", "superuser"]
EMPLOYEES = ["employee", "colleague", "outsider"]
STAFF = ["hr_admin", "superuser"]


# --- Helpers ----------------------------------------------------------------------------------------


def detail_url(training) -> str:
    return f"{LIST}{training.slug}/"


def text(response) -> str:
    """The page's text with tags removed and whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def card_titles(response) -> list[str]:
    return [
        " ".join(title.split())
        for title in re.findall(
            r'class="stretched-link training-card__link"[^>]*>(.*?)</a>',
            response.content.decode(),
            re.S,
        )
    ]


def my_trainings_for(user) -> HttpResponse:
    """My trainings (/trainings/mine/) as `user` sees it."""
    return client_for(user).get(MINE)


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def post_and_follow(client, url):
    response = client.post(url, follow=True)
    return response, shown_messages(response)


def finish(training, enrollment, *, by):
    """Moves a training into the past (this year) and marks the enrolment completed, like the
    demo data does: JP credited to the ledger through the service."""
    now = dt.datetime.now(dt.UTC)
    start = max(now - dt.timedelta(days=3), now.replace(month=1, day=1, hour=1))
    training.start_at = start
    training.end_at = start + dt.timedelta(hours=1)
    training.registration_opens_at = training.registration_closes_at = None
    services.save_training(training=training)
    return services.complete(enrollment=enrollment, by=by)


@pytest.fixture
def training(db):
    return TrainingFactory(
        title="Pelatihan Perancangan Peraturan",
        slug="pelatihan-perancangan-peraturan",
        description="Teknik menyusun naskah akademik.",
        capacity=3,
        jp=Decimal("16"),
        place="Aula BPSDM, Depok",
    )


@pytest.fixture
def draft(db):
    return TrainingFactory(
        title="Rancangan Pelatihan Rahasia", slug="rancangan", status=TrainingStatus.DRAFT
    )


@pytest.fixture
def cancelled(db):
    return TrainingFactory(
        title="Pelatihan Yang Batal", slug="pelatihan-batal", status=TrainingStatus.CANCELLED
    )


# --- Access -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["", "mine/", "{slug}/", "{slug}/calendar.ics"])
def test_pages_anonymous_redirects_to_login(client, training, path):
    url = LIST + path.format(slug=training.slug)

    response = client.get(url)

    assertRedirects(response, f"{LOGIN}?next={url}", fetch_redirect_response=False)


@pytest.mark.parametrize("action", ["register", "cancel"])
def test_forms_anonymous_redirects_to_login_and_changes_nothing(client, training, action):
    url = f"{detail_url(training)}{action}"

    response = client.post(url)

    assertRedirects(response, f"{LOGIN}?next={url}", fetch_redirect_response=False)
    assert Enrollment.objects.count() == 0


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("path", ["", "mine/", "{slug}/", "{slug}/calendar.ics"])
def test_pages_published_training_open_to_everyone_logged_in(client, cast, training, who, path):
    client.force_login(cast[who])

    response = client.get(LIST + path.format(slug=training.slug))

    assert response.status_code == 200


@pytest.mark.parametrize("who", EVERYONE)
def test_register_and_cancel_open_to_everyone_logged_in(client, cast, training, who):
    client.force_login(cast[who])

    registered = client.post(f"{detail_url(training)}register")
    status_after_register = Enrollment.objects.get(employee=cast[who]).status
    cancelled = client.post(f"{detail_url(training)}cancel")

    assertRedirects(registered, detail_url(training), fetch_redirect_response=False)
    assertRedirects(cancelled, detail_url(training), fetch_redirect_response=False)
    assert status_after_register == EnrollmentStatus.REGISTERED
    assert Enrollment.objects.get(employee=cast[who]).status == EnrollmentStatus.CANCELLED


@pytest.mark.parametrize("who", EMPLOYEES)
@pytest.mark.parametrize("path", ["{slug}/", "{slug}/calendar.ics"])
def test_pages_draft_is_404_for_employees(client, cast, draft, who, path):
    client.force_login(cast[who])

    response = client.get(LIST + path.format(slug=draft.slug))

    assert response.status_code == 404


@pytest.mark.parametrize("who", EMPLOYEES)
def test_register_draft_is_404_for_employees(client, cast, draft, who):
    client.force_login(cast[who])

    response = client.post(f"{detail_url(draft)}register")

    assert response.status_code == 404
    assert Enrollment.objects.count() == 0


@pytest.mark.parametrize("who", STAFF)
def test_detail_draft_previewed_by_staff_who_manage_trainings_without_register_form(
    client, cast, draft, who
):
    client.force_login(cast[who])

    response = client.get(detail_url(draft))

    assert response.status_code == 200
    assertContains(response, "Draf: pelatihan ini belum diterbitkan")
    assertContains(response, "Pelatihan ini belum diterbitkan.")
    assertNotContains(response, f'action="{detail_url(draft)}register"')


@pytest.mark.parametrize("who", STAFF)
def test_register_draft_by_staff_refused_with_message(client, cast, draft, who):
    client.force_login(cast[who])

    _, shown = post_and_follow(client, f"{detail_url(draft)}register")

    assert shown == ["Pelatihan ini belum diterbitkan."]
    assert Enrollment.objects.count() == 0


@pytest.mark.parametrize("who", EVERYONE)
def test_catalogue_lists_neither_drafts_nor_cancelled_nor_ended_even_for_staff(
    client, cast, training, draft, cancelled, who
):
    TrainingFactory(
        title="Pelatihan Lama",
        start_at=in_days(-10),
        end_at=in_days(-9),
        registration_opens_at=None,
        registration_closes_at=None,
    )
    client.force_login(cast[who])

    response = client.get(LIST)

    assert card_titles(response) == [training.title]


@pytest.mark.parametrize("who", EVERYONE)
def test_detail_cancelled_training_shows_the_cancellation_without_forms(
    client, cast, cancelled, who
):
    # Kept reachable on purpose: the cancellation email links here, and a calendar file
    # downloaded earlier is refreshed from here with STATUS:CANCELLED.
    client.force_login(cast[who])

    response = client.get(detail_url(cancelled))

    assertContains(response, "Pelatihan ini dibatalkan oleh penyelenggara.")
    assertContains(response, "Pelatihan ini dibatalkan.")
    assertNotContains(response, f'action="{detail_url(cancelled)}register"')


def test_detail_unknown_or_absurd_reference_is_404(client, employee, training):
    client.force_login(employee)

    for ref in ["tidak-ada", "999999", "9" * 40]:
        assert client.get(f"{LIST}{ref}/").status_code == 404


def test_detail_by_id_or_slug_same_page(client, employee, training):
    client.force_login(employee)

    by_id = client.get(f"{LIST}{training.pk}/")
    by_slug = client.get(detail_url(training))

    assert by_id.status_code == by_slug.status_code == 200
    assert by_id.context["training"] == by_slug.context["training"] == training


# --- Methods and CSRF ---------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["register", "cancel"])
def test_forms_get_not_allowed(client, employee, training, action):
    client.force_login(employee)

    response = client.get(f"{detail_url(training)}{action}")

    assert response.status_code == 405
    assert Enrollment.objects.count() == 0


@pytest.mark.parametrize("path", ["{slug}/calendar.ics", "{slug}/", "", "mine/"])
def test_pages_post_not_allowed(client, employee, training, path):
    client.force_login(employee)

    response = client.post(LIST + path.format(slug=training.slug))

    assert response.status_code == 405


def test_register_without_csrf_token_refused(employee, training):
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee)

    response = client.post(f"{detail_url(training)}register")

    assert response.status_code == 403
    assert Enrollment.objects.count() == 0


def test_register_and_cancel_with_the_pages_csrf_token_work(employee, training):
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee)
    page = client.get(detail_url(training)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    registered = client.post(f"{detail_url(training)}register", {"csrfmiddlewaretoken": token})
    page = client.get(detail_url(training)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    cancelled = client.post(f"{detail_url(training)}cancel", {"csrfmiddlewaretoken": token})

    assertRedirects(registered, detail_url(training), fetch_redirect_response=False)
    assertRedirects(cancelled, detail_url(training), fetch_redirect_response=False)
    assert Enrollment.objects.get().status == EnrollmentStatus.CANCELLED


def test_cancel_without_csrf_token_refused(employee, training):
    services.register(training=training, employee=employee)
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee)

    response = client.post(f"{detail_url(training)}cancel")

    assert response.status_code == 403
    assert Enrollment.objects.get().status == EnrollmentStatus.REGISTERED


# --- Register ------------------------------------------------------------------------------------------


def test_register_seat_free_redirects_with_message_and_shows_status(client, employee, training):
    client.force_login(employee)

    response = client.post(f"{detail_url(training)}register")
    page = client.get(response["Location"])

    assertRedirects(response, detail_url(training), fetch_redirect_response=False)
    assert shown_messages(page) == ["Anda terdaftar pada “Pelatihan Perancangan Peraturan”."]
    assertContains(page, "Anda terdaftar")
    assertContains(page, "Sisa 2 kursi dari 3")
    assertContains(page, f'action="{detail_url(training)}cancel"')
    assertNotContains(page, f'action="{detail_url(training)}register"')
    assert Enrollment.objects.get().status == EnrollmentStatus.REGISTERED


def test_register_by_id_redirects_to_the_slug(client, employee, training):
    client.force_login(employee)

    response = client.post(f"{LIST}{training.pk}/register")

    assertRedirects(response, detail_url(training), fetch_redirect_response=False)


def test_register_full_training_waitlists_with_position_in_message(
    client, employee, colleague, outsider
):
    training = TrainingFactory(capacity=1)
    services.register(training=training, employee=colleague)
    services.register(training=training, employee=outsider)
    client.force_login(employee)

    page_before = client.get(detail_url(training))
    response, shown = post_and_follow(client, f"{detail_url(training)}register")

    assertContains(page_before, "Penuh — daftar tunggu")
    assertContains(page_before, "Anda masuk daftar tunggu nomor 2")
    assertContains(page_before, "Daftar ke daftar tunggu")
    assert shown == ["Kelas penuh — Anda di daftar tunggu nomor 2."]
    assertContains(response, "Daftar tunggu nomor 2")
    assertContains(response, "Keluar dari daftar tunggu")


def test_register_twice_says_already_registered(client, employee, training):
    services.register(training=training, employee=employee)
    client.force_login(employee)

    _, shown = post_and_follow(client, f"{detail_url(training)}register")

    assert shown == ["Anda sudah terdaftar pada pelatihan ini."]
    assert Enrollment.objects.count() == 1


REFUSALS = {
    "closed window": (
        {"registration_opens_at": in_days(-5), "registration_closes_at": in_days(-1)},
        "Pendaftaran sudah ditutup.",
    ),
    "not yet open": ({"registration_opens_at": in_days(3)}, "Pendaftaran belum dibuka."),
    "mandated": (
        {"kind": TrainingKind.MANDATED},
        "Pelatihan ini wajib dan pesertanya ditugaskan oleh pengelola SDM; "
        "pendaftaran mandiri tidak tersedia.",
    ),
    "started": (
        {
            "start_at": in_days(-0.1),
            "end_at": in_days(1),
            "registration_opens_at": None,
            "registration_closes_at": None,
        },
        "Pelatihan ini sudah dimulai; pendaftaran tidak dapat diproses.",
    ),
    "cancelled": ({"status": TrainingStatus.CANCELLED}, "Pelatihan ini dibatalkan."),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_register_refused_says_why_and_the_page_explains_it(client, employee, case):
    values, message = REFUSALS[case]
    refused = TrainingFactory(**values)
    client.force_login(employee)

    response, shown = post_and_follow(client, f"{detail_url(refused)}register")

    assert response.status_code == 200
    assert shown == [message]
    assert text(response).count(message) == 2  # the message, and the page's own explanation
    assertNotContains(response, f'action="{detail_url(refused)}register"')
    assert Enrollment.objects.count() == 0


def test_register_not_eligible_unit_refused_with_message(client, outsider, kanwil_a):
    restricted = TrainingFactory(eligible_units=[kanwil_a])
    client.force_login(outsider)

    response, shown = post_and_follow(client, f"{detail_url(restricted)}register")

    assert shown == ["Pelatihan ini hanya untuk unit kerja atau jabatan tertentu."]
    assertContains(response, "Pegawai pada unit kerja (beserta subunitnya):")
    assertContains(response, "Kanwil A")
    assert Enrollment.objects.count() == 0


def test_register_eligible_unit_subtree_registers(client, employee, kanwil_a):
    restricted = TrainingFactory(eligible_units=[kanwil_a])
    client.force_login(employee)

    _, shown = post_and_follow(client, f"{detail_url(restricted)}register")

    assert shown == [f"Anda terdaftar pada “{restricted.title}”."]


@pytest.fixture
def lock_row(transactional_db, settings):
    """Holds a training's row locked from another connection (SELECT ... FOR UPDATE), with the
    service's lock wait cut to 100 ms: the next register or cancel of it must time out."""
    holders = []

    def lock(training):
        settings.TRAINING_LOCK_TIMEOUT_MS = 100
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        holder = psycopg.connect(**params)
        holders.append(holder)
        holder.execute("SELECT id FROM training_training WHERE id = %s FOR UPDATE", [training.pk])
        return training

    yield lock
    for holder in holders:
        holder.rollback()
        holder.close()


def test_register_lock_wait_times_out_answers_503_try_again(client, employee, lock_row):
    training = lock_row(TrainingFactory(capacity=5))
    client.force_login(employee)

    response = client.post(f"{detail_url(training)}register")

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert shown_messages(response) == [
        "Sedang banyak pendaftar untuk pelatihan ini. Silakan coba lagi sebentar."
    ]
    # The form is right there to try again.
    assertContains(response, f'action="{detail_url(training)}register"', status_code=503)
    assert Enrollment.objects.count() == 0


def test_cancel_lock_wait_times_out_answers_503_and_keeps_the_seat(client, employee, lock_row):
    training = TrainingFactory(capacity=5)
    enrollment = services.register(training=training, employee=employee)
    lock_row(training)
    client.force_login(employee)

    response = client.post(f"{detail_url(training)}cancel")

    assert response.status_code == 503
    assert shown_messages(response) == [
        "Sedang banyak pendaftar untuk pelatihan ini. Silakan coba lagi sebentar."
    ]
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.REGISTERED


# --- Cancel --------------------------------------------------------------------------------------------


def test_cancel_registration_says_so_and_offers_registering_again(client, employee, training):
    services.register(training=training, employee=employee)
    client.force_login(employee)

    response, shown = post_and_follow(client, f"{detail_url(training)}cancel")

    assert shown == ["Pendaftaran Anda pada “Pelatihan Perancangan Peraturan” dibatalkan."]
    assertContains(response, f'action="{detail_url(training)}register"')
    assertContains(response, "Sisa 3 kursi dari 3")
    assert Enrollment.objects.get().status == EnrollmentStatus.CANCELLED


def test_cancel_waitlist_place_says_left_the_waitlist(client, employee, colleague):
    training = TrainingFactory(capacity=1)
    services.register(training=training, employee=colleague)
    services.register(training=training, employee=employee)
    client.force_login(employee)

    _, shown = post_and_follow(client, f"{detail_url(training)}cancel")

    assert shown == [f"Anda keluar dari daftar tunggu “{training.title}”."]


def test_cancel_promotes_the_first_waitlisted_who_then_sees_registered_in_mine(
    client, employee, colleague, outsider
):
    training = TrainingFactory(capacity=1, title="Bimtek Analisis Beban Kerja")
    services.register(training=training, employee=employee)
    services.register(training=training, employee=colleague)
    services.register(training=training, employee=outsider)
    client.force_login(employee)

    post_and_follow(client, f"{detail_url(training)}cancel")
    client.force_login(colleague)
    mine = client.get(MINE)
    client.force_login(outsider)
    theirs = client.get(MINE)

    assert [e.training for e in mine.context["mine"].registered] == [training]
    assert mine.context["mine"].waitlisted == []
    assertContains(mine, "Bimtek Analisis Beban Kerja")
    assert [e.waitlist_position for e in theirs.context["mine"].waitlisted] == [1]
    assertContains(theirs, "Daftar tunggu nomor 1")


def test_cancel_without_enrolment_says_not_registered(client, employee, training):
    client.force_login(employee)

    _, shown = post_and_follow(client, f"{detail_url(training)}cancel")

    assert shown == ["Anda tidak terdaftar pada pelatihan ini."]


def test_cancel_assigned_training_refused_ask_hr(client, employee, hr_admin):
    mandated = TrainingFactory(kind=TrainingKind.MANDATED)
    services.assign(training=mandated, employees=[employee], assigned_by=hr_admin)
    client.force_login(employee)

    page = client.get(detail_url(mandated))
    _, shown = post_and_follow(client, f"{detail_url(mandated)}cancel")

    assertContains(page, "Ditugaskan kepada Anda")
    assertNotContains(page, f'action="{detail_url(mandated)}cancel"')
    assert shown == ["Pelatihan penugasan hanya dapat dibatalkan oleh pengelola SDM Anda."]
    assert Enrollment.objects.get().status == EnrollmentStatus.REGISTERED


def test_cancel_after_start_refused(client, employee, training):
    enrollment = services.register(training=training, employee=employee)
    training.start_at = in_days(-0.1)
    training.registration_opens_at = training.registration_closes_at = None
    services.save_training(training=training)
    client.force_login(employee)

    _, shown = post_and_follow(client, f"{detail_url(training)}cancel")

    assert shown == ["Pelatihan sudah dimulai; pendaftaran tidak dapat dibatalkan."]
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.REGISTERED


# --- Detail ----------------------------------------------------------------------------------------------


def test_detail_shows_schedule_jp_place_competencies_sessions_and_seats(
    client, employee, training, colleague
):
    integrity = Competency.objects.get(code="M1")
    training.competency_links.create(competency=integrity, level=3)
    TrainingSession.objects.create(
        training=training,
        title="Hari pertama: naskah akademik",
        start_at=training.start_at,
        end_at=training.start_at + dt.timedelta(hours=4),
    )
    TrainingSession.objects.create(
        training=training,
        start_at=training.start_at + dt.timedelta(days=1),
        end_at=training.start_at + dt.timedelta(days=1, hours=4),
        online_url="https://kelas.example.id/sesi-2",
    )
    services.register(training=training, employee=colleague)
    client.force_login(employee)

    response = client.get(detail_url(training))
    page = text(response)

    assert "Pelatihan Perancangan Peraturan" in page
    assert "16 JP (setara 720 menit)" in page
    assert "Aula BPSDM, Depok" in page
    assert "Sisa 2 kursi dari 3" in page
    assert "M1 Integritas sasaran level 3" in page
    assert "Hari pertama: naskah akademik" in page
    assert "Sesi 2" in page
    assertContains(response, 'href="https://kelas.example.id/sesi-2"')
    assertContains(response, "Teknik menyusun naskah akademik.")
    assertContains(response, f'href="{detail_url(training)}calendar.ics"')
    assertContains(response, "Daftar sekarang")


def test_detail_online_training_links_the_class(client, employee):
    online = TrainingFactory(
        mode=TrainingMode.E_LEARNING, place="", online_url="https://elearning.example.id/k/1"
    )
    client.force_login(employee)

    response = client.get(detail_url(online))

    assertContains(
        response, '<a class="training-facts__url" href="https://elearning.example.id/k/1"'
    )
    assertContains(response, "E-learning")


def test_detail_query_count_constant_with_many_sessions_and_competencies(
    client, employee, training, django_assert_max_num_queries
):
    client.force_login(employee)
    with django_assert_max_num_queries(7) as few:
        client.get(detail_url(training))
    for code in ["M1", "M2", "M3", "M4", "M5"]:
        training.competency_links.create(competency=Competency.objects.get(code=code), level=2)
    for day in range(6):
        start = training.start_at + dt.timedelta(days=day)
        TrainingSession.objects.create(
            training=training, start_at=start, end_at=start + dt.timedelta(hours=2)
        )
    catalogue_cache.bump_version()  # as every write through services and the admin does

    with django_assert_max_num_queries(7) as many:
        response = client.get(detail_url(training))

    assert len(many) == len(few)
    assert response.content.decode().count("training-sessions__item") == 6


def test_detail_public_part_comes_from_the_cache_after_the_first_view(
    client, employee, colleague, training, django_assert_max_num_queries
):
    client.force_login(colleague)
    client.get(detail_url(training))
    client.force_login(employee)

    # The viewer (session and user) and their enrolment: the training itself is shared.
    with django_assert_max_num_queries(2):
        response = client.get(detail_url(training))

    assertContains(response, training.title)
    assertContains(response, "Daftar sekarang")


# --- Calendar ----------------------------------------------------------------------------------------------


def test_calendar_is_an_ics_attachment_of_the_training(client, employee, training):
    client.force_login(employee)

    response = client.get(f"{detail_url(training)}calendar.ics")
    body = response.content.decode()

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="pelatihan-perancangan-peraturan.ics"'
    )
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert "SUMMARY:Pelatihan Perancangan Peraturan\r\n" in body
    assert "URL:http://testserver/trainings/pelatihan-perancangan-peraturan/\r\n" in body
    assert body.endswith("END:VCALENDAR\r\n")


def test_calendar_cancelled_training_says_cancelled(client, employee, cancelled):
    client.force_login(employee)

    response = client.get(f"{detail_url(cancelled)}calendar.ics")

    assert "STATUS:CANCELLED\r\n" in response.content.decode()


# --- Catalogue ---------------------------------------------------------------------------------------------


@pytest.fixture
def catalogue(db):
    """Four upcoming trainings of every kind and mode, some with competencies."""
    now = dt.datetime.now(dt.UTC)
    in_two_months = (now.replace(day=1) + dt.timedelta(days=70)).replace(day=10, hour=2)
    made = {
        "hukum": TrainingFactory(
            title="Pelatihan Analisis Hukum",
            mode=TrainingMode.KLASIKAL,
            start_at=in_days(5),
            capacity=3,
            place="Aula Kanwil A",
        ),
        "ham": TrainingFactory(
            title="Webinar Pelayanan Berbasis HAM",
            mode=TrainingMode.E_LEARNING,
            place="",
            online_url="https://elearning.example.id/ham",
            start_at=in_days(6),
            capacity=1,
            description="Prinsip hak asasi manusia dalam pelayanan publik.",
        ),
        "pimpin": TrainingFactory(
            title="Diklat Kepemimpinan Pengawas",
            kind=TrainingKind.MANDATED,
            mode=TrainingMode.BLENDED,
            start_at=in_days(7),
        ),
        "arsip": TrainingFactory(
            title="Pelatihan Manajemen Arsip",
            start_at=in_two_months,
            registration_closes_at=in_two_months - dt.timedelta(days=1),
        ),
    }
    made["hukum"].competency_links.create(competency=Competency.objects.get(code="M4"), level=2)
    made["ham"].competency_links.create(competency=Competency.objects.get(code="SK1"), level=2)
    return made


def test_catalogue_cards_show_kind_mode_jp_dates_place_seats_and_window(
    client, employee, colleague, catalogue
):
    services.register(training=catalogue["ham"], employee=colleague)
    client.force_login(employee)

    response = client.get(LIST)
    page = text(response)

    assert card_titles(response) == [
        "Pelatihan Analisis Hukum",
        "Webinar Pelayanan Berbasis HAM",
        "Diklat Kepemimpinan Pengawas",
        "Pelatihan Manajemen Arsip",
    ]
    assert "Pelatihan mendatang (4 pelatihan)" in page
    assert "Sisa 3 kursi" in page
    assert "Penuh — daftar tunggu" in page
    assert "Peserta ditugaskan oleh pengelola SDM" in page
    assert "Pendaftaran dibuka s.d." in page
    for shown in ["Wajib", "Terbuka", "Blended", "E-learning", "Klasikal", "8 JP"]:
        assert shown in page
    assert "Aula Kanwil A" in page
    assert "Daring" in page
    assert "SK1 Perekat Bangsa" in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "ham"}, ["ham"]),
        ({"q": "HAK ASASI"}, ["ham"]),
        ({"q": "kanwil a"}, ["hukum"]),
        ({"mode": "e_learning"}, ["ham"]),
        ({"mode": "blended"}, ["pimpin"]),
        ({"kind": "mandated"}, ["pimpin"]),
        ({"kind": "open"}, ["hukum", "ham", "arsip"]),
        ({"competency": "M4"}, ["hukum"]),
        ({"competency": "SK1", "mode": "klasikal"}, []),
        ({"kind": "open", "q": "pelatihan"}, ["hukum", "arsip"]),
    ],
)
def test_catalogue_search_and_filters(client, employee, catalogue, params, expected):
    client.force_login(employee)

    response = client.get(LIST, params)

    assert card_titles(response) == [catalogue[key].title for key in expected]


def test_catalogue_month_filter(client, employee, catalogue):
    month = f"{timezone.localtime(catalogue['arsip'].start_at):%Y-%m}"
    client.force_login(employee)

    response = client.get(LIST, {"month": month})

    assert card_titles(response) == ["Pelatihan Manajemen Arsip"]
    assertContains(response, f'<option value="{month}" selected>')


def test_catalogue_active_filters_are_listed_with_links_removing_each(client, employee, catalogue):
    client.force_login(employee)

    response = client.get(LIST, {"q": "pelatihan", "kind": "open", "mode": "klasikal"})

    assert "Filter aktif: Moda: Klasikal" in text(response)
    assertContains(response, 'href="?q=pelatihan&amp;kind=open"')
    assertContains(response, 'href="?q=pelatihan&amp;mode=klasikal"')


@pytest.mark.parametrize(
    "params",
    [
        *CATALOGUE_GARBAGE,
        {"q": "\x00"},
        {"q": "a" * 1000},
        {"mode": "terbang"},
        {"kind": "<script>"},
        {"competency": "99999999999999999999999"},
        {"competency": "M1'; DROP TABLE x;--"},
        {"month": "2025-13"},
        {"month": "abcd"},
        {"month": "9999-01"},
    ],
)
def test_catalogue_garbage_parameters_never_500(client, employee, catalogue, params):
    client.force_login(employee)

    response = client.get(LIST, params)

    assert response.status_code == 200


def test_catalogue_invalid_filter_is_ignored_the_valid_ones_kept(client, employee, catalogue):
    client.force_login(employee)

    response = client.get(LIST, {"mode": "terbang", "kind": "mandated"})

    assert card_titles(response) == ["Diklat Kepemimpinan Pengawas"]


def test_catalogue_paginates_twelve_a_page_keeping_the_filters(client, employee):
    for number in range(14):
        TrainingFactory(title=f"Pelatihan Nomor {number:02d}", start_at=in_days(3 + number))
    client.force_login(employee)

    first = client.get(LIST, {"q": "nomor"})
    second = client.get(LIST, {"q": "nomor", "page": "2"})
    beyond = client.get(LIST, {"q": "nomor", "page": "9"})

    assert len(card_titles(first)) == 12
    assert card_titles(second) == ["Pelatihan Nomor 12", "Pelatihan Nomor 13"]
    assert card_titles(beyond) == card_titles(second)
    assertContains(first, 'href="?q=nomor&amp;page=2"')
    assert "Menampilkan 13–14 · halaman 2 dari 2"  # noqa: RUF001 in text(second)


def test_catalogue_empty_result_says_so_and_links_back(client, employee, catalogue):
    client.force_login(employee)

    response = client.get(LIST, {"q": "astronomi"})

    assert card_titles(response) == []
    assertContains(response, "Tidak ada pelatihan yang cocok dengan “astronomi”")
    assertContains(response, "Lihat semua pelatihan")


def test_catalogue_form_works_without_javascript_and_keeps_values(client, employee, catalogue):
    client.force_login(employee)

    response = client.get(LIST, {"q": "arsip", "mode": "klasikal"})

    assertContains(response, 'method="get"')
    assertContains(response, 'action="/trainings/"')
    assertContains(response, 'name="q" value="arsip"')
    assertContains(response, '<option value="klasikal" selected>')
    assertContains(response, '<label class="catalogue-form__label" for="id_mode">Moda</label>')


def test_catalogue_htmx_request_returns_the_results_partial_only(client, employee, catalogue):
    client.force_login(employee)

    response = client.get(LIST, {"q": "ham"}, headers={"HX-Request": "true"})
    body = response.content.decode()

    assert body.lstrip().startswith('<section id="hasil"')
    assert "<html" not in body
    assert card_titles(response) == ["Webinar Pelayanan Berbasis HAM"]
    assert 'hx-swap-oob="innerHTML:#status-hasil"' in body
    assert "HX-Request" in response["Vary"]


def test_catalogue_htmx_history_restore_gets_the_whole_page(client, employee, catalogue):
    client.force_login(employee)

    response = client.get(
        LIST, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )

    assert "<html" in response.content.decode()


def _catalogue_queries(client, django_assert_max_num_queries) -> int:
    # Cold: the viewer, when the catalogue next changes, the count, the page, its competencies
    # and the competency filter's choices (with when they next change).
    with django_assert_max_num_queries(7) as captured:
        response = client.get(LIST, {"kind": "open"})
    assert response.status_code == 200
    return len(captured)


def test_catalogue_query_count_constant_from_one_to_many_trainings(
    client, employee, colleague, django_assert_max_num_queries
):
    competencies = list(Competency.objects.filter(code__in=["M1", "M2", "M3"]))
    first = TrainingFactory()
    first.competency_links.create(competency=competencies[0], level=2)
    client.force_login(employee)
    one = _catalogue_queries(client, django_assert_max_num_queries)
    for number in range(20):
        made = TrainingFactory(capacity=2, start_at=in_days(3 + number))
        for competency in competencies:
            made.competency_links.create(competency=competency, level=2)
        services.register(training=made, employee=colleague)

    many = _catalogue_queries(client, django_assert_max_num_queries)

    assert many == one


# --- Mine ------------------------------------------------------------------------------------------------


@pytest.fixture
def my_year(employee, colleague, hr_admin):
    """Alice: one assigned training overdue and one due later, one registered, one waitlisted
    (second in line), one completed (8 JP klasikal) and 2.5 JP of coaching (nonklasikal)."""
    today = dt.date.today()
    overdue = TrainingFactory(title="Pelatihan Keamanan Informasi", kind=TrainingKind.MANDATED)
    later = TrainingFactory(title="Pelatihan Pengarusutamaan HAM", kind=TrainingKind.MANDATED)
    services.assign(
        training=overdue,
        employees=[employee],
        assigned_by=hr_admin,
        due_date=today - dt.timedelta(days=2),
    )
    services.assign(
        training=later,
        employees=[employee],
        assigned_by=hr_admin,
        due_date=today + dt.timedelta(days=20),
    )
    registered = TrainingFactory(title="Bimtek Analisis Beban Kerja")
    services.register(training=registered, employee=employee)
    full = TrainingFactory(title="Pelatihan Penyuluhan Hukum", capacity=1)
    services.register(training=full, employee=hr_admin)
    services.register(training=full, employee=colleague)
    services.register(training=full, employee=employee)
    done = TrainingFactory(title="Pelatihan Dasar Analisis Hukum", jp=Decimal("8"))
    finish(done, services.register(training=done, employee=employee), by=hr_admin)
    recorded_activity(
        employee,
        by=hr_admin,
        jp=Decimal("2.5"),
        year=today.year,
        activity_type=ActivityType.COACHING,
        description="Coaching telaahan staf",
    )


def test_mine_groups_assigned_registered_waitlisted_completed(employee, my_year):
    response = my_trainings_for(employee)
    mine = response.context["mine"]
    page = text(response)

    assert [e.training.title for e in mine.assigned] == [
        "Pelatihan Keamanan Informasi",
        "Pelatihan Pengarusutamaan HAM",
    ]
    assert [e.training.title for e in mine.registered] == ["Bimtek Analisis Beban Kerja"]
    assert [e.training.title for e in mine.waitlisted] == ["Pelatihan Penyuluhan Hukum"]
    assert [e.training.title for e in mine.completed] == ["Pelatihan Dasar Analisis Hukum"]
    assert "Daftar tunggu nomor 2" in page
    assert f"Selesai · 8 JP tercatat ({dt.date.today().year})" in page
    assert "Ditugaskan oleh Hana SDM" in page


def test_mine_overdue_assignment_flagged_in_words_not_colour_alone(employee, my_year):
    response = my_trainings_for(employee)
    body = response.content.decode()

    assert text(response).count("Lewat batas waktu") == 1
    assert body.count("training-mine__item--overdue") == 1
    overdue_item = body.split("training-mine__item--overdue", 1)[1].split("</li>", 1)[0]
    assert "Pelatihan Keamanan Informasi" in overdue_item
    assert "Lewat batas waktu" in overdue_item


def test_mine_jp_this_year_progress_toward_20_with_split(employee, my_year):
    response = my_trainings_for(employee)
    page = text(response)

    assert f"JP saya tahun {dt.date.today().year}" in page
    assertContains(response, 'max="20"')
    assertContains(response, 'value="10.50"')
    assert "10,50 dari 20 JP" in page
    assert "52% tercapai · kurang 9,50 JP lagi." in page
    assert "Klasikal 8 JP" in page
    assert "Nonklasikal 2,50 JP" in page
    assertContains(response, '<label class="jp-progress__label" for="jp-kemajuan">')


def test_mine_empty_says_so_and_links_to_the_catalogue(outsider):
    response = my_trainings_for(outsider)

    assertContains(response, "Anda belum mengikuti pelatihan apa pun")
    assertContains(response, 'href="/trainings/"')
    assertContains(response, 'value="0"')


def test_mine_shows_only_my_own_trainings(colleague, my_year):
    response = my_trainings_for(colleague)

    assert response.context["mine"].waitlisted[0].waitlist_position == 1
    assert response.context["mine"].assigned == []
    assertNotContains(response, "Pelatihan Keamanan Informasi")


def _mine_queries(client, django_assert_max_num_queries) -> int:
    # The viewer, their enrolments, their JP (the rows' training parts are shared) and their
    # registration requests waiting for or returned by their supervisor.
    with django_assert_max_num_queries(4) as captured:
        response = client.get(MINE)
    assert response.status_code == 200
    return len(captured)


def test_mine_query_count_constant_from_one_to_many_enrolments(
    client, employee, colleague, hr_admin, django_assert_max_num_queries
):
    first = TrainingFactory()
    services.register(training=first, employee=employee)
    client.force_login(employee)
    one = _mine_queries(client, django_assert_max_num_queries)
    for number in range(6):
        full = TrainingFactory(capacity=1, start_at=in_days(3 + number))
        services.register(training=full, employee=colleague)
        services.register(training=full, employee=employee)
        services.register(training=TrainingFactory(), employee=employee)
        mandated = TrainingFactory(kind=TrainingKind.MANDATED)
        services.assign(
            training=mandated, employees=[employee], assigned_by=hr_admin, due_date=None
        )
        done = TrainingFactory()
        finish(done, services.register(training=done, employee=employee), by=hr_admin)

    many = _mine_queries(client, django_assert_max_num_queries)

    assert many == one


def test_mine_completed_training_appears_with_its_jp_after_hr_completes_it(
    client, employee, hr_admin
):
    done = TrainingFactory(title="E-learning Etika", mode=TrainingMode.E_LEARNING, jp=Decimal("2"))
    finish(done, services.register(training=done, employee=employee), by=hr_admin)
    client.force_login(employee)

    response = client.get(MINE)

    assert "Nonklasikal 2 JP" in text(response)
    assert response.context["jp"].nonklasikal == Decimal("2")


def test_register_then_mine_lists_it_under_registered(client, employee, training):
    client.force_login(employee)

    client.post(f"{detail_url(training)}register")
    response = client.get(MINE)

    assert [e.training for e in response.context["mine"].registered] == [training]


def test_register_post_query_count_constant_with_eligibility_lists(
    client, employee, colleague, kanwil_a, unit_a1, django_assert_max_num_queries
):
    """The rush path: the person, the training in one query (eligibility lists included, never
    prefetched one by one), then the lock, the one seat-deciding statement and the commit."""
    plain = TrainingFactory(capacity=1)
    restricted = TrainingFactory(capacity=1)
    restricted.eligible_units.set([kanwil_a, unit_a1])
    restricted.eligible_positions.set([colleague.position_id, employee.position_id])
    client.force_login(employee)

    with django_assert_max_num_queries(8) as one:
        first = client.post(f"{detail_url(plain)}register")
    client.force_login(colleague)
    with django_assert_max_num_queries(8) as other:
        second = client.post(f"{detail_url(restricted)}register")

    assertRedirects(first, detail_url(plain), fetch_redirect_response=False)
    assertRedirects(second, detail_url(restricted), fetch_redirect_response=False)
    assert len(one) == len(other)
    assert Enrollment.objects.get(training=restricted).employee == colleague


def test_database_gone_tells_a_lost_connection_from_a_refused_statement(db):
    """A registration whose database went away (restart, shutdown) answers 503 "try again"
    rather than 500; a statement PostgreSQL refused is not mistaken for that."""
    import socket

    import psycopg
    from django.db import OperationalError, connection, transaction

    from training.views import database_gone

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    with pytest.raises(psycopg.OperationalError) as lost:
        psycopg.connect(f"postgres://postgres@127.0.0.1:{closed_port}/none", connect_timeout=2)
    gone = OperationalError(str(lost.value))
    gone.__cause__ = lost.value
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 1")
        with pytest.raises(OperationalError) as refused:
            cursor.execute("SELECT pg_sleep(1)")
        transaction.set_rollback(True)

    assert database_gone(gone)
    assert not database_gone(refused.value)
