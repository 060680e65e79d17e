"""The catalogue's rendered fragments, shared through the cache and keyed by a catalogue version.

Every write that changes what the catalogue shows (a book imported, edited, published or
withdrawn, tagged or deleted; a category saved or deleted) calls bump_version(), which moves the
version on at once and again when the transaction commits: the next request reads the new version, so its keys
are new and it renders afresh. Old fragments are never read again and expire on their own.

Only user-independent data is stored here: the result cards (with the count and pagination), the
filter options, a search's match count (per query and filters, whatever the sort and page) and a
book's sections on its detail page (description, facts, categories, competencies). The reader's
shelves ("Lanjutkan membaca", favourites), position and favourite mark are rendered per request.
A cache that cannot be reached is a miss: read() finds nothing, store() stores nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any

from django.core.cache import cache
from django.utils.translation import get_language
from redis.exceptions import RedisError

from ebooks.forms import FILTER_CHOICES_KEY
from ebooks.selectors import CATALOGUE_VERSION_KEY
from rumahbelajar import versions

VERSION_KEY = CATALOGUE_VERSION_KEY
# Writes in this app move the version on, so fragments never outlive a change here. Competency
# names are shown too, and a competency renamed in its own app cannot reach this one (the
# dependency points the other way): the short lifetime bounds that to ten minutes.
FRAGMENT_SECONDS = 10 * 60


def version() -> int:
    """The current catalogue version (created if missing)."""
    return versions.current([VERSION_KEY])[0]


def version_or_none() -> int | None:
    """version(), or None when the cache cannot be reached: then nothing is read or stored and
    the page renders in full, as on a miss."""
    try:
        return version()
    except RedisError:
        return None


def version_and_filter_choices() -> tuple[int | None, Any]:
    """The catalogue version and the shared filter choices (ebooks.forms) in one MGET: the
    version is created when missing, the choices are None when not stored (the form then builds
    them). (None, None) when the cache cannot be reached."""
    try:
        found = cache.get_many([VERSION_KEY, FILTER_CHOICES_KEY])
    except RedisError:
        return None, None
    stored = found.get(VERSION_KEY)
    current = int(stored) if stored else version_or_none()
    return current, found.get(FILTER_CHOICES_KEY)


# Shared entries already read by this process, by key: a key names its catalogue version, so an
# entry kept here is never stale, only unused once the version moves on (the LRU drops it).
_LOCAL: OrderedDict[str, Any] = OrderedDict()
_LOCAL_LOCK = threading.Lock()  # gunicorn's threads share it
LOCAL_ENTRIES = 4096


def read_shared(*keys: str) -> dict[str, Any]:
    """read(), answering from this process's copies first: an entry under a catalogue version
    never changes, so once read it need not travel from Redis again."""
    with _LOCAL_LOCK:
        found = {key: _LOCAL[key] for key in keys if key in _LOCAL}
    missing = [key for key in keys if key not in found]
    if missing:
        fetched = read(*missing)
        found.update(fetched)
        _keep_locally(fetched)
    return found


def _keep_locally(values: dict[str, Any]) -> None:
    with _LOCAL_LOCK:
        for key, value in values.items():
            _LOCAL[key] = value
            _LOCAL.move_to_end(key)
        while len(_LOCAL) > LOCAL_ENTRIES:
            _LOCAL.popitem(last=False)


def store_shared(values: dict[str, Any]) -> None:
    """store_many(), keeping this process's copies too."""
    store_many(values)
    _keep_locally(values)


def read(*keys: str) -> dict[str, Any]:
    """The fragments stored under these keys (one MGET); an unreachable cache is a miss."""
    try:
        return cache.get_many(list(keys))
    except RedisError:
        return {}


def store(key: str, value: Any) -> None:
    """Stores a fragment for FRAGMENT_SECONDS; an unreachable cache only means no sharing."""
    with contextlib.suppress(RedisError):
        cache.set(key, value, FRAGMENT_SECONDS)


def store_many(values: dict[str, Any]) -> None:
    """store() for several entries in one round trip."""
    with contextlib.suppress(RedisError):
        cache.set_many(values, FRAGMENT_SECONDS)


def _bump() -> None:
    versions.move_on([VERSION_KEY])
    # The filter choices are shared for a minute by ebooks.forms: make them fresh too.
    cache.delete(FILTER_CHOICES_KEY)


def bump_version() -> None:
    """Moves the catalogue version on now and again after the current transaction commits
    (rumahbelajar.versions). Side effects: one or two cache INCRs (and DELETEs)."""
    versions.now_and_after_commit(_bump)


def fragment_key(name: str, catalogue_version: int, **parts: Any) -> str:
    """The cache key of fragment `name` for this version, the active language and `parts`."""
    raw = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=True)
    digest = hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
    return f"ebooks:fragment:{name}:{catalogue_version}:{get_language() or ''}:{digest}"
