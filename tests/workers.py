"""A real `celery worker` process for the tests that need one (imports resumed after a restart,
the results import, the map recompute): on the test database, this pytest process's Redis keys and
the test media folder; ready when yielded, always terminated afterwards."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def test_database_url() -> str:
    """The test database as a DATABASE_URL, for a process started from a test."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s["HOST"] or "127.0.0.1"
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{auth}@{host}{port}/{s['NAME']}"


test_database_url.__test__ = False  # type: ignore[attr-defined]  # not a test, despite its name


@contextlib.contextmanager
def celery_worker(
    settings,
    tmp_path: Path,
    *,
    pool: Sequence[str] = ("-P", "solo"),
    extra: Sequence[str] = (),
    ready_seconds: float = 30,
) -> Iterator[subprocess.Popen]:
    """Start a worker on the default queue (a solo pool unless `pool` says otherwise; `extra`
    arguments such as `--include`), wait until it says it is ready, and stop it afterwards. Its
    log is at `process.log_path`."""
    log_path = tmp_path / "celery-worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rumahbelajar.settings_test",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DATABASE_URL": test_database_url(),
        "TEST_REDIS_URL": settings.CACHES["default"]["LOCATION"],
        # This pytest process's keys and queues in that Redis database (see settings_test).
        "TEST_REDIS_KEY_PREFIX": settings.TEST_REDIS_KEY_PREFIX,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DB_CONN_MAX_AGE": "0",
    }
    command = [
        str(Path(sys.executable).with_name("celery")),
        "-A",
        "rumahbelajar",
        "worker",
        *pool,
        *extra,
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
        deadline = time.monotonic() + ready_seconds
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
