"""rumahbelajar.versions.current within a request: every counter the process knows is read in one
round trip and kept for the request; a move in the request is seen at once; outside a request
every read goes to the cache."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.test import Client

from ebooks.selectors import CATALOGUE_VERSION_KEY
from rumahbelajar import versions
from rumahbelajar.sessions import SessionStore

# The request signals close stale database connections, as in a real request.
pytestmark = pytest.mark.django_db

A, B = "test:versions-a", "test:versions-b"


@pytest.fixture(autouse=True)
def counters():
    cache.delete_many([A, B])
    yield
    request_finished.send(sender=None)
    cache.delete_many([A, B])


def moved_by_another_process(key: str) -> None:
    cache.incr(key)  # as another web process's write would


def test_a_request_reads_a_counter_once_and_keeps_it():
    request_started.send(sender=None)
    first = versions.current([A])[0]
    moved_by_another_process(A)

    assert versions.current([A]) == [first]  # the request sees one version throughout
    request_finished.send(sender=None)
    assert versions.current([A]) == [first + 1]  # the next one sees the move


def test_a_request_fetches_the_counters_it_knows_together():
    request_started.send(sender=None)
    a = versions.current([A])[0]  # now known to the process
    request_finished.send(sender=None)

    request_started.send(sender=None)
    versions.current([B])  # reads A with it
    moved_by_another_process(A)

    assert versions.current([A]) == [a]  # no second read: it came with B


def test_a_move_in_the_request_is_seen_by_the_same_request():
    request_started.send(sender=None)
    before = versions.current([A])[0]
    versions.move_on([A])

    assert versions.current([A]) == [before + 1]


def test_outside_a_request_every_read_goes_to_the_cache():
    first = versions.current([A])[0]
    moved_by_another_process(A)

    assert versions.current([A]) == [first + 1]


def test_the_test_client_starts_and_ends_the_request_memo():
    Client().get("/livez")

    assert getattr(versions._request, "values", None) is None


def test_the_session_brings_the_counters_the_process_knows(client, employee):
    client.force_login(employee)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    request_started.send(sender=None)
    a = versions.current([A])[0]  # now known to the process
    request_finished.send(sender=None)

    request_started.send(sender=None)
    session = SessionStore(session_key=key)
    assert session.get(SESSION_KEY) == str(employee.pk)  # read: from Redis, with A
    moved_by_another_process(A)

    assert versions.current([A]) == [a]  # no second read: it came with the session


def test_a_page_reads_the_session_and_the_catalogue_version_in_one_round_trip(
    client, employee, monkeypatch
):
    client.force_login(employee)
    client.get("/ebooks/")  # the catalogue's version is now known to the process
    commands: list[tuple[str, ...]] = []
    execute = redis.Redis.execute_command

    def counted(self, *args, **options):
        commands.append(tuple(str(arg) for arg in args))
        return execute(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counted)
    response = client.get("/ebooks/")

    assert response.status_code == 200
    assert not [command for command in commands if command[0] == "GET"]
    together = [
        command
        for command in commands
        if command[0] == "MGET"
        and any(SessionStore.cache_key_prefix in key for key in command)
        and any(key.endswith(CATALOGUE_VERSION_KEY) for key in command)
    ]
    assert len(together) == 1


def test_a_session_missing_from_redis_is_read_from_the_database(client, employee):
    client.force_login(employee)
    client.get("/ebooks/")  # a counter known, so the session is read through the MGET
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    cache.delete(SessionStore.cache_key_prefix + key)

    response = client.get("/ebooks/")

    assert response.status_code == 200
    assert employee.full_name in response.content.decode()  # still logged in
    assert cache.get(SessionStore.cache_key_prefix + key) is not None  # and cached again
