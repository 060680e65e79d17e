"""Security bars: production settings pass `check --deploy`, bad configuration stops the start,
responses carry the security headers, and no template needs inline script or style (strict CSP)."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.production_settings import manage, production_setting

BASE_DIR = Path(__file__).resolve().parents[1]
TEMPLATES_DIR = BASE_DIR / "templates"


# --- Settings ----------------------------------------------------------------------------------


def test_check_deploy_production_settings_passes():
    result = manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "env",
    [
        {"DEBUG": "maybe"},
        {"PORT": "eighty"},
        {"PORT": "70000"},
        {"EMAIL_PORT": "smtp"},
        {"DATABASE_URL": "sqlite:///var/rumahbelajar.sqlite3"},
        {"DATABASE_URL": "mysql://root@127.0.0.1/rumahbelajar"},
        {"SECRET_KEY": "", "DEBUG": "0"},
        {"SECURE_HTTPS": "perhaps"},
        {"TRUSTED_PROXY_COUNT": "-1"},
    ],
    ids=lambda env: ",".join(f"{key}={value}" for key, value in env.items()),
)
def test_settings_bad_environment_stops_with_improperly_configured(env):
    result = manage("check", **env)

    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr


def test_settings_mfa_required_for_staff_production_defaults_on():
    value = production_setting("MFA_REQUIRED_FOR_STAFF")

    assert value == "True"


def test_settings_mfa_required_for_staff_demo_data_defaults_off():
    value = production_setting("MFA_REQUIRED_FOR_STAFF", DEMO_DATA="1")

    assert value == "False"


@pytest.mark.parametrize(("demo", "mfa"), [("0", "0"), ("1", "1")])
def test_settings_mfa_required_for_staff_explicit_value_wins(demo, mfa):
    value = production_setting("MFA_REQUIRED_FOR_STAFF", DEMO_DATA=demo, MFA_REQUIRED_FOR_STAFF=mfa)

    assert value == str(mfa == "1")


def _run_write_dotenv(root: Path) -> subprocess.CompletedProcess[str]:
    """bin/write-dotenv copied into `root` (it writes next to its bin/), run under the usual
    umask 022 with `root`'s .venv/bin/python being this interpreter."""
    (root / "bin").mkdir()
    shutil.copy2(BASE_DIR / "bin" / "write-dotenv", root / "bin" / "write-dotenv")
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".venv" / "bin" / "python").symlink_to(sys.executable)
    return subprocess.run(
        ["bash", "-c", 'umask 022 && exec "$0"', str(root / "bin" / "write-dotenv")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_write_dotenv_new_file_readable_by_owner_only(tmp_path):
    result = _run_write_dotenv(tmp_path)

    dotenv = tmp_path / ".env"
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(dotenv.stat().st_mode) == 0o600
    assert re.search(r"^SECRET_KEY=\S{50,}$", dotenv.read_text(), re.MULTILINE)


# --- Response headers --------------------------------------------------------------------------


def _csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for directive in policy.split(";"):
        name, *values = directive.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("path", ["/accounts/login/", "/livez", "/admin/login/"])
def test_response_anonymous_carries_security_headers(client, db, path):
    response = client.get(path)

    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_response_csp_allows_no_inline_script_or_style(client, db):
    response = client.get("/accounts/login/")

    directives = _csp_directives(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]


def test_response_csp_employee_page_has_no_unsafe_directives(client, employee):
    client.force_login(employee)

    response = client.get("/accounts/2fa/")

    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


# --- Templates ---------------------------------------------------------------------------------

_SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
_STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
_STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*\sstyle\s*=", re.IGNORECASE | re.DOTALL)
_EVENT_HANDLER = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.IGNORECASE | re.DOTALL)
_JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
_TEMPLATE_COMMENT = re.compile(
    r"\{#.*?#\}|\{%\s*comment\b.*?%\}.*?\{%\s*endcomment\s*%\}", re.DOTALL
)


def _inline_code(template: str) -> list[str]:
    source = _TEMPLATE_COMMENT.sub("", template)
    problems = []
    for match in _SCRIPT_TAG.finditer(source):
        attributes = match.group(1)
        is_data = re.search(r"""type\s*=\s*["']application/(ld\+)?json["']""", attributes)
        if not re.search(r"\bsrc\s*=", attributes) and not is_data:
            problems.append(f"inline <script>: {match.group(0)}")
    for pattern, what in [
        (_STYLE_ELEMENT, "<style> element"),
        (_STYLE_ATTRIBUTE, "style= attribute"),
        (_EVENT_HANDLER, "on...= event handler"),
        (_JAVASCRIPT_URL, "javascript: URL"),
    ]:
        problems.extend(f"{what}: {match.group(0)[:80]}" for match in pattern.finditer(source))
    return problems


def test_templates_have_no_inline_script_or_style():
    templates = sorted(TEMPLATES_DIR.rglob("*.html"))

    problems = {
        str(path.relative_to(BASE_DIR)): found
        for path in templates
        if (found := _inline_code(path.read_text(encoding="utf-8")))
    }

    assert len(templates) > 0
    assert problems == {}


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<div style="color: red">',
        '<button onclick="go()">',
        "<style>p { color: red }</style>",
        '<a href="javascript:go()">',
    ],
)
def test_inline_code_scan_known_bad_snippet_is_found(snippet):
    problems = _inline_code(snippet)

    assert len(problems) == 1


def test_inline_code_scan_external_script_data_attribute_and_comment_pass():
    source = (
        '<script src="/static/js/app.js" defer></script>'
        '<div data-style="x" data-onload="y" class="one">'
        '<script type="application/json">{"a": 1}</script>'
        "{# never a <style> here #}{% comment %}nor <script>{% endcomment %}"
    )

    problems = _inline_code(source)

    assert problems == []
