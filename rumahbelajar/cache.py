"""Django's Redis cache backend, made cheap per call and safe when Redis is away.

1. One redis-py client per connection pool instead of one per call. Django's
   RedisCacheClient.get_client() builds a new redis.Redis for every cache operation, and redis-py
   fills ~170 response callbacks into a fresh dict each time: ~0.25 ms of CPU per call, more than
   the round trip to Redis. A redis.Redis is safe to share between threads (each command borrows
   a connection from the pool), so keeping one per pool changes nothing but the cost.

2. Redis is a cache, never a store of record: an error of Redis is a miss, never an exception
   into the request. `get` answers the default, `add` False, `incr` ValueError (as for a missing
   key), writes store nothing. Each error is counted (`errors()`, shown by /healthz) and logged at
   warning, at most once a minute per process. After a connection error or a timeout the process
   leaves Redis alone for BREAKER_SECONDS, so a Redis that is down costs nothing per call rather
   than a connect attempt each time.

3. Counters that must keep counting while Redis is away — allauth's login rate limits, the API's
   per-token limit, the e-book reader's progress throttle, task delivery counts — live under
   LOCAL_FALLBACK_PREFIXES: while Redis cannot be reached they are kept in this process's memory
   instead (Django's LocMemCache), so a limit still holds per process: nobody is locked out and
   nobody gets through unlimited. Everything else (sessions above all: another process could not
   see a logout) is simply a miss.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Keys (before the KEY_PREFIX) counted in this process while Redis is away.
LOCAL_FALLBACK_PREFIXES = (
    "allauth:rl:",
    "api-rl:",
    "verify-rl:",
    "ebooks:progress-rate:",
    "task-deliveries:",
)
# After a connection error or timeout, Redis is not tried again for this long (per process).
BREAKER_SECONDS = 5.0
# At most one warning per this many seconds per process; the counter counts every error.
LOG_EVERY_SECONDS = 60.0


class _ReusingClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        this: Any = self  # django-stubs do not declare the client's private helpers
        pool = this._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), this._client(connection_pool=pool))
        return client


class _Health:
    """What this process knows of one Redis server: shared by every thread's cache instance."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.errors = 0
        self.down_until = 0.0
        self.last_logged = float("-inf")
        self.last_error = ""


_HEALTH: dict[str, _Health] = {}
_HEALTH_LOCK = threading.Lock()


def _health_of(server: str) -> _Health:
    with _HEALTH_LOCK:
        return _HEALTH.setdefault(server, _Health())


def errors() -> int:
    """How many cache operations failed in this process since it started (every Redis server)."""
    with _HEALTH_LOCK:
        return sum(health.errors for health in _HEALTH.values())


class RedisCache(DjangoRedisCache):
    """settings.CACHES backend "rumahbelajar.cache.RedisCache": Django's, minus the per-call
    client, with errors as misses (see the module's docstring)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusingClient
        self._server_name = server if isinstance(server, str) else ",".join(server)
        self._health = _health_of(self._server_name)
        # LocMemCache keeps its data per name, process-wide: every thread shares these counters.
        self._local = LocMemCache(
            f"rumahbelajar-redis-fallback:{self._server_name}",
            {"TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": {"MAX_ENTRIES": 100_000}},
        )

    # --- the guard --------------------------------------------------------------------------
    def redis_available(self) -> bool:
        """False while this process leaves Redis alone after a connection error."""
        return time.monotonic() >= self._health.down_until

    def _failed(self, operation: str, exc: RedisError) -> None:
        health = self._health
        now = time.monotonic()
        with health.lock:
            health.errors += 1
            health.last_error = type(exc).__name__
            if isinstance(exc, (RedisConnectionError, RedisTimeoutError)):
                health.down_until = now + BREAKER_SECONDS
            log = now - health.last_logged >= LOG_EVERY_SECONDS
            if log:
                health.last_logged = now
            count = health.errors
        if log:
            logger.warning(
                "Cache %s failed (%s: %s); answering as a miss (%d cache errors in this "
                "process so far, this warning at most once a minute)",
                operation,
                type(exc).__name__,
                exc,
                count,
            )

    def _guard(self, operation: str, call: Callable[[], T], miss: Callable[[], T]) -> T:
        if not self.redis_available():
            with self._health.lock:
                self._health.errors += 1
            return miss()
        try:
            return call()
        except RedisError as exc:
            self._failed(operation, exc)
            return miss()

    @staticmethod
    def _local_key(key: Any) -> bool:
        return isinstance(key, str) and key.startswith(LOCAL_FALLBACK_PREFIXES)

    def _or_local(
        self, key: Any, local: Callable[[], T], otherwise: Callable[[], T]
    ) -> Callable[[], T]:
        return local if self._local_key(key) else otherwise

    # --- Django's cache API -----------------------------------------------------------------
    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return self._guard(
            "add",
            lambda: super(RedisCache, self).add(key, value, timeout, version),
            self._or_local(
                key, lambda: self._local.add(key, value, timeout, version), lambda: False
            ),
        )

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._guard(
            "get",
            lambda: super(RedisCache, self).get(key, default, version),
            self._or_local(key, lambda: self._local.get(key, default, version), lambda: default),
        )

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._guard(
            "set",
            lambda: super(RedisCache, self).set(key, value, timeout, version),
            self._or_local(
                key, lambda: self._local.set(key, value, timeout, version), lambda: None
            ),
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self._guard(
            "touch",
            lambda: super(RedisCache, self).touch(key, timeout, version),
            self._or_local(key, lambda: self._local.touch(key, timeout, version), lambda: False),
        )

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._guard(
            "delete",
            lambda: super(RedisCache, self).delete(key, version),
            self._or_local(key, lambda: self._local.delete(key, version), lambda: False),
        )

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._guard(
            "has_key",
            lambda: super(RedisCache, self).has_key(key, version),
            self._or_local(key, lambda: self._local.has_key(key, version), lambda: False),
        )

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        def missing() -> int:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable)")

        return self._guard(
            "incr",
            lambda: super(RedisCache, self).incr(key, delta, version),
            self._or_local(key, lambda: self._local.incr(key, delta, version), missing),
        )

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        return self._guard(
            "get_many", lambda: super(RedisCache, self).get_many(keys, version), dict
        )

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list[Any]:
        return self._guard(
            "set_many",
            lambda: super(RedisCache, self).set_many(data, timeout, version),
            lambda: list(data),
        )

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._guard(
            "delete_many", lambda: super(RedisCache, self).delete_many(keys, version), lambda: None
        )

    def clear(self) -> None:
        self._guard("clear", lambda: super(RedisCache, self).clear(), lambda: None)

    # --- a counter in a window --------------------------------------------------------------
    def count_in_window(self, key: str, *, seconds: int) -> int:
        """Adds one to the counter `key`, which lives `seconds` from its first hit; returns its
        new value. One round trip (SET NX EX and INCR in a MULTI: Redis 6 has no EXPIRE NX). In
        this process's memory when Redis is away (name it under LOCAL_FALLBACK_PREFIXES)."""

        def in_redis() -> int:
            made = self.make_and_validate_key(key)
            client = self._cache.get_client(made, write=True)
            pipe = client.pipeline(transaction=True)
            pipe.set(made, 0, ex=seconds, nx=True)
            pipe.incr(made)
            return int(pipe.execute()[1])

        def in_memory() -> int:
            if self._local.add(key, 1, seconds):
                return 1
            try:
                return self._local.incr(key)
            except ValueError:  # expired between the two
                self._local.add(key, 1, seconds)
                return 1

        return self._guard("count_in_window", in_redis, in_memory)
