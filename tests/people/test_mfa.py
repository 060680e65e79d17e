"""Two-factor authentication (TOTP and recovery codes) for everyone, required for staff when
MFA_REQUIRED_FOR_STAFF is on."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from tests.conftest import PASSWORD

ACTIVATE_TOTP_URL = "/accounts/2fa/totp/activate/"


@pytest.fixture(autouse=True)
def _totp_tolerance(settings):
    """Accept the neighbouring 30-second windows, so a test never fails on a window boundary."""
    settings.MFA_TOTP_TOLERANCE = 1


def _totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _log_in(client, email):
    return client.post(reverse("account_login"), {"login": email, "password": PASSWORD})


def _logged_in_user_id(client):
    return client.session.get(SESSION_KEY)


def _with_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


# --- Available to everyone ---------------------------------------------------------------------


def test_mfa_index_employee_sees_totp_and_recovery_codes(client, employee):
    client.force_login(employee)

    response = client.get(reverse("mfa_index"))

    assert response.status_code == 200
    assert "Aplikasi Autentikator" in response.text
    assert "Kode Pemulihan" in response.text


def test_mfa_index_anonymous_redirects_to_login(client, db):
    response = client.get(reverse("mfa_index"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_totp_activate_with_code_from_shown_secret_activates_totp(client, employee):
    _log_in(client, "alice@example.test")
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.get(ACTIVATE_TOTP_URL)
    secret = client.session[SECRET_SESSION_KEY]

    response = client.post(ACTIVATE_TOTP_URL, {"code": _totp_code(secret)})

    kinds = set(Authenticator.objects.filter(user=employee).values_list("type", flat=True))
    assert response.status_code == 302
    assert kinds == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}


def test_totp_activate_wrong_code_activates_nothing(client, employee):
    _log_in(client, "alice@example.test")
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.get(ACTIVATE_TOTP_URL)
    secret = client.session[SECRET_SESSION_KEY]
    wrong = f"{(int(_totp_code(secret)) + 500_000) % 1_000_000:06d}"

    response = client.post(ACTIVATE_TOTP_URL, {"code": wrong})

    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["Kode salah."]
    assert Authenticator.objects.filter(user=employee).exists() is False


# --- Logging in with a second factor -----------------------------------------------------------


def test_login_with_totp_asks_for_code_before_logging_in(client, employee):
    _with_totp(employee)

    response = _log_in(client, "alice@example.test")

    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert _logged_in_user_id(client) is None


def test_login_with_totp_right_code_logs_in(client, employee):
    secret = _with_totp(employee)
    _log_in(client, employee.nip)

    response = client.post(reverse("mfa_authenticate"), {"code": _totp_code(secret)})

    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert _logged_in_user_id(client) == str(employee.pk)


def test_login_with_totp_wrong_code_does_not_log_in(client, employee):
    secret = _with_totp(employee)
    _log_in(client, "alice@example.test")
    wrong = f"{(int(_totp_code(secret)) + 500_000) % 1_000_000:06d}"

    response = client.post(reverse("mfa_authenticate"), {"code": wrong})

    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["Kode salah."]
    assert _logged_in_user_id(client) is None


def test_login_with_totp_recovery_code_logs_in(client, employee):
    _with_totp(employee)
    recovery = Authenticator.objects.get(user=employee, type=Authenticator.Type.RECOVERY_CODES)
    code = recovery.wrap().get_unused_codes()[0]
    _log_in(client, "alice@example.test")

    response = client.post(reverse("mfa_authenticate"), {"code": code})

    assert response.status_code == 302
    assert _logged_in_user_id(client) == str(employee.pk)


def test_mfa_authenticate_page_renders_in_site_layout(client, employee):
    _with_totp(employee)
    _log_in(client, "alice@example.test")

    response = client.get(reverse("mfa_authenticate"))

    assert response.status_code == 200
    assert "base.html" in [template.name for template in response.templates]
    assert '<label for="id_code">Kode</label>' in response.text


# --- Required for staff ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/", "/"])
def test_staff_without_totp_mfa_required_is_sent_to_totp_setup(client, settings, hr_admin, path):
    settings.MFA_REQUIRED_FOR_STAFF = True
    client.force_login(hr_admin)

    response = client.get(path)

    assert response.status_code == 302
    assert response.url == ACTIVATE_TOTP_URL


def test_superuser_without_totp_mfa_required_is_sent_to_totp_setup(client, settings, superuser):
    settings.MFA_REQUIRED_FOR_STAFF = True
    client.force_login(superuser)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response.url == ACTIVATE_TOTP_URL


def test_staff_login_mfa_required_lands_on_totp_setup(client, settings, hr_admin):
    settings.MFA_REQUIRED_FOR_STAFF = True
    login = client.post(
        f"{reverse('account_login')}?next=/admin/",
        {"login": "hr@example.test", "password": PASSWORD},
        follow=True,
    )

    # allauth asks for the password once more before a second factor may be added.
    response = client.post(login.request["PATH_INFO"], {"password": PASSWORD}, follow=True)

    assert [url for url, _ in login.redirect_chain[:2]] == ["/admin/", ACTIVATE_TOTP_URL]
    assert login.templates[0].name == "account/reauthenticate.html"
    assert response.redirect_chain[-1][0] == ACTIVATE_TOTP_URL
    assert response.templates[0].name == "mfa/totp/activate_form.html"


@pytest.mark.parametrize(
    "url_name", ["mfa_index", "mfa_activate_totp", "account_reauthenticate", "account_logout"]
)
def test_staff_without_totp_mfa_required_still_reaches_account_pages(
    client, settings, hr_admin, url_name
):
    settings.MFA_REQUIRED_FOR_STAFF = True
    client.force_login(hr_admin)

    response = client.get(reverse(url_name))

    assert response.status_code in {200, 302}
    assert response.get("Location", reverse(url_name)).startswith("/accounts/")


def test_staff_with_totp_mfa_required_reaches_admin(client, settings, hr_admin):
    settings.MFA_REQUIRED_FOR_STAFF = True
    _with_totp(hr_admin)
    client.force_login(hr_admin)

    response = client.get("/admin/")

    assert response.status_code == 200


def test_staff_without_totp_mfa_not_required_reaches_admin(client, settings, hr_admin):
    settings.MFA_REQUIRED_FOR_STAFF = False
    client.force_login(hr_admin)

    response = client.get("/admin/")

    assert response.status_code == 200


def test_employee_without_totp_mfa_required_for_staff_reaches_dashboard(client, settings, employee):
    settings.MFA_REQUIRED_FOR_STAFF = True
    client.force_login(employee)

    response = client.get("/")

    assert response.status_code == 200
