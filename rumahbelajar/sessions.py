"""The session engine: Django's cached_db (the database holds every session; Redis a copy to
read), reading the session from Redis in the same round trip as the version counters the
request will ask for (rumahbelajar.versions): one MGET where a page read the session and then the
catalogue's version in two. A session missing from Redis is read as Django reads it."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import cached_db

from rumahbelajar import versions


class SessionStore(cached_db.SessionStore):
    def load(self) -> dict[str, Any]:
        try:
            data = versions.get_with_counters(self._cache, self.cache_key)  # type: ignore[attr-defined]
        except Exception:  # as Django's: a key the cache refuses is a miss
            data = None
        if data is None:  # not in Redis (or Redis away): from the database, as Django does
            return super().load()
        return data
