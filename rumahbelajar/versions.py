"""Version counters in the cache (Redis): what the catalogues' shared fragments (ebooks.cache,
training.cache) are stored under, so that a write makes them stale by moving a number on instead
of finding and deleting entries.

A counter that is missing (evicted, flushed, expired) restarts from the clock in microseconds,
never from a number something may still be stored under.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.db import transaction

# How long a counter created now lives; None: for good.
Lifetime = Callable[[str], int | None]


def _for_good(key: str) -> int | None:
    return None


def _fresh() -> int:
    return time.time_ns() // 1000


def current(keys: list[str], *, lifetime: Lifetime = _for_good) -> list[int]:
    """The counters' values, creating the missing ones. One MGET (and an ADD + MGET for gaps)."""
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    for key in missing:
        cache.add(key, _fresh(), timeout=lifetime(key))
    if missing:
        found.update(cache.get_many(missing))
    return [int(found.get(key) or 0) for key in keys]


def move_on(keys: Iterable[str], *, lifetime: Lifetime = _for_good) -> None:
    """Moves the counters on once, now."""
    for key in keys:
        try:
            cache.incr(key)
        except ValueError:  # missing: any new value differs from every stored one
            cache.add(key, _fresh(), timeout=lifetime(key))


def now_and_after_commit(action: Callable[[], object]) -> None:
    """Runs `action` now and again after the current transaction commits.

    The run after commit is the one that counts: a request that rendered the old rows while the
    transaction was open stored them under a version no one reads any more. The run now makes
    the change visible at once to reads inside the same transaction (and to tests, whose
    transaction never commits)."""
    action()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(action)
