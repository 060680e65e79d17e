"""Fixtures for the competency tests.

- The regulation's dictionary (M1…M8, SK1) comes from a data migration; a test that flushes the
  database (transactional_db) wipes it, and with --reuse-db the next run would start without it.
  `_competency_dictionary` puts it back before any test here that uses the database.
- `broker_down` points the Celery app at a closed port and publishes for real, as production
  does when Redis is away.
- `api_token` / `api_client`: a new API token and a client that sends it.
- `competency_worker` starts a real `celery worker` process on the test database and Redis.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from competency import services, tokens
from competency.models import CompetencyLevel
from rumahbelajar.celery import app as celery_app
from tests.competency.api_helpers import client_with_token
from tests.workers import celery_worker

CLOSED_BROKER_URL = "redis://127.0.0.1:1/0"


@pytest.fixture
def api_token(db) -> str:
    """The plaintext of a new API token (for the assessment system)."""
    _row, plaintext = tokens.create_api_token(name="sistem-asesmen")
    return plaintext


@pytest.fixture
def api_client(api_token) -> Client:
    """A client that sends that token with every request."""
    return client_with_token(api_token)


def ensure_dictionary() -> None:
    """The nine fixed competencies and their 45 levels, as the data migration loads them."""
    if CompetencyLevel.objects.filter(competency__code__in=["M1", "SK1"]).count() == 10:
        return
    services.load_regulation_dictionary()


@pytest.fixture(autouse=True)
def _competency_dictionary(request: pytest.FixtureRequest) -> None:
    names = request.fixturenames
    if "transactional_db" in names or "live_server" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
    else:
        return
    ensure_dictionary()


def _reset_broker_pools() -> None:
    """Celery keeps the connection pool of the broker URL it first saw: forget it, so the next
    publish builds one for the current URL. (Not closed: kombu shares pools per URL process-wide,
    and the one for the test broker is still in use.)"""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def real_publishing(settings) -> Iterator[None]:
    """Tasks are published to the test broker instead of running eagerly in this process."""
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.update(task_always_eager=False)
    _reset_broker_pools()
    yield
    celery_app.conf.update(saved)
    _reset_broker_pools()


@pytest.fixture
def broker_down(settings, real_publishing) -> None:
    """The broker is unreachable (nothing listens on port 1): publishing fails fast. The
    `real_publishing` fixture puts the configuration back afterwards."""
    settings.CELERY_BROKER_URL = CLOSED_BROKER_URL
    celery_app.conf.update(broker_url=CLOSED_BROKER_URL)
    _reset_broker_pools()


@pytest.fixture
def competency_worker(transactional_db, settings, real_publishing, tmp_path) -> Iterator[object]:
    """A real `celery worker` process (solo pool) on the test database and the test Redis; ready
    when yielded, always terminated afterwards. The test process publishes for real meanwhile."""
    celery_app.control.purge()
    with celery_worker(settings, tmp_path) as process:
        yield process
