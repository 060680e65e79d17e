"""Redis is a cache and a broker, never the only copy: with it unreachable (cache and broker
both), a result posted through the API is stored and its map stays stale until the beat sweep
recomputes it."""

from __future__ import annotations

import pytest
from django.core.cache import caches

from competency import services, tokens
from competency.models import AssessmentResult, CompetencyMap
from rumahbelajar import health
from tests.competency.api_helpers import client_with_token, map_url, post_json, valid_body
from tests.competency.conftest import CLOSED_BROKER_URL


@pytest.fixture
def redis_down(settings, broker_down):
    """The cache points at the same closed port as the broker (`broker_down`)."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": CLOSED_BROKER_URL}}
    assert health.check_redis() == "ConnectionError"  # the premise: Redis is really away
    yield
    caches["default"].close()


def test_api_result_redis_down_is_stored_and_map_stays_stale(
    transactional_db, employee, redis_down
):
    token = tokens.create_api_token(name="sistem-asesmen")[1]

    response = post_json(
        client_with_token(token), valid_body(employee, external_id="CAT-REDIS-DOWN")
    )

    assert response.status_code == 201, response.content
    assert AssessmentResult.objects.filter(external_id="CAT-REDIS-DOWN").count() == 1
    assert CompetencyMap.objects.get(employee=employee).stale is True


def test_stale_sweep_redis_down_recomputes_the_map(transactional_db, employee, redis_down):
    token = tokens.create_api_token(name="sistem-asesmen")[1]
    post_json(client_with_token(token), valid_body(employee, external_id="CAT-SWEEP"))

    recomputed = services.recompute_stale_maps()

    assert recomputed == 1
    assert CompetencyMap.objects.get(employee=employee).stale is False


def test_api_map_redis_down_says_stale_until_the_sweep(transactional_db, employee, redis_down):
    client = client_with_token(tokens.create_api_token(name="sistem-asesmen")[1])
    post_json(client, valid_body(employee, external_id="CAT-MAP-STALE"))

    before = client.get(map_url(employee.nip))
    services.recompute_stale_maps()
    after = client.get(map_url(employee.nip))

    assert (before.status_code, before.json()["stale"]) == (200, True)
    assert (after.status_code, after.json()["stale"]) == (200, False)
