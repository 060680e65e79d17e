"""The training catalogue's rendered fragments, shared through the cache and keyed by a version.

Every write that changes what the catalogue shows (a training saved or cancelled; a registration,
cancellation or assignment, since the cards show the seats left) calls bump_version(), which
moves the version on at once and again when the transaction commits: the next request reads the
new version, so its keys are new and it renders afresh.

The catalogue also changes with time alone: registration opens or closes, a training starts or
ends (and leaves the list), the month filter moves on. So the keys carry an `epoch` as well: the
next such instant (selectors.next_catalogue_change), kept per version; once it has passed the
keys change and the fragments are rendered afresh. Only user-independent HTML is stored here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language

from training import selectors

VERSION_KEY = selectors.CATALOGUE_VERSION_KEY
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


def bump_version() -> None:
    """Moves the catalogue version on now and again after the current transaction commits.

    The bump after commit is the one that counts: a request that rendered the old rows while the
    transaction was open stored them under a version no one reads any more. The bump now makes
    the change visible at once to reads inside the same transaction (and to tests, whose
    transaction never commits). Side effects: one or two cache INCRs."""
    _bump()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_bump)


def epoch(catalogue_version: int) -> int:
    """The next instant (epoch seconds x 1e6) the catalogue changes by time alone, for this
    version: recomputed (one query) once it has passed."""
    key = f"training:catalogue-epoch:{catalogue_version}"
    now = timezone.now()
    stored = cache.get(key)
    if stored is not None and now.timestamp() * 1_000_000 < stored:
        return int(stored)
    change = selectors.next_catalogue_change(now=now)
    value = int(change.astimezone(dt.UTC).timestamp() * 1_000_000)
    cache.set(key, value, FRAGMENT_SECONDS)
    return value


def fragment_key(name: str, catalogue_version: int, catalogue_epoch: int, **parts: Any) -> str:
    """The cache key of fragment `name` for this version and epoch, the language and `parts`."""
    raw = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=True)
    digest = hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
    language = get_language() or ""
    return f"training:fragment:{name}:{catalogue_version}:{catalogue_epoch}:{language}:{digest}"
