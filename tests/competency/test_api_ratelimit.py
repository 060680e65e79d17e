"""The results API limits each token to API_RATE_LIMIT_PER_MINUTE requests a minute (issue 11,
item 5): past it, 429 with Retry-After and the API's JSON error, documented in the OpenAPI
document. Counted in Redis, so every web process shares one count; while Redis is away each
process counts on its own, and results are still stored."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import caches

from competency import tokens
from competency.models import AssessmentResult
from rumahbelajar import cache as redis_cache
from rumahbelajar import health
from tests.competency.api_helpers import (
    RESULTS_URL,
    assert_matches_openapi,
    client_with_token,
    map_url,
    post_json,
    valid_body,
)
from tests.conftest import own_redis_pattern

LIMIT = 3
CLOSED_REDIS_URL = "redis://127.0.0.1:1/0"


@pytest.fixture
def low_limit(settings):
    settings.API_RATE_LIMIT_PER_MINUTE = LIMIT


def _token(name: str = "sistem-asesmen") -> str:
    return tokens.create_api_token(name=name)[1]


def _post_many(client, employee, count: int, *, start: int = 0) -> list:
    return [
        post_json(client, valid_body(employee, external_id=f"CAT-RL-{start + n}"))
        for n in range(count)
    ]


def test_settings_api_rate_limit_defaults_to_1200_a_minute():
    assert django_settings.API_RATE_LIMIT_PER_MINUTE == 1200


def test_results_past_the_limit_429_with_retry_after_nothing_stored(db, employee, low_limit):
    client = client_with_token(_token())
    within = _post_many(client, employee, LIMIT)

    response = post_json(client, valid_body(employee, external_id="CAT-RL-OVER"))

    assert [r.status_code for r in within] == [201] * LIMIT
    assert response.status_code == 429
    body = assert_matches_openapi(response, path=RESULTS_URL, method="post")
    assert body["errors"] == {}
    assert body["detail"]
    assert 1 <= int(response["Retry-After"]) <= 60
    assert not AssessmentResult.objects.filter(external_id="CAT-RL-OVER").exists()


def test_map_past_the_limit_429(db, employee, low_limit):
    client = client_with_token(_token())
    for _ in range(LIMIT):
        client.get(map_url(employee.nip))

    response = client.get(map_url(employee.nip))

    assert response.status_code == 429
    assert_matches_openapi(response, path="/api/v1/employees/{nip}/map", method="get")
    assert int(response["Retry-After"]) >= 1


def test_results_limit_is_per_token(db, employee, low_limit):
    busy = client_with_token(_token("busy"))
    _post_many(busy, employee, LIMIT + 1)

    response = post_json(
        client_with_token(_token("other")), valid_body(employee, external_id="CAT-OTHER")
    )

    assert response.status_code == 201


def test_results_limit_counted_in_redis_shared_by_processes(db, employee, low_limit):
    client = client_with_token(_token())
    _post_many(client, employee, 2)

    store = redis.Redis.from_url(django_settings.CACHES["default"]["LOCATION"])
    (key,) = store.keys(own_redis_pattern("*api-rl:*"))
    assert int(store.get(key)) == 2


def test_results_unknown_token_not_counted_401(db, employee, low_limit):
    client = client_with_token("rb_unknown")
    answers = [post_json(client, valid_body(employee)) for _ in range(LIMIT + 2)]

    assert {r.status_code for r in answers} == {401}


def test_openapi_document_not_limited(db, low_limit, client):
    answers = [client.get("/api/v1/openapi.json") for _ in range(LIMIT + 2)]

    assert {r.status_code for r in answers} == {200}


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": CLOSED_REDIS_URL}}
    assert health.check_redis() == "ConnectionError"
    backend = caches["default"]
    backend._local.clear()
    redis_cache._health_of(CLOSED_REDIS_URL).down_until = 0.0
    yield
    backend._local.clear()


def test_results_redis_down_stored_and_still_limited_per_process(
    db, employee, low_limit, redis_down
):
    client = client_with_token(_token())
    within = _post_many(client, employee, LIMIT)

    over = post_json(client, valid_body(employee, external_id="CAT-RL-OVER"))

    assert [r.status_code for r in within] == [201] * LIMIT
    assert AssessmentResult.objects.filter(external_id__startswith="CAT-RL-").count() == LIMIT
    assert over.status_code == 429
