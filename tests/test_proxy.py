"""Behind a TLS proxy (BEHIND_TLS_PROXY, TRUSTED_PROXY_COUNT; docker-compose's `proxy` profile):
per-address login limits count the client X-Forwarded-For names, not the proxy every request
comes from — else one attacker's failed logins would lock everyone out. Without a proxy the
header is ignored, so a client cannot forge its way out of its limit."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.contrib.auth import SESSION_KEY

from tests.conftest import PASSWORD
from tests.production_settings import production_setting

LOGIN_URL = "/accounts/login/"
TOO_MANY_ATTEMPTS = "Terlalu banyak percobaan masuk yang gagal. Coba lagi nanti."
PROXY = "10.0.0.2"
ATTACKER = "203.0.113.5"
COLLEAGUE = "198.51.100.7"
ROOT = Path(__file__).resolve().parent.parent


def _login(client, login, password, forwarded_for):
    return client.post(
        LOGIN_URL,
        {"login": login, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def _guess_ten_accounts(client, forwarded_for):
    # The per-address limit: 10 failed logins a minute (settings.ACCOUNT_RATE_LIMITS).
    for number in range(10):
        _login(client, f"tamu{number}@example.test", "salah", forwarded_for)


def test_login_behind_proxy_attacker_limited_by_own_address(client, employee, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    _guess_ten_accounts(client, ATTACKER)

    response = _login(client, "alice@example.test", PASSWORD, ATTACKER)

    assert list(response.context["form"].non_field_errors()) == [TOO_MANY_ATTEMPTS]


def test_login_behind_proxy_other_client_not_locked_out(client, employee, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    _guess_ten_accounts(client, ATTACKER)

    response = _login(client, "alice@example.test", PASSWORD, COLLEAGUE)

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(employee.pk)


def test_login_behind_proxy_trusts_only_the_last_hop(client, employee, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    # The attacker sends its own X-Forwarded-For; the proxy appends the address it saw.
    for number in range(10):
        _login(client, f"tamu{number}@example.test", "salah", f"192.0.2.{number}, {ATTACKER}")

    response = _login(client, "alice@example.test", PASSWORD, f"192.0.2.99, {ATTACKER}")

    assert list(response.context["form"].non_field_errors()) == [TOO_MANY_ATTEMPTS]


def test_login_without_proxy_forged_forwarded_for_ignored(client, employee, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    for number in range(10):
        _login(client, f"tamu{number}@example.test", "salah", f"192.0.2.{number}")

    response = _login(client, "alice@example.test", PASSWORD, "192.0.2.200")

    assert list(response.context["form"].non_field_errors()) == [TOO_MANY_ATTEMPTS]


# --- The settings of the proxy profile ------------------------------------------------------


def test_settings_behind_tls_proxy_trusts_one_proxy_and_its_scheme_header():
    assert production_setting("ALLAUTH_TRUSTED_PROXY_COUNT", BEHIND_TLS_PROXY="1") == "1"
    assert production_setting("SECURE_PROXY_SSL_HEADER", BEHIND_TLS_PROXY="1") == (
        "('HTTP_X_FORWARDED_PROTO', 'https')"
    )


def test_settings_without_proxy_trusts_no_forwarded_for():
    assert production_setting("ALLAUTH_TRUSTED_PROXY_COUNT") == "0"


def test_settings_empty_broker_url_means_redis_url():
    value = production_setting(
        "CELERY_BROKER_URL", CELERY_BROKER_URL="", REDIS_URL="redis://example:6379/3"
    )

    assert value == "redis://example:6379/3"


# --- docker-compose.yml ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_app_services_read_every_setting_from_env_file(compose):
    for name in ("migrate", "web", "worker", "beat"):
        assert compose["services"][name]["env_file"] == [{"path": ".env", "required": False}]


def test_compose_defaults_to_https(compose):
    environment = compose["services"]["web"]["environment"]

    assert environment["SECURE_HTTPS"] == "${SECURE_HTTPS:-1}"
    assert environment["DEBUG"] == "${DEBUG:-0}"


def test_compose_proxy_profile_terminates_tls_in_front_of_web(compose):
    proxy = compose["services"]["proxy"]

    assert proxy["profiles"] == ["proxy"]
    assert "web:8000" in proxy["command"]
    assert compose["services"]["web"]["ports"] == ["127.0.0.1:${PORT:-8000}:8000"]


def test_livez_over_plain_http_answers_with_https_required(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    probe = client.get("/livez")
    page = client.get(LOGIN_URL)

    assert probe.status_code == 200
    assert page.status_code == 301
