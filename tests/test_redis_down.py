"""Redis is a cache and a broker, never the only copy: with it unreachable, a result posted
through the API is stored and its map stays stale until the beat sweep recomputes it."""

from __future__ import annotations

import socket

import pytest
import redis
from django.core.cache import caches

from competency import services, tokens
from competency.models import AssessmentResult, CompetencyMap
from rumahbelajar.celery import app as celery_app
from tests.competency.api_helpers import client_with_token, post_json, valid_body


def _dead_redis_url() -> str:
    """A local port nothing listens on: connecting is refused at once, as when Redis is stopped."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def redis_unreachable(settings):
    """The cache and the Celery broker both point at a stopped Redis; tasks are sent, not run
    in-process, as in production."""
    url = _dead_redis_url()
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=url, task_always_eager=False)
    celery_app.pool.force_close_all()
    celery_app._pool = None
    with pytest.raises(redis.exceptions.ConnectionError):  # the premise: Redis is really away
        caches["default"].set("probe", 1)
    yield url
    celery_app.conf.update(saved)
    celery_app._pool = None
    caches["default"].close()


def test_api_result_redis_down_is_stored_and_map_stays_stale(
    transactional_db, employee, redis_unreachable
):
    token = tokens.create_api_token(name="sistem-asesmen")[1]
    client = client_with_token(token)

    response = post_json(client, valid_body(employee, external_id="CAT-REDIS-DOWN"))

    assert response.status_code == 201, response.content
    assert AssessmentResult.objects.filter(external_id="CAT-REDIS-DOWN").count() == 1
    cmap = CompetencyMap.objects.get(employee=employee)
    assert cmap.stale is True


def test_stale_sweep_redis_down_recomputes_the_map(transactional_db, employee, redis_unreachable):
    token = tokens.create_api_token(name="sistem-asesmen")[1]
    post_json(client_with_token(token), valid_body(employee, external_id="CAT-SWEEP"))

    recomputed = services.recompute_stale_maps()

    assert recomputed == 1
    assert CompetencyMap.objects.get(employee=employee).stale is False
