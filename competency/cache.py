"""The competency report's shared fragment (/reports/competency/): the heatmap rendered for a
scope and filters belongs to no one person (every HR admin of the same subtrees sees the same
one), so it is kept in the cache under the maps' version and the language
(rumahbelajar.versions.shared_fragment).

Every write of stored maps (services.maps: one employee's recompute, each chunk of a bulk
recompute) moves the version on once it is committed (when the service runs outside a
transaction, as the worker runs it), so the next request renders afresh. What reaches the
report without a map write (an employee moved to another unit or deactivated, a position
renamed) shows within REPORT_SECONDS, the entries' lifetime. A cache error is a miss.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from rumahbelajar import versions

logger = logging.getLogger(__name__)

VERSION_KEY = "competency:maps-version"
REPORT_SECONDS = 5 * 60


def bump_maps_version_now() -> None:
    """Moves the maps' version on now (no after-commit callback: the map services call it once
    their own transaction has committed); never raises. Side effects: one cache INCR."""
    try:
        versions.move_on([VERSION_KEY])
    except Exception:  # the entries' lifetime bounds what is missed
        logger.warning("competency cache: version not moved", exc_info=True)


def shared_fragment(name: str, render: Callable[[], str], **parts: Any) -> str:
    """The heatmap fragment `name` for `parts`, from the cache or render()."""
    return versions.shared_fragment(VERSION_KEY, name, render, seconds=REPORT_SECONDS, **parts)
