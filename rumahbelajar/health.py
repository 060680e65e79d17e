"""Liveness and readiness probes: what a load balancer and an operator ask first."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection

from rumahbelajar import cache as redis_cache


def check_database() -> str | None:
    """Returns None when PostgreSQL answers, else a short reason."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; the reason goes to the operator
        return type(exc).__name__
    return None


def check_redis() -> str | None:
    """Returns None when Redis answers a PING, else a short reason."""
    try:
        client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
        client.ping()
    except Exception as exc:
        return type(exc).__name__
    return None


def cache_errors() -> int:
    """Cache operations this process answered as misses because Redis failed (since start)."""
    return redis_cache.errors()
