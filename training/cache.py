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
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

from rumahbelajar import versions
from training import selectors

VERSION_KEY = selectors.CATALOGUE_VERSION_KEY
# Writes in this app move the version on, so fragments never outlive a change here. Competency
# names are shown too, and a competency renamed in its own app cannot reach this one (the
# dependency points the other way): the short lifetime bounds that to ten minutes.
FRAGMENT_SECONDS = 10 * 60


def version() -> int:
    """The current catalogue version (created if missing)."""
    return versions.current([VERSION_KEY])[0]


def bump_version() -> None:
    """Moves the catalogue version on now and again after the current transaction commits
    (rumahbelajar.versions). Side effects: one or two cache INCRs."""
    versions.now_and_after_commit(lambda: versions.move_on([VERSION_KEY]))


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
