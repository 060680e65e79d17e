"""A task that kills its worker process is sent again a bounded number of times, then fails
(issue 11: `task_reject_on_worker_lost` alone redelivered it forever). With a real prefork
worker: the pool process dies under the task, the worker's main process sees it lost."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings as django_settings

from rumahbelajar.celery import app as celery_app
from tests.celery_poison import runs_key
from tests.competency.conftest import real_publishing  # noqa: F401  (a fixture)
from tests.workers import celery_worker

pytestmark = pytest.mark.worker


@pytest.fixture
def prefork_worker(settings, real_publishing, tmp_path) -> Iterator[subprocess.Popen]:  # noqa: F811
    """A `celery worker` with one pool process (prefork), loading the poison tasks."""
    celery_app.control.purge()
    with celery_worker(
        settings,
        tmp_path,
        pool=("-P", "prefork", "-c", "1"),
        extra=("--include", "tests.celery_poison"),
        ready_seconds=60,
    ) as process:
        yield process


def _runs(name: str) -> int:
    store = redis.Redis.from_url(django_settings.CACHES["default"]["LOCATION"])
    return int(store.get(runs_key(name)) or 0)


def _wait_for_runs(name: str, expected: int, *, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while _runs(name) < expected and time.monotonic() < deadline:
        time.sleep(0.2)


def _settle_then_runs(name: str, *, seconds: float = 4) -> int:
    """Waits for a possible further delivery, then answers how many runs there were."""
    time.sleep(seconds)
    return _runs(name)


def test_task_killing_its_worker_runs_max_retries_plus_one_times_then_fails(prefork_worker):
    celery_app.send_task("tests.kill_own_process")

    _wait_for_runs("kill_own_process", 3)
    runs = _settle_then_runs("kill_own_process")
    celery_app.send_task("tests.note_run")
    _wait_for_runs("note_run", 1)

    log = prefork_worker.log_path.read_text(errors="replace")
    assert runs == 3  # the first delivery and max_retries=2 retries, then no more
    assert "WorkerLostError" in log
    assert _runs("note_run") == 1  # the worker still serves other tasks
    assert prefork_worker.poll() is None


def test_sweep_killing_its_worker_runs_once(prefork_worker):
    celery_app.send_task("tests.kill_own_process_sweep")

    _wait_for_runs("kill_own_process_sweep", 1)
    runs = _settle_then_runs("kill_own_process_sweep")
    celery_app.send_task("tests.note_run")
    _wait_for_runs("note_run", 1)

    assert runs == 1
    assert _runs("note_run") == 1


# --- Every task of the portal states its bound ------------------------------------------------

# Sweeps and nightly jobs: never retried, their next scheduled run is the retry.
SWEEPS = {
    "competency.sweep_stale_maps",
    "imports.sweep",
    "ebooks.delete_orphan_files",
    "training.send_reminders",
    "sessions.clear_expired",
}


def test_every_task_retries_on_worker_lost_a_bounded_number_of_times():
    celery_app.loader.import_default_modules()
    ours = {
        name: task
        for name, task in celery_app.tasks.items()
        if not name.startswith(("celery.", "tests."))
    }

    bounds = {name: task.max_retries for name, task in ours.items()}

    assert celery_app.conf.task_retry_on_worker_lost is True
    assert set(ours) >= SWEEPS
    assert {name: bounds[name] for name in SWEEPS} == dict.fromkeys(SWEEPS, 0)
    assert all(isinstance(bound, int) and 0 <= bound <= 6 for bound in bounds.values()), bounds
    assert all(task.acks_late for task in ours.values())


def test_beat_schedule_clears_expired_sessions():
    assert django_settings.CELERY_BEAT_SCHEDULE["sessions-clear-expired"]["task"] == (
        "sessions.clear_expired"
    )
