"""The catalogue's rendered fragments, shared through the cache and keyed by a catalogue version.

Every write that changes what the catalogue shows (a book imported, edited, published or
withdrawn, tagged or deleted; a category saved or deleted) calls bump_version(), which moves the
version on at once and again when the transaction commits: the next request reads the new version, so its keys
are new and it renders afresh. Old fragments are never read again and expire on their own.

Only user-independent HTML is stored here: the result cards (with the count and pagination) and
the filter options. The reader's shelves ("Lanjutkan membaca", favourites) are rendered per request.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import get_language

from ebooks.forms import FILTER_CHOICES_KEY
from ebooks.selectors import CATALOGUE_VERSION_KEY

VERSION_KEY = CATALOGUE_VERSION_KEY
# Writes in this app move the version on, so fragments never outlive a change here. Competency
# names are shown too, and a competency renamed in its own app cannot reach this one (the
# dependency points the other way): the short lifetime bounds that to ten minutes.
FRAGMENT_SECONDS = 10 * 60


def _fresh_version() -> int:
    # A counter that is missing (evicted, flushed) restarts from the clock, never from a number
    # an old fragment may still be stored under.
    return time.time_ns() // 1000


def version() -> int:
    """The current catalogue version (created if missing)."""
    current = cache.get(VERSION_KEY)
    if current is None:
        cache.add(VERSION_KEY, _fresh_version(), timeout=None)
        current = cache.get(VERSION_KEY)
    return int(current or 0)


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # missing: any new value differs from every stored fragment's
        cache.add(VERSION_KEY, _fresh_version(), timeout=None)
    # The filter choices are shared for a minute by ebooks.forms: make them fresh too.
    cache.delete(FILTER_CHOICES_KEY)


def bump_version() -> None:
    """Moves the catalogue version on now and again after the current transaction commits.

    The bump after commit is the one that counts: a request that rendered the old rows while the
    transaction was open stored them under a version no one reads any more. The bump now makes
    the change visible at once to reads inside the same transaction (and to tests, whose
    transaction never commits). Side effects: one or two cache INCRs (and DELETEs)."""
    _bump()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_bump)


def fragment_key(name: str, catalogue_version: int, **parts: Any) -> str:
    """The cache key of fragment `name` for this version, the active language and `parts`."""
    raw = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=True)
    digest = hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
    return f"ebooks:fragment:{name}:{catalogue_version}:{get_language() or ''}:{digest}"
