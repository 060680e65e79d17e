"""API tokens: stored hashed, verified by hash, touched at most once a minute, created by the
command (token on the last line) and in the admin (superusers only; plaintext shown once)."""

from __future__ import annotations

import datetime as dt
import hashlib
from io import StringIO

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.utils import timezone

import competency.admin_tokens  # noqa: F401  (registers ApiTokenAdmin before the admin's URLs load)
from competency import tokens
from competency.models import ApiToken
from tests.requests import client_for

CHANGELIST = "/admin/competency/apitoken/"
ADD = "/admin/competency/apitoken/add/"


# --- Service ------------------------------------------------------------------------------


def test_create_api_token_stores_only_sha256(db):
    token, plaintext = tokens.create_api_token(name="  sistem-asesmen  ")

    stored = ApiToken.objects.get()
    assert stored == token
    assert stored.name == "sistem-asesmen"
    assert stored.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert stored.prefix == plaintext[:8]
    assert plaintext.startswith("rb_")
    assert len(plaintext) >= 40
    assert stored.is_active is True
    assert stored.last_used_at is None


def test_create_api_token_twice_different_plaintexts(db):
    _first, one = tokens.create_api_token(name="a")
    _second, two = tokens.create_api_token(name="b")

    assert one != two


def test_create_api_token_duplicate_name_raises(db):
    tokens.create_api_token(name="sistem-asesmen")

    with pytest.raises(tokens.DuplicateTokenName):
        tokens.create_api_token(name="sistem-asesmen")

    assert ApiToken.objects.count() == 1


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_create_api_token_bad_name_raises(db, name):
    with pytest.raises(tokens.InvalidTokenName):
        tokens.create_api_token(name=name)

    assert ApiToken.objects.count() == 0


def test_verify_api_token_right_token_returns_row_and_touches(db):
    token, plaintext = tokens.create_api_token(name="a")

    found = tokens.verify_api_token(token=plaintext)

    token.refresh_from_db()
    assert found == token
    assert token.last_used_at is not None


@pytest.mark.parametrize("presented", ["", "rb_wrong", "x" * 201])
def test_verify_api_token_wrong_token_none(db, presented):
    tokens.create_api_token(name="a")

    assert tokens.verify_api_token(token=presented) is None


def test_verify_api_token_revoked_none(db):
    token, plaintext = tokens.create_api_token(name="a")
    tokens.revoke_api_tokens(tokens=[token])

    found = tokens.verify_api_token(token=plaintext)

    assert found is None


def test_verify_api_token_used_within_a_minute_no_write(db, django_assert_num_queries):
    _token, plaintext = tokens.create_api_token(name="a")
    tokens.verify_api_token(token=plaintext)

    with django_assert_num_queries(1):
        found = tokens.verify_api_token(token=plaintext)

    assert found is not None


def test_verify_api_token_last_use_over_a_minute_ago_writes_again(db):
    token, plaintext = tokens.create_api_token(name="a")
    long_ago = timezone.now() - dt.timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=long_ago)

    tokens.verify_api_token(token=plaintext)

    token.refresh_from_db()
    assert token.last_used_at > long_ago


def test_touch_api_token_stale_copy_does_not_write_twice(db):
    token, _plaintext = tokens.create_api_token(name="a")
    now = timezone.now()
    other_copy = ApiToken.objects.get(pk=token.pk)
    tokens.touch_api_token(token=token, now=now)

    wrote = tokens.touch_api_token(token=other_copy, now=now + dt.timedelta(seconds=5))

    assert wrote is False
    assert ApiToken.objects.get(pk=token.pk).last_used_at == now


def test_revoke_api_tokens_counts_only_active(db):
    first, _ = tokens.create_api_token(name="a")
    second, _ = tokens.create_api_token(name="b")
    tokens.revoke_api_tokens(tokens=[first])

    count = tokens.revoke_api_tokens(tokens=[first, second])

    assert count == 1
    assert list(ApiToken.objects.filter(is_active=True)) == []


