"""The training pages' shared parts (belonging to no one person), kept in the cache under a
version: the catalogue's rendered fragments (results, filters), a training's public data (the
row with its seats, sessions, competencies and eligibility) and its page's public column.

Every write that changes what these show (a training saved, cancelled or deleted; a
registration, cancellation or assignment, since the pages show the seats left) calls
bump_version(), which moves the version on at once and again when the transaction commits: the
next request reads the new version, so its keys are new and it renders afresh.

They also change with time alone: registration opens or closes, a training starts or ends (and
leaves the list), the month filter moves on. So a stored entry carries `until`, the next such
instant when it was made (selectors.next_catalogue_change for the catalogue,
Training.next_state_change for one training): from then on it reads as a miss.

A cache error (Redis away, a timeout, an unreadable entry) reads as a miss and a failed store is
skipped: the page renders from the database, as if nothing were cached.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

from rumahbelajar import versions

logger = logging.getLogger(__name__)

# Named here, the one module that reads and moves it.
VERSION_KEY = "training:catalogue-version"
# Writes in this app move the version on, so entries never outlive a change here. Competency
# names are shown too, and a competency renamed in its own app cannot reach this one (the
# dependency points the other way): the short lifetime bounds that to ten minutes.
FRAGMENT_SECONDS = 10 * 60


def version() -> int | None:
    """The current version (created if missing); None when the cache cannot be reached."""
    try:
        return versions.current([VERSION_KEY])[0]
    except Exception:  # a cache error reads as a miss
        logger.warning("training cache: version unavailable", exc_info=True)
        return None


def bump_version() -> None:
    """Moves the version on now and again after the current transaction commits
    (rumahbelajar.versions). Side effects: one or two cache INCRs."""
    versions.now_and_after_commit(lambda: versions.move_on([VERSION_KEY]))


def key(name: str, stamp: int, *, language: bool = True, **parts: Any) -> str:
    """The cache key of entry `name` under version `stamp` for `parts` (and, with `language`,
    the active language: for rendered HTML)."""
    raw = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=True)
    digest = hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
    lang = (get_language() or "") if language else "-"
    return f"training:{name}:{stamp}:{lang}:{digest}"


def _instant(value: dt.datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def get_many(keys: list[str]) -> dict[str, Any]:
    """The stored values still current (their `until` not passed) of `keys`, in one round trip;
    what is missing, stale or unreadable is left out."""
    if not keys:
        return {}
    try:
        found = cache.get_many(keys)
    except Exception:  # a cache error reads as a miss
        logger.warning("training cache: read failed", exc_info=True)
        return {}
    now = timezone.now().timestamp()
    fresh = {}
    for name, entry in found.items():
        if isinstance(entry, dict) and (entry.get("until") is None or now < entry["until"]):
            fresh[name] = entry.get("value")
    return fresh


def set_many(values: dict[str, tuple[Any, dt.datetime | None]]) -> None:
    """Stores {key: (value, until)}: `until` is when the value stops being true by time alone
    (None: only a write changes it). A failure is logged and skipped."""
    if not values:
        return
    entries = {
        name: {"value": value, "until": _instant(until)} for name, (value, until) in values.items()
    }
    try:
        cache.set_many(entries, FRAGMENT_SECONDS)
    except Exception:  # a cache error only costs the next request a render
        logger.warning("training cache: write failed", exc_info=True)


def get_or_load[T](
    name: str, load: Callable[[], tuple[T, dt.datetime | None]], **parts: Any
) -> tuple[T, int | None]:
    """The value of entry `name` for `parts` under the current version, or load() → (value,
    until) stored for the next request; with the version it was read under (None: the cache
    was unavailable). Language-independent: for data, not HTML."""
    stamp = version()
    if stamp is None:
        return load()[0], None
    entry_key = key(name, stamp, language=False, **parts)
    found = get_many([entry_key])
    if entry_key in found:
        return found[entry_key], stamp
    value, until = load()
    set_many({entry_key: (value, until)})
    return value, stamp


# --- the JP compliance report's shared fragment -----------------------------------------------------
# /reports/jp/ for a scope, unit and page belongs to no one person (every HR admin of the same
# subtrees sees the same one). Every write here that changes a ledger or an assignment moves this
# version on (services: assign, cancel, mark_attendance, record_activity, cancel_training,
# save_training); people's names, units and types reach it within REPORT_SECONDS.
REPORTS_VERSION_KEY = "training:reports-version"
REPORT_SECONDS = 5 * 60


def bump_reports_version() -> None:
    """Moves the reports' version on now and after commit; never raises."""
    versions.move_on_quietly([REPORTS_VERSION_KEY])


def report_fragment(name: str, render: Callable[[], str], **parts: Any) -> str:
    """The JP report fragment `name` for `parts`, from the cache or render()."""
    return versions.shared_fragment(
        REPORTS_VERSION_KEY, name, render, seconds=REPORT_SECONDS, **parts
    )
