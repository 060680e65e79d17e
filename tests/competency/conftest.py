"""Fixtures for the competency tests.

- The regulation's dictionary (M1…M8, SK1) comes from a data migration; a test that flushes the
  database (transactional_db) wipes it, and with --reuse-db the next run would start without it.
  `_competency_dictionary` puts it back before any test here that uses the database.
- `broker_down` points the Celery app at a closed port and publishes for real, as production
  does when Redis is away.
- `competency_worker` starts a real `celery worker` process on the test database and Redis.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from competency import services
from competency.models import CompetencyLevel
from rumahbelajar.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
CLOSED_BROKER_URL = "redis://127.0.0.1:1/0"


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


def _test_database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s["HOST"] or "127.0.0.1"
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{auth}@{host}{port}/{s['NAME']}"


@pytest.fixture
def competency_worker(transactional_db, settings, real_publishing, tmp_path) -> Iterator[object]:
    """A real `celery worker` process (solo pool) on the test database and the test Redis; ready
    when yielded, always terminated afterwards. The test process publishes for real meanwhile."""
    celery_app.control.purge()
    log_path = tmp_path / "celery-worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rumahbelajar.settings_test",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DATABASE_URL": _test_database_url(),
        "TEST_REDIS_URL": settings.CACHES["default"]["LOCATION"],
        # This pytest process's keys and queues in that Redis database (see settings_test).
        "TEST_REDIS_KEY_PREFIX": settings.TEST_REDIS_KEY_PREFIX,
        "DB_CONN_MAX_AGE": "0",
    }
    command = [
        str(Path(sys.executable).with_name("celery")),
        "-A",
        "rumahbelajar",
        "worker",
        "-P",
        "solo",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "-Q",
        "celery",
        "--loglevel=INFO",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while "ready." not in log_path.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("Celery worker did not start:\n" + log_path.read_text(errors="replace"))
            time.sleep(0.2)
        process.log_path = log_path  # type: ignore[attr-defined]
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