# --- Command ------------------------------------------------------------------------------


def test_create_api_token_command_prints_token_as_last_line(db):
    out = StringIO()

    call_command("create_api_token", "sistem-asesmen", stdout=out)

    last_line = out.getvalue().rstrip("\n").splitlines()[-1]
    stored = ApiToken.objects.get(name="sistem-asesmen")
    assert stored.token_hash == hashlib.sha256(last_line.encode()).hexdigest()
    assert tokens.verify_api_token(token=last_line) == stored


def test_create_api_token_command_duplicate_name_refused(db):
    call_command("create_api_token", "sistem-asesmen", stdout=StringIO())

    with pytest.raises(CommandError, match="sudah ada"):
        call_command("create_api_token", "sistem-asesmen", stdout=StringIO())

    assert ApiToken.objects.count() == 1


# --- Admin --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("superuser", 200), ("hr_admin", 403), ("employee", 302), ("colleague", 302)],
)
def test_api_token_admin_list_superusers_only(cast, who, status):
    tokens.create_api_token(name="sistem-asesmen")
    client = client_for(cast[who])

    response = client.get(CHANGELIST)

    assert response.status_code == status
    if status == 200:
        assert b"sistem-asesmen" in response.content


def test_api_token_admin_hr_admin_cannot_add(hr_admin):
    client = client_for(hr_admin)

    response = client.post(ADD, {"name": "x"})

    assert response.status_code == 403
    assert ApiToken.objects.count() == 0


def test_api_token_admin_add_shows_plaintext_once_in_the_page(superuser):
    client = client_for(superuser)

    response = client.post(ADD, {"name": "sistem-asesmen"})

    stored = ApiToken.objects.get()
    plaintext = response.context["plaintext"]
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"].split(", ")
    assert f'value="{plaintext}"'.encode() in response.content
    assert stored.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert tokens.verify_api_token(token=plaintext) == stored
    assert plaintext.encode() not in client.get(CHANGELIST).content
    assert plaintext.encode() not in client.get(f"{CHANGELIST}{stored.pk}/change/").content


def test_api_token_admin_add_puts_the_token_in_no_cookie_or_message(superuser):
    client = client_for(superuser)

    response = client.post(ADD, {"name": "sistem-asesmen"})

    plaintext = response.context["plaintext"]
    set_cookies = [morsel.OutputString() for morsel in response.cookies.values()]
    assert [c for c in set_cookies if plaintext in c] == []
    assert "messages" not in response.cookies
    assert list(get_messages(response.wsgi_request)) == []


def test_api_token_admin_add_duplicate_name_form_error(superuser):
    tokens.create_api_token(name="sistem-asesmen")
    client = client_for(superuser)

    response = client.post(ADD, {"name": "sistem-asesmen"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"]
    assert ApiToken.objects.count() == 1


def test_api_token_admin_revoke_action_deactivates(superuser):
    token, plaintext = tokens.create_api_token(name="sistem-asesmen")
    client = client_for(superuser)

    response = client.post(
        CHANGELIST, {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )

    token.refresh_from_db()
    assert response.status_code == 200
    assert token.is_active is False
    assert tokens.verify_api_token(token=plaintext) is None


def test_api_token_admin_change_page_cannot_edit(superuser):
    token, _plaintext = tokens.create_api_token(name="sistem-asesmen")
    client = client_for(superuser)

    response = client.post(f"{CHANGELIST}{token.pk}/change/", {"name": "renamed", "is_active": ""})

    token.refresh_from_db()
    assert response.status_code == 302
    assert (token.name, token.is_active) == ("sistem-asesmen", True)


def test_api_token_admin_superuser_cannot_delete(superuser):
    token, _plaintext = tokens.create_api_token(name="sistem-asesmen")
    client = client_for(superuser)

    response = client.get(f"{CHANGELIST}{token.pk}/delete/")

    assert response.status_code == 403
