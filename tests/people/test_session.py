"""A logged-in session left idle longer than SESSION_IDLE_SECONDS ends; an active one is written
to Redis only every few minutes, never on every request."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils.functional import SimpleLazyObject, empty

from rumahbelajar.people.middleware import _LAST_SEEN_KEY
from rumahbelajar.people.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _last_seen(client, seconds_ago: int) -> None:
    session = client.session
    session[_LAST_SEEN_KEY] = int(time.time()) - seconds_ago
    session.save()


def test_session_idle_setting_defaults_to_30_minutes():
    assert settings.SESSION_IDLE_SECONDS == 30 * 60


def test_session_idle_longer_than_setting_logs_out(client, employee):
    client.force_login(employee)
    _last_seen(client, settings.SESSION_IDLE_SECONDS + 60)

    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert SESSION_KEY not in client.session


def test_session_idle_setting_changed_is_followed(client, employee, settings):
    settings.SESSION_IDLE_SECONDS = 120
    client.force_login(employee)
    _last_seen(client, 180)

    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert SESSION_KEY not in client.session


def test_session_recently_active_stays_without_session_write(client, employee):
    client.force_login(employee)
    _last_seen(client, 60)

    response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert client.session[SESSION_KEY] == str(employee.pk)


def test_session_active_after_refresh_interval_moves_clock_and_expiry(client, employee):
    client.force_login(employee)
    _last_seen(client, 10 * 60)
    before = int(time.time())

    response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert client.session[_LAST_SEEN_KEY] >= before
    assert client.session.get_expiry_age() == settings.SESSION_IDLE_SECONDS


def test_session_login_starts_idle_clock(client, employee):
    before = int(time.time())

    client.post(reverse("account_login"), {"login": "alice@example.test", "password": PASSWORD})

    assert client.session[SESSION_KEY] == str(employee.pk)
    assert client.session[_LAST_SEEN_KEY] >= before
    assert client.session.get_expiry_age() == settings.SESSION_IDLE_SECONDS


def test_a_logged_in_page_gets_the_person_not_the_lazy_proxy(client, employee):
    """PersonMiddleware: the view and its templates read the loaded person directly."""
    client.force_login(employee)

    response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert type(response.wsgi_request.user) is User
    assert response.wsgi_request.user.pk == employee.pk
    assert type(response.context["user"]) is User


def test_a_page_that_never_asks_who_is_there_loads_no_one(client, employee):
    client.force_login(employee)

    response = client.get("/livez")

    assert response.status_code == 200
    user = response.wsgi_request.user
    assert isinstance(user, SimpleLazyObject)
    assert user._wrapped is empty  # the session's user was never loaded
