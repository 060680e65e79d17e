"""Redis is a cache, never the store of record (issue 11, item 1).

Sessions live in PostgreSQL with Redis as their cache (`cached_db`): they survive Redis losing
its data, and are read from the database while Redis is away. A cache error is a miss, counted
and logged, never a 500; the login rate limits keep counting in the process's memory meanwhile.
And an ordinary page view writes nothing for the session.

"Redis down" points the cache at a closed port (nothing listens on port 1), as
tests/competency/test_redis_down.py does: the shared Redis server other runs use is never stopped.
"""

from __future__ import annotations

import logging
from importlib import import_module

import pytest
import redis
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cached_db
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rumahbelajar import cache as redis_cache
from rumahbelajar import health
from tests.conftest import PASSWORD, _delete_own_keys, own_redis_pattern
from tests.people.factories import UserFactory

CLOSED_REDIS_URL = "redis://127.0.0.1:1/0"
LOGIN_URL = "/accounts/login/"
TOO_MANY_ATTEMPTS = "Terlalu banyak percobaan masuk yang gagal. Coba lagi nanti."


@pytest.fixture
def cache_down(settings):
    """Every cache operation (and so every session cache read) meets a closed port."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": CLOSED_REDIS_URL}}
    assert health.check_redis() == "ConnectionError"  # the premise: Redis is really away
    backend = caches["default"]
    backend._local.clear()  # this process's fallback counters start empty for each test
    closed = redis_cache._health_of(CLOSED_REDIS_URL)
    closed.down_until, closed.last_logged = 0.0, float("-inf")  # as if Redis just went away
    yield backend
    backend._local.clear()
    caches["default"].close()


def _login(client, login, password):
    return client.post(LOGIN_URL, {"login": login, "password": password})


def _session_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "django_session" in q["sql"]]


# --- The backend: errors are misses, counted, logged once --------------------------------------


def test_cache_redis_down_reads_miss_and_writes_store_nothing(cache_down):
    assert cache_down.get("k", "default") == "default"
    assert cache_down.get_many(["a", "b"]) == {}
    assert cache_down.add("k", 1) is False
    assert cache_down.set("k", 1) is None
    assert cache_down.delete("k") is False
    with pytest.raises(ValueError, match="not found"):
        cache_down.incr("k")


def test_cache_redis_down_errors_counted_and_logged_once(cache_down, caplog):
    before = redis_cache.errors()
    caplog.set_level(logging.WARNING, logger="rumahbelajar.cache")

    for _ in range(5):
        cache_down.get("k")

    assert redis_cache.errors() - before == 5
    warnings = [r for r in caplog.records if r.name == "rumahbelajar.cache"]
    assert len(warnings) == 1
    assert "answering as a miss" in warnings[0].getMessage()


def test_cache_redis_down_leaves_redis_alone_after_connection_error(cache_down):
    cache_down.get("k")

    assert cache_down.redis_available() is False


def test_cache_redis_up_counter_keys_count_in_redis(db):
    backend = caches["default"]

    counts = [backend.count_in_window("api-rl:test", seconds=60) for _ in range(3)]

    assert counts == [1, 2, 3]
    store = redis.Redis.from_url(backend._server_name)
    (key,) = store.keys(own_redis_pattern("*api-rl:test"))
    assert 0 < store.ttl(key) <= 60


def test_cache_redis_down_counter_keys_count_in_process(cache_down):
    counts = [cache_down.count_in_window("api-rl:test", seconds=60) for _ in range(3)]

    assert counts == [1, 2, 3]
    assert cache_down.add("allauth:rl:x:lock", True) is True
    assert cache_down.add("allauth:rl:x:lock", True) is False


def test_healthz_redis_down_names_cache_errors(client, db, cache_down):
    cache_down.get("k")

    response = client.get("/healthz")

    assert response.status_code == 503
    assert "cache errors" in response.json()["redis"]
    assert int(response["X-Cache-Errors"]) >= 1


# --- Sessions: PostgreSQL is the record ---------------------------------------------------------


def test_session_survives_redis_losing_its_keys(client, employee):
    _login(client, "alice@example.test", PASSWORD)
    store = redis.Redis.from_url(caches["default"]._server_name)
    assert store.keys(own_redis_pattern("*sessions.cached_db*"))  # the cache held it

    _delete_own_keys()  # what a Redis restart without persistence does to this run's keys
    response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert response.context["user"] == employee


def test_page_redis_down_logged_in_user_renders(client, employee, cache_down):
    client.force_login(employee)

    pages = [reverse("dashboard"), "/competency/", "/ebooks/", "/trainings/", "/trainings/mine/"]
    answers = {page: client.get(page) for page in pages}

    assert {page: r.status_code for page, r in answers.items()} == dict.fromkeys(pages, 200)
    assert answers[reverse("dashboard")].context["user"] == employee


def test_login_redis_down_logs_in(client, employee, cache_down):
    response = _login(client, "alice@example.test", PASSWORD)

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(employee.pk)
    assert client.get(reverse("dashboard")).status_code == 200


def test_logout_redis_down_ends_session(client, employee, cache_down):
    client.force_login(employee)

    client.post(reverse("account_logout"))

    assert client.get(reverse("dashboard")).status_code == 302


def test_page_view_logged_in_no_session_query(client, employee):
    _login(client, "alice@example.test", PASSWORD)
    client.get(reverse("dashboard"))

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert _session_queries(queries.captured_queries) == []


def test_page_view_logged_in_redis_down_reads_session_without_writing(client, employee, cache_down):
    _login(client, "alice@example.test", PASSWORD)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    statements = _session_queries(queries.captured_queries)
    assert len(statements) == 1
    assert statements[0].lstrip().upper().startswith("SELECT")


def test_settings_session_not_saved_every_request(settings):
    store = import_module(settings.SESSION_ENGINE).SessionStore
    assert issubclass(store, cached_db.SessionStore)  # the database holds every session
    assert settings.SESSION_SAVE_EVERY_REQUEST is False


# --- Login rate limits while Redis is away: counted in the process ------------------------------


def test_login_redis_down_repeated_failures_still_refused(client, employee, cache_down):
    for _ in range(5):
        _login(client, "alice@example.test", "salah-sandi")

    response = _login(client, "alice@example.test", PASSWORD)

    assert list(response.context["form"].non_field_errors()) == [TOO_MANY_ATTEMPTS]
    assert SESSION_KEY not in client.session


def test_login_redis_down_other_account_not_locked_out(client, employee, cache_down):
    for _ in range(5):
        _login(client, "alice@example.test", "salah-sandi")
    UserFactory(email="dina@example.test")

    response = _login(client, "dina@example.test", PASSWORD)

    assert response.status_code == 302
