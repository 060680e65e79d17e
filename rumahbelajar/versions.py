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
from redis.exceptions import RedisError


class VersionsUnavailable(RedisError):
    """The counters cannot be read or created: the cache is away. Callers treat it as a cache
    error (no shared fragment read or stored), as they treat any RedisError."""


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
    if any(found.get(key) is None for key in keys):
        # The cache answered nothing (it is away: rumahbelajar.cache answers errors as misses).
        # No version is known, so nothing may be read or stored under one.
        raise VersionsUnavailable("the cache holds no version counter")
    return [int(found[key]) for key in keys]


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
