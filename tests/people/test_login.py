"""Login through allauth: email or NIP, no account enumeration, rate limits in Redis, the admin
login sent through the same protected flow, HR-provisioned accounts, and the allauth pages in the
site layout."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
import redis
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.urls import reverse

from rumahbelajar.people.models import User
from tests.conftest import PASSWORD, own_redis_pattern
from tests.people.factories import UserFactory
from tests.production_settings import production_setting

LOGIN_URL = "/accounts/login/"
WRONG_PASSWORD = "bukan-kata-sandinya"
CREDENTIALS_MISMATCH = "Email/NIP atau kata sandi salah."
TOO_MANY_ATTEMPTS = "Terlalu banyak percobaan masuk yang gagal. Coba lagi nanti."


def _post_login(client, login, password, *, next_url=None):
    url = LOGIN_URL if next_url is None else f"{LOGIN_URL}?next={next_url}"
    return client.post(url, {"login": login, "password": password})


def _logged_in_user_id(client):
    return client.session.get(SESSION_KEY)


def _form_errors(response):
    return list(response.context["form"].non_field_errors())


# --- Logging in ------------------------------------------------------------------------------


def test_login_by_email_correct_password_redirects_to_dashboard(client, employee):
    response = _post_login(client, "alice@example.test", PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert _logged_in_user_id(client) == str(employee.pk)


def test_login_by_email_other_case_logs_in(client, employee):
    response = _post_login(client, "  Alice@EXAMPLE.test ", PASSWORD)

    assert response.status_code == 302
    assert _logged_in_user_id(client) == str(employee.pk)


def test_login_by_nip_logs_in(client, employee):
    response = _post_login(client, employee.nip, PASSWORD)

    assert response.status_code == 302
    assert _logged_in_user_id(client) == str(employee.pk)


def test_login_by_nip_displayed_with_spaces_logs_in(client, employee):
    response = _post_login(client, employee.nip_display, PASSWORD)

    assert employee.nip_display.count(" ") == 3
    assert response.status_code == 302
    assert _logged_in_user_id(client) == str(employee.pk)


@pytest.mark.parametrize("login", ["alice@example.test", "nip"])
def test_login_wrong_password_shows_form_error(client, employee, login):
    login = employee.nip if login == "nip" else login

    response = _post_login(client, login, WRONG_PASSWORD)

    assert response.status_code == 200
    assert _form_errors(response) == [CREDENTIALS_MISMATCH]
    assert _logged_in_user_id(client) is None


@pytest.mark.parametrize(
    ("known", "unknown"),
    [
        ("alice@example.test", "nobody@example.test"),
        ("nip", "199001012015011001"),
    ],
)
def test_login_unknown_account_answers_like_wrong_password(client, employee, known, unknown):
    known = employee.nip if known == "nip" else known

    wrong_password = _post_login(client, known, WRONG_PASSWORD)
    no_account = _post_login(client, unknown, WRONG_PASSWORD)

    assert no_account.status_code == wrong_password.status_code == 200
    assert _form_errors(no_account) == _form_errors(wrong_password) == [CREDENTIALS_MISMATCH]


def test_login_inactive_user_is_not_logged_in(client, employee):
    employee.is_active = False
    employee.save(update_fields=["is_active"])

    response = _post_login(client, "alice@example.test", PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("account_inactive")
    assert _logged_in_user_id(client) is None


def test_login_inactive_user_wrong_password_answers_like_unknown(client, employee):
    employee.is_active = False
    employee.save(update_fields=["is_active"])

    response = _post_login(client, "alice@example.test", WRONG_PASSWORD)

    assert response.status_code == 200
    assert _form_errors(response) == [CREDENTIALS_MISMATCH]


def test_login_failed_error_is_announced_and_described_by_inputs(client, employee):
    response = _post_login(client, "alice@example.test", WRONG_PASSWORD)

    page = _Page.parse(response)
    summary = page.by_id["form_errors"]
    assert summary["role"] == "alert"
    assert page.by_id["id_login"]["aria-describedby"] == "id_login_helptext form_errors"
    assert page.by_id["id_password"]["aria-describedby"] == "id_password_helptext form_errors"
    assert page.by_id["id_password"]["aria-invalid"] == "true"


def test_login_empty_field_error_is_described_by_input(client, db):
    response = _post_login(client, "", "")

    page = _Page.parse(response)
    assert page.by_id["id_login"]["aria-invalid"] == "true"
    assert page.by_id["id_login"]["aria-describedby"] == "id_login_helptext id_login_error"
    assert page.by_id["id_login_error"]["class"] == "errorlist"


# --- Rate limits -----------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["email", "nip"])
def test_login_repeated_wrong_passwords_refuses_even_the_right_one(client, employee, login):
    login = "alice@example.test" if login == "email" else employee.nip
    for _ in range(5):
        _post_login(client, login, WRONG_PASSWORD)

    response = _post_login(client, login, PASSWORD)

    assert response.status_code == 200
    assert _form_errors(response) == [TOO_MANY_ATTEMPTS]
    assert _logged_in_user_id(client) is None


def test_login_nip_spelled_differently_shares_one_counter(client, employee):
    spellings = [employee.nip, employee.nip_display, f" {employee.nip_display} "]
    for attempt in range(5):
        _post_login(client, spellings[attempt % len(spellings)], WRONG_PASSWORD)

    response = _post_login(client, employee.nip_display, PASSWORD)

    assert _form_errors(response) == [TOO_MANY_ATTEMPTS]


def test_login_email_case_variants_share_one_counter(client, employee):
    for attempt in range(5):
        _post_login(client, "ALICE@example.test" if attempt % 2 else "alice@example.test", "x")

    response = _post_login(client, "Alice@Example.Test", PASSWORD)

    assert _form_errors(response) == [TOO_MANY_ATTEMPTS]


@pytest.mark.parametrize("login", ["email", "nip"])
def test_login_failures_under_varying_host_ports_share_one_counter(client, employee, login):
    login = "alice@example.test" if login == "email" else employee.nip
    for port in range(1, 6):
        client.post(
            LOGIN_URL, {"login": login, "password": WRONG_PASSWORD}, HTTP_HOST=f"testserver:{port}"
        )

    response = client.post(
        LOGIN_URL, {"login": login, "password": PASSWORD}, HTTP_HOST="testserver:6"
    )

    assert _form_errors(response) == [TOO_MANY_ATTEMPTS]
    assert _logged_in_user_id(client) is None


def test_login_failures_under_other_allowed_host_share_one_counter(client, employee):
    hosts = ["testserver", "localhost", "127.0.0.1", "localhost:8000", "127.0.0.1:9"]
    for host in hosts:
        client.post(LOGIN_URL, {"login": "alice@example.test", "password": "x"}, HTTP_HOST=host)

    response = _post_login(client, "alice@example.test", PASSWORD)

    assert _form_errors(response) == [TOO_MANY_ATTEMPTS]


def test_login_one_address_guessing_many_accounts_is_refused(client, db):
    for number in range(10):
        _post_login(client, f"tamu{number}@example.test", WRONG_PASSWORD)
    target = UserFactory(email="target@example.test")

    response = _post_login(client, target.email, PASSWORD)

    assert _form_errors(response) == [TOO_MANY_ATTEMPTS]


def test_login_failures_are_counted_in_redis(client, employee):
    _post_login(client, "alice@example.test", WRONG_PASSWORD)

    store = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    keys = [
        key.decode()
        for key in store.keys(own_redis_pattern("*allauth:rl:allauth.account:login_failed:*"))
    ]
    assert settings.CACHES["default"]["BACKEND"] == "rumahbelajar.cache.RedisCache"
    assert len(keys) == 2  # one per address, one per account


# --- The admin has no login of its own ---------------------------------------------------------


def test_admin_login_anonymous_get_redirects_to_allauth_login(client, db):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response.url == f"{LOGIN_URL}?next=%2Fadmin%2F"


def test_admin_index_anonymous_redirects_through_allauth_login(client, db):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0].startswith(f"{LOGIN_URL}?next=")
    assert response.templates[0].name == "account/login.html"


@pytest.mark.parametrize("field", ["username", "login"])
def test_admin_login_post_with_right_credentials_logs_nobody_in(client, superuser, field):
    response = client.post(
        "/admin/login/?next=/admin/", {field: "root@example.test", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.url.startswith(LOGIN_URL)
    assert _logged_in_user_id(client) is None
    assert client.get("/admin/").status_code == 302


def test_admin_login_repeated_failures_are_throttled(client, superuser):
    for _ in range(5):
        client.post("/admin/login/", {"username": "root@example.test", "password": "x"})
        redirect = client.get("/admin/login/?next=/admin/")
        _post_login(client, "root@example.test", WRONG_PASSWORD, next_url="/admin/")

    response = _post_login(client, "root@example.test", PASSWORD, next_url="/admin/")

    assert redirect.url == f"{LOGIN_URL}?next=%2Fadmin%2F"
    assert _form_errors(response) == [TOO_MANY_ATTEMPTS]
    assert _logged_in_user_id(client) is None


def test_admin_login_through_allauth_reaches_admin(client, superuser):
    response = _post_login(client, "root@example.test", PASSWORD, next_url="/admin/")

    assert response.status_code == 302
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


# --- Accounts come from HR: signup closed, first password by reset link or code ----------------


def test_signup_closed_by_default_says_so(client, db):
    response = client.get("/accounts/signup/")

    assert response.status_code == 200
    assert response.templates[0].name == "account/signup_closed.html"
    assert "Pendaftaran mandiri ditutup." in response.text


#: A signup form as a newcomer would fill it in.
SIGNUP = {
    "email": "baru@example.test",
    "username": "199001012015011001",
    "password1": "kata-sandi-baru-987",
    "password2": "kata-sandi-baru-987",
}


def test_signup_closed_post_creates_nobody(client, db):
    response = client.post("/accounts/signup/", SIGNUP)

    assert response.status_code == 200
    assert User.objects.filter(email="baru@example.test").exists() is False


def test_signup_allowed_requires_email_verification(client, db, settings):
    settings.ACCOUNT_ALLOW_SIGNUP = True
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"

    response = client.post("/accounts/signup/", SIGNUP)

    user = User.objects.get(email="baru@example.test")
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert _logged_in_user_id(client) is None
    assert (user.nip, user.employee_type) == ("199001012015011001", "pns")
    assert [message.to for message in mail.outbox] == [["baru@example.test"]]


def test_signup_allowed_page_asks_for_nip_with_labels(client, db, settings):
    settings.ACCOUNT_ALLOW_SIGNUP = True
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"

    response = client.get("/accounts/signup/")

    page = _Page.parse(response)
    assert response.templates[0].name == "account/signup.html"
    assert '<label for="id_username">NIP</label>' in response.text
    assert page.unlabelled_controls() == []


def test_signup_allowed_without_mandatory_verification_stays_closed(client, db, settings):
    settings.ACCOUNT_ALLOW_SIGNUP = True
    settings.ACCOUNT_EMAIL_VERIFICATION = "none"

    response = client.get("/accounts/signup/")

    assert response.templates[0].name == "account/signup_closed.html"


def test_settings_signup_allowed_makes_email_verification_mandatory():
    value = production_setting("ACCOUNT_EMAIL_VERIFICATION", ACCOUNT_ALLOW_SIGNUP="1")

    assert value == "mandatory"


@pytest.fixture
def provisioned(unit_a1):
    """Imported by HR: no password yet."""
    user = UserFactory(email="dewi@example.test", full_name="Dewi Baru", unit=unit_a1)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return user


def test_password_reset_provisioned_user_sets_first_password_and_logs_in(client, provisioned):
    client.post("/accounts/password/reset/", {"email": "Dewi@example.test"})
    link = re.search(r"https?://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    form_url = client.get(link.group(1)).url

    response = client.post(
        form_url, {"password1": "sandi-pertama-dewi-55", "password2": "sandi-pertama-dewi-55"}
    )
    login = _post_login(client, "dewi@example.test", "sandi-pertama-dewi-55")

    provisioned.refresh_from_db()
    assert [message.to for message in mail.outbox] == [["dewi@example.test"]]
    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_from_key_done")
    assert provisioned.check_password("sandi-pertama-dewi-55") is True
    assert login.status_code == 302
    assert _logged_in_user_id(client) == str(provisioned.pk)


def _reset_link(client, email: str) -> str:
    client.post("/accounts/password/reset/", {"email": email})
    return re.search(
        r"https?://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body
    ).group(1)


def _later(monkeypatch, seconds: int) -> None:
    """Reset tokens read the clock through PasswordResetTokenGenerator._now()."""
    now = PasswordResetTokenGenerator._now(PasswordResetTokenGenerator())
    monkeypatch.setattr(
        PasswordResetTokenGenerator, "_now", lambda self: now + dt.timedelta(seconds=seconds)
    )


def test_password_reset_link_after_two_hours_is_refused(client, provisioned, monkeypatch):
    link = _reset_link(client, "dewi@example.test")
    _later(monkeypatch, 2 * 60 * 60)

    response = client.get(link, follow=True)

    assert response.context["token_fail"] is True


def test_password_reset_link_within_the_hour_is_accepted(client, provisioned, monkeypatch):
    link = _reset_link(client, "dewi@example.test")
    _later(monkeypatch, 50 * 60)

    response = client.get(link, follow=True)

    assert response.redirect_chain[-1][0].endswith("-set-password/")
    assert response.context.get("token_fail") is None


def test_settings_password_reset_timeout_is_one_hour():
    assert settings.PASSWORD_RESET_TIMEOUT == 60 * 60


def test_password_reset_unknown_email_answers_like_known(client, provisioned):
    known = client.post("/accounts/password/reset/", {"email": "dewi@example.test"})
    unknown = client.post("/accounts/password/reset/", {"email": "siapa@example.test"})

    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == reverse("account_reset_password_done")


def test_login_by_code_provisioned_user_logs_in_with_emailed_code(client, provisioned):
    request = client.post("/accounts/login/code/", {"email": "dewi@example.test"})
    code = re.search(r"^\s*([A-Z0-9]{4,}-?[A-Z0-9]{4,})\s*$", mail.outbox[0].body, re.M).group(1)

    response = client.post(request.url, {"code": code})

    assert request.url == reverse("account_confirm_login_code")
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert _logged_in_user_id(client) == str(provisioned.pk)


def test_login_by_code_wrong_code_does_not_log_in(client, provisioned):
    request = client.post("/accounts/login/code/", {"email": "dewi@example.test"})

    response = client.post(request.url, {"code": "AAAA-AAAA"})

    assert response.status_code == 200
    assert _logged_in_user_id(client) is None


# --- HR owns email addresses -------------------------------------------------------------------


def test_email_page_employee_not_found(client, employee):
    client.force_login(employee)

    response = client.get(reverse("account_email"))

    assert response.status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"action_add": "", "email": "mallory@example.test"}, id="add"),
        pytest.param({"action_primary": "", "email": "lama@example.test"}, id="make-other-primary"),
    ],
)
def test_email_page_post_changes_nothing(client, employee, data):
    EmailAddress.objects.create(user=employee, email="alice@example.test", primary=True)
    EmailAddress.objects.create(user=employee, email="lama@example.test", primary=False)
    client.force_login(employee)

    response = client.post(reverse("account_email"), data)

    employee.refresh_from_db()
    assert response.status_code == 404
    assert employee.email == "alice@example.test"
    assert set(EmailAddress.objects.values_list("email", "primary")) == {
        ("alice@example.test", True),
        ("lama@example.test", False),
    }


# --- allauth pages in the site layout, in Indonesian, with accessible forms --------------------


class _Page(HTMLParser):
    """The bits of a page the accessibility checks need: controls, labels, buttons, ids."""

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, str]] = {}
        self.controls: list[dict[str, str]] = []
        self.label_for: set[str] = set()
        self.buttons: list[str] = []
        self.html_lang = ""
        self._button_text: list[str] | None = None
        self._label_depth = 0

    @classmethod
    def parse(cls, response) -> _Page:
        page = cls()
        page.feed(response.content.decode())
        return page

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if "id" in attributes:
            self.by_id[attributes["id"]] = attributes
        if tag == "html":
            self.html_lang = attributes.get("lang", "")
        elif tag == "label":
            self._label_depth += 1
            if "for" in attributes:
                self.label_for.add(attributes["for"])
        elif tag in {"input", "select", "textarea"}:
            if attributes.get("type") not in {"hidden", "submit", "button"}:
                self.controls.append({**attributes, "_wrapped": str(self._label_depth > 0)})
        elif tag == "button":
            self._button_text = [attributes.get("aria-label", "")]

    def handle_endtag(self, tag):
        if tag == "label":
            self._label_depth -= 1
        elif tag == "button" and self._button_text is not None:
            self.buttons.append(" ".join("".join(self._button_text).split()))
            self._button_text = None

    def handle_data(self, data):
        if self._button_text is not None:
            self._button_text.append(data)

    def unlabelled_controls(self) -> list[str]:
        return [
            control.get("name", "?")
            for control in self.controls
            if control["_wrapped"] != "True" and control.get("id") not in self.label_for
        ]


ENTRANCE_PAGES = [
    ("account_login", "Masuk"),
    ("account_reset_password", "Reset Kata Sandi"),
    ("account_reset_password_done", "Reset Kata Sandi"),
    ("account_request_login_code", "Kirim kode masuk kepada saya"),
    ("account_signup", "Daftar Ditutup"),
    ("account_inactive", "Akun Tidak Aktif"),
    ("account_reset_password_from_key_done", "Ubah Kata Sandi"),
]
MANAGE_PAGES = [
    ("account_logout", "Keluar"),
    ("account_change_password", "Ubah Kata Sandi"),
    ("account_reauthenticate", "Konfirmasi Akses"),
    ("mfa_index", "Autentikasi Dua Faktor"),
    ("mfa_activate_totp", "Aktifkan Aplikasi Autentikator"),
    ("mfa_generate_recovery_codes", "Kode Pemulihan"),
]


def _assert_in_site_layout(response, heading):
    page = _Page.parse(response)
    template_names = [template.name for template in response.templates]
    assert response.status_code == 200
    assert "base.html" in template_names
    assert "allauth/layouts/base.html" in template_names
    assert page.html_lang == "id"
    assert re.search(r"<h1[^>]*>\s*" + re.escape(heading) + r"\s*</h1>", response.text)
    assert page.unlabelled_controls() == []
    assert [text for text in page.buttons if not text] == []


@pytest.mark.parametrize(("url_name", "heading"), ENTRANCE_PAGES)
def test_allauth_entrance_page_anonymous_renders_in_site_layout(client, db, url_name, heading):
    response = client.get(reverse(url_name))

    _assert_in_site_layout(response, heading)


def test_allauth_login_code_confirm_page_renders_in_site_layout(client, provisioned):
    client.post("/accounts/login/code/", {"email": "dewi@example.test"})

    response = client.get(reverse("account_confirm_login_code"))

    _assert_in_site_layout(response, "Masukkan Kode Masuk")


def test_allauth_reset_from_key_page_renders_in_site_layout(client, provisioned):
    client.post("/accounts/password/reset/", {"email": "dewi@example.test"})
    link = re.search(r"https?://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)

    response = client.get(link.group(1), follow=True)

    _assert_in_site_layout(response, "Ubah Kata Sandi")


@pytest.mark.parametrize(("url_name", "heading"), MANAGE_PAGES)
def test_allauth_manage_page_employee_renders_in_site_layout(client, employee, url_name, heading):
    _post_login(client, "alice@example.test", PASSWORD)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})  # MFA pages ask

    response = client.get(reverse(url_name))

    _assert_in_site_layout(response, heading)


# --- the person every request loads ---------------------------------------------------------


def test_load_person_brings_unit_and_position_in_one_query(employee, django_assert_num_queries):
    from rumahbelajar.people.selectors import load_person

    with django_assert_num_queries(1):
        person = load_person(employee.pk)
        names = (person.unit.name, person.position.name, person.unit.parent_id)

    assert person == employee
    assert names == (employee.unit.name, employee.position.name, employee.unit.parent_id)
    assert person.password == employee.password
    assert person.nip == employee.nip


def test_load_person_without_unit_or_position_has_none(superuser, django_assert_num_queries):
    from rumahbelajar.people.selectors import load_person

    with django_assert_num_queries(1):
        person = load_person(superuser.pk)
        related = (person.unit, person.position)

    assert related == (None, None)


@pytest.mark.parametrize("user_id", [None, "abc", "999999999", "9" * 30, "-1"])
def test_load_person_unknown_or_malformed_id_is_none(db, user_id):
    from rumahbelajar.people.selectors import load_person

    assert load_person(user_id) is None


def test_backend_inactive_person_is_not_loaded(employee):
    from rumahbelajar.people.backends import AuthenticationBackend

    employee.is_active = False
    employee.save(update_fields=["is_active"])

    assert AuthenticationBackend().get_user(employee.pk) is None
