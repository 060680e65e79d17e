"""The competency report's shared fragment (/reports/competency/): the heatmap rendered for a
scope and filters belongs to no one person (every HR admin of the same subtrees sees the same
one), so it is kept in the cache under the maps' version and the language
(rumahbelajar.versions.shared_fragment).

Every write of stored maps (services.maps: one employee's recompute, a bulk recompute) moves the
version on, at once and again after commit, so the next request renders afresh. What reaches the
report without a map write (an employee moved to another unit or deactivated, a position
renamed) shows within REPORT_SECONDS, the entries' lifetime. A cache error is a miss.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rumahbelajar import versions

VERSION_KEY = "competency:maps-version"
REPORT_SECONDS = 5 * 60


def bump_maps_version() -> None:
    """Moves the maps' version on now and after commit; never raises. Side effects: one or two
    cache INCRs."""
    versions.move_on_quietly([VERSION_KEY])


def shared_fragment(name: str, render: Callable[[], str], **parts: Any) -> str:
    """The heatmap fragment `name` for `parts`, from the cache or render()."""
    return versions.shared_fragment(VERSION_KEY, name, render, seconds=REPORT_SECONDS, **parts)
