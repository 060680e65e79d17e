"""Version counters in the cache (Redis): what the catalogues' and reports' shared fragments
(ebooks.cache, training.cache, competency.cache) are stored under, so that a write makes them stale by moving a number on instead
of finding and deleting entries.

A counter that is missing (evicted, flushed, expired) restarts from the clock in microseconds,
never from a number something may still be stored under.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.db import transaction
from django.utils.translation import get_language
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class VersionsUnavailable(RedisError):
    """The counters cannot be read or created: the cache is away. Callers treat it as a cache
    error (no shared fragment read or stored), as they treat any RedisError."""


# How long a counter created now lives; None: for good.
Lifetime = Callable[[str], int | None]


def _for_good(key: str) -> int | None:
    return None


def _fresh() -> int:
    return time.time_ns() // 1000


# Within a request the counters are read once, together: the first read fetches every counter
# this process has read before (a handful: the catalogues', the reports') in one MGET, and the
# request keeps those values. The dashboard read two counters in two round trips to Redis. A
# request thus sees one version of each catalogue throughout; outside requests (tasks, commands)
# every read goes to the cache. Started and ended by the request signals (RumahBelajarConfig).
_request = threading.local()
_known: set[str] = set()


def request_started(**_kwargs: Any) -> None:
    _request.values = {}


def request_finished(**_kwargs: Any) -> None:
    _request.values = None


def current(keys: list[str], *, lifetime: Lifetime = _for_good) -> list[int]:
    """The counters' values, creating the missing ones. One MGET (and an ADD + MGET for gaps);
    within a request, none for counters already read in it."""
    values: dict[str, int] | None = getattr(_request, "values", None)
    if values is None:
        return _read(keys, lifetime=lifetime)
    wanted = [key for key in keys if key not in values]
    if wanted:
        also = [key for key in tuple(_known) if key not in values and key not in wanted]
        found = cache.get_many(wanted + also)
        values.update((key, int(found[key])) for key in also if found.get(key) is not None)
        values.update(zip(wanted, _read(wanted, lifetime=lifetime, found=found), strict=True))
        _known.update(wanted)
    return [values[key] for key in keys]


def get_with_counters(store: Any, key: str) -> Any:
    """store.get(key), in the same MGET as the counters this process knows when a request is
    under way and `store` is the cache they live in: the session store reads the session with
    them (rumahbelajar.sessions), so a page that then reads a counter goes to Redis once, not
    twice. Counters missing from the cache are left for current() to create."""
    values: dict[str, int] | None = getattr(_request, "values", None)
    also = [k for k in tuple(_known) if k not in values] if values is not None else []
    if not also or store is not caches[DEFAULT_CACHE_ALIAS]:
        return store.get(key)
    found = store.get_many([key, *also])
    assert values is not None
    values.update((k, int(found[k])) for k in also if found.get(k) is not None)
    return found.get(key)


def _read(keys: list[str], *, lifetime: Lifetime, found: dict[str, Any] | None = None) -> list[int]:
    if found is None:
        found = cache.get_many(keys)
    found = {key: found[key] for key in keys if found.get(key) is not None}
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
    """Moves the counters on once, now (and forgets what this request read of them)."""
    values: dict[str, int] | None = getattr(_request, "values", None)
    for key in keys:
        if values is not None:
            values.pop(key, None)
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


def move_on_quietly(keys: list[str]) -> None:
    """move_on() now and after commit, never raising: a write succeeds whether or not the cache
    can be reached (the entries' lifetime bounds what a missed move costs)."""

    def move() -> None:
        try:
            move_on(keys)
        except Exception:
            logger.warning("versions: %s not moved", keys, exc_info=True)

    now_and_after_commit(move)


def shared_fragment(
    version_key: str, name: str, render: Callable[[], str], *, seconds: int, **parts: Any
) -> str:
    """The HTML fragment `name` for `parts` under the current `version_key` and the active
    language: from the cache, or render() (then kept `seconds`). For fragments that belong to no
    one person (a report of a scope). A cache error is a miss: render() answers."""
    try:
        stamp = current([version_key])[0]
    except Exception:
        logger.warning("versions: %s unavailable", version_key, exc_info=True)
        return render()
    raw = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=True)
    digest = hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
    key = f"{version_key}:{name}:{stamp}:{get_language() or ''}:{digest}"
    try:
        found = cache.get(key)
    except Exception:
        logger.warning("versions: %s unreadable", key, exc_info=True)
        found = None
    if isinstance(found, str):
        return found
    waited = _wait_for_another(key, seconds)
    if waited is not None:
        return waited
    try:
        html = render()
    finally:
        _release(key)
    try:
        cache.set(key, html, seconds)
    except Exception:  # only costs the next request a render
        logger.warning("versions: %s not stored", key, exc_info=True)
    return html


# Single flight: when a shared fragment is missing (a write moved its version on, or it expired),
# one request renders it while the others that ask meanwhile wait for it rather than all render
# it at once (a report over 50,000 people took 10 s to answer when a dozen rendered it together).
# A request that waits longer than this renders the fragment itself, so a lost lock costs time,
# never an answer.
SINGLE_FLIGHT_WAIT_SECONDS = 15.0
_POLL_SECONDS = 0.05


def _lock_key(key: str) -> str:
    return f"{key}:rendering"


def _wait_for_another(key: str, seconds: int) -> str | None:
    """None when this request is to render `key` (it took the lock, or the cache is away); the
    fragment when another request rendered it meanwhile."""
    try:
        if cache.add(_lock_key(key), 1, timeout=int(SINGLE_FLIGHT_WAIT_SECONDS) + 5):
            return None
    except Exception:
        return None
    deadline = time.monotonic() + SINGLE_FLIGHT_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(_POLL_SECONDS)
        try:
            found = cache.get(key)
        except Exception:
            return None
        if isinstance(found, str):
            return found
    return None


def _release(key: str) -> None:
    try:
        cache.delete(_lock_key(key))
    except Exception:  # it expires by itself
        logger.warning("versions: %s lock not released", key, exc_info=True)
