"""Tasks only a test's worker process loads (`celery worker --include tests.celery_poison`):
one that kills the pool process running it, as a parser crash or the OOM killer would, and one
that only notes it ran. Each run is counted in the test Redis under the test's key prefix."""

from __future__ import annotations

import os
import signal

import redis
from celery import shared_task
from django.conf import settings


def runs_key(name: str) -> str:
    return f"{settings.TEST_REDIS_KEY_PREFIX}:poison-runs:{name}"


def _count_run(name: str) -> None:
    redis.Redis.from_url(settings.CACHES["default"]["LOCATION"]).incr(runs_key(name))


# The options of a recompute or an email task: retried a few times (here 2, at once).
@shared_task(name="tests.kill_own_process", acks_late=True, max_retries=2, default_retry_delay=0)
def kill_own_process() -> None:
    _count_run("kill_own_process")
    os.kill(os.getpid(), signal.SIGKILL)


# The options of a sweep: never retried.
@shared_task(name="tests.kill_own_process_sweep", acks_late=True, max_retries=0)
def kill_own_process_sweep() -> None:
    _count_run("kill_own_process_sweep")
    os.kill(os.getpid(), signal.SIGKILL)


@shared_task(name="tests.note_run", acks_late=True)
def note_run() -> None:
    _count_run("note_run")
