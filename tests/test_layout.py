"""The page layout (templates/base.html and its includes), the dashboard and the error pages."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template import engines
from django.test import Client
from django.views.defaults import permission_denied, server_error
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from tests.conftest import PASSWORD
from tests.requests import client_for

pytestmark = pytest.mark.django_db

#: The sections of the portal that every employee has: (path, name in the navigation and on the
#: dashboard's cards).
SECTIONS = [
    ("/ebooks/", "E-book"),
    ("/competency/", "Peta Kompetensi"),
    ("/trainings/", "Pelatihan"),
]


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str | bytes, tag_name: str, /, **having: str) -> list[dict[str, str | None]]:
    """The attributes of every <tag_name> element whose attributes include `having`.

    Keyword names spell "-" as "_" and may end in "_" (class_="...", aria_current="page").
    """
    if isinstance(html, bytes):
        html = html.decode()
    collector = _TagCollector()
    collector.feed(html)
    wanted = {key.rstrip("_").replace("_", "-"): value for key, value in having.items()}
    return [
        attrs
        for tag, attrs in collector.tags
        if tag == tag_name and all(attrs.get(key) == value for key, value in wanted.items())
    ]


def dashboard_for(user) -> HttpResponse:
    """The dashboard (/) as `user` sees it."""
    return client_for(user).get("/")


def assert_once(response: HttpResponse, html: str) -> None:
    """`html` stands exactly once in the page, compared as HTML."""
    assertContains(response, html, html=True, count=1)


# --- Dashboard access -----------------------------------------------------------------------


def test_dashboard_employee_sees_greeting_nip_unit_and_position(employee):
    response = dashboard_for(employee)

    assert response.status_code == 200
    assertContains(
        response,
        '<h1 class="page-intro__title">Selamat datang, Alice Pegawai</h1>',
        html=True,
    )
    assert_once(response, f'<dd class="fact__nip">{employee.nip_display}</dd>')
    assert_once(response, f"<dd>{employee.unit.name}</dd>")
    assert_once(response, f"<dd>{employee.position.name}</dd>")


def test_dashboard_person_without_nip_or_unit_sees_placeholders(superuser):
    response = dashboard_for(superuser)

    assert response.status_code == 200
    assert_once(response, '<dd class="fact__nip">Belum diisi</dd>')
    assertContains(response, "<dd>Belum diisi</dd>", html=True, count=2)


@pytest.mark.parametrize(("path", "label"), SECTIONS)
def test_dashboard_employee_sees_card_linking_to_section(employee, path, label):
    response = dashboard_for(employee)

    assert_once(response, f'<a class="stretched-link card__link" href="{path}">{label}</a>')


# --- Navigation and the person's menu ---------------------------------------------------------


def test_nav_on_dashboard_marks_beranda_as_current_page(employee):
    response = dashboard_for(employee)

    assert_once(response, '<a class="primary-nav__link" href="/" aria-current="page">Beranda</a>')
    assert len(tags(response.content, "a", aria_current="page")) == 1


@pytest.mark.parametrize(("path", "label"), SECTIONS)
def test_nav_on_dashboard_lists_other_sections_not_current(employee, path, label):
    response = dashboard_for(employee)

    assert_once(response, f'<a class="primary-nav__link" href="{path}">{label}</a>')


def test_nav_inside_a_section_marks_its_item_as_current(rf, employee):
    request = rf.get("/ebooks/12/")
    request.user = employee

    html = (
        engines["django"].from_string("{% load layout %}{% site_header %}").render(request=request)
    )

    current = tags(html, "a", aria_current="true")
    assert [link["href"] for link in current] == ["/ebooks/"]
    assert tags(html, "a", aria_current="page") == []


def test_user_menu_hr_admin_sees_admin_link(hr_admin, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False

    response = dashboard_for(hr_admin)

    assert_once(response, '<a class="user-menu__item" href="/admin/">Admin</a>')


def test_user_menu_employee_sees_no_admin_link(employee):
    response = dashboard_for(employee)

    assert tags(response.content, "a", href="/admin/") == []


def test_user_menu_employee_sees_account_links_and_logout_form(employee):
    response = dashboard_for(employee)

    assert_once(
        response, '<a class="user-menu__item" href="/accounts/password/change/">Ubah kata sandi</a>'
    )
    assert len(tags(response.content, "a", class_="user-menu__item", href="/accounts/2fa/")) == 1
    logout_forms = tags(response.content, "form", action="/accounts/logout/")
    assert logout_forms == [
        {"class": "user-menu__logout", "method": "post", "action": "/accounts/logout/"}
    ]


def test_layout_anonymous_sees_header_without_nav_or_user_menu(client):
    response = client.get("/halaman-yang-tidak-ada/")

    assert response.status_code == 404
    assert tags(response.content, "nav") == []
    assert tags(response.content, "details") == []
    assert len(tags(response.content, "form", action="/i18n/setlang/")) == 1


def test_layout_page_has_landmarks_skip_link_and_one_h1(employee):
    response = dashboard_for(employee)

    html = response.content
    assert [len(tags(html, name)) for name in ("header", "nav", "main", "footer", "h1")] == [
        1,
        1,
        1,
        1,
        1,
    ]
    assert tags(html, "main")[0]["id"] == "konten"
    assertContains(
        response, '<a class="skip-link" href="#konten">Langsung ke konten</a>', html=True
    )


def test_layout_loads_only_own_static_assets_and_no_inline_code(employee):
    response = dashboard_for(employee)

    html = response.content
    scripts = tags(html, "script")
    assert [script["src"] for script in scripts] == [
        "/static/vendor/htmx/htmx.min.js",
        "/static/js/app.js",
    ]
    assert all("defer" in script for script in scripts)
    assert tags(html, "style") == []
    assert b" style=" not in html
    assert tags(html, "meta", name="htmx-config") == [
        {
            "name": "htmx-config",
            "content": '{"includeIndicatorStyles": false, "allowEval": false}',
        }
    ]


# --- Messages ---------------------------------------------------------------------------------


def test_messages_after_login_are_shown_in_the_live_region(client, employee):
    client.post("/accounts/login/", {"login": employee.email, "password": PASSWORD})

    response = client.get("/")

    region = tags(response.content, "div", id="pesan")
    assert region == [{"class": "messages", "id": "pesan", "role": "status", "aria-live": "polite"}]
    assert len(tags(response.content, "li", class_="message message--success")) == 1


# --- Language ---------------------------------------------------------------------------------


def test_language_switch_by_default_is_indonesian(employee):
    response = dashboard_for(employee)

    assert tags(response.content, "html") == [{"lang": "id"}]
    forms = tags(response.content, "form", action="/i18n/setlang/")
    assert forms == [{"class": "lang-switch", "action": "/i18n/setlang/", "method": "post"}]
    assert tags(response.content, "input", name="next") == [
        {"type": "hidden", "name": "next", "value": "/"}
    ]
    pressed = tags(response.content, "button", name="language", aria_pressed="true")
    assert [button["value"] for button in pressed] == ["id"]


def test_language_switch_posting_english_renders_english(client, employee):
    client.force_login(employee)

    switch = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/")

    assertRedirects(switch, "/", fetch_redirect_response=False)
    assert tags(response.content, "html") == [{"lang": "en"}]
    pressed = tags(response.content, "button", name="language", aria_pressed="true")
    assert [button["value"] for button in pressed] == ["en"]


# --- Error pages ------------------------------------------------------------------------------


def test_404_for_employee_renders_in_the_layout(client, employee):
    client.force_login(employee)

    response = client.get("/halaman-yang-tidak-ada/")

    assert response.status_code == 404
    assert [t.name for t in response.templates][:2] == ["404.html", "base.html"]
    assertContains(response, "<h1>Halaman tidak ditemukan</h1>", html=True, status_code=404)


def test_403_for_employee_renders_in_the_layout(rf, employee):
    request = rf.get("/rahasia/")
    request.user = employee

    response = permission_denied(request, exception=PermissionDenied())

    assert response.status_code == 403
    assertContains(response, "<h1>Akses ditolak</h1>", html=True, status_code=403)
    assert len(tags(response.content, "nav")) == 1


def test_500_without_request_context_renders_static_page(rf):
    response = server_error(rf.get("/"))

    assert response.status_code == 500
    assertContains(response, "<h1>Terjadi kesalahan</h1>", html=True, status_code=500)
    assertNotContains(response, "csrfmiddlewaretoken", status_code=500)


def test_dashboard_browser_asking_for_english_still_gets_indonesian(client, employee):
    client.force_login(employee)

    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert response.headers["Content-Language"] == "id"


def test_dashboard_after_choosing_english_gets_english(client, employee):
    client.force_login(employee)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    response = client.get("/", HTTP_ACCEPT_LANGUAGE="id")

    assert response.headers["Content-Language"] == "en"


def test_csrf_failure_page_is_in_the_site_layout(employee):
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee)

    response = client.post("/i18n/setlang/", {"language": "en"})

    assert response.status_code == 403
    assert "Formulir kedaluwarsa" in response.content.decode()
    assert 'id="konten"' in response.content.decode()


def test_header_drawn_once_shows_each_person_their_own_name_escaped(client, employee, colleague):
    # The header is rendered once per process and language; what is personal is filled in per
    # request: the next person must never see the previous one's name, email or path.
    colleague.full_name = '<b>Bob</b> & "Rekan"'
    colleague.save(update_fields=["full_name"])

    client.force_login(employee)
    first = client.get("/ebooks/?q=a<b")
    client.force_login(colleague)
    second = client.get("/ebooks/?q=x")

    assert "Alice Pegawai" in first.text
    assert "alice@example.test" in first.text
    assert 'value="/ebooks/?q=a%3Cb"' in first.text or 'value="/ebooks/?q=a&lt;b"' in first.text
    assert "Alice" not in second.text
    assert "alice@example.test" not in second.text
    assert "&lt;b&gt;Bob&lt;/b&gt; &amp; &quot;Rekan&quot;" in second.text
    assert "<b>Bob</b>" not in second.text
    assert 'aria-hidden="true">&lt;</span>' in second.text  # the initial, escaped too
    assert 'value="/ebooks/?q=x"' in second.text
