"""The competency-gap arithmetic, pure: no database, so it can be checked exhaustively.

Gap = max(required - achieved, 0); a competency with no result counts as achieved 0 and is flagged
"not yet assessed". JPM (Job Person Match) = Σ min(achieved, required) / Σ required * 100, each
competency capped at its requirement so surplus in one does not hide a gap in another.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from competency.models import JpmCategory

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Latest:
    level: int
    assessed_on: dt.date


@dataclass(frozen=True)
class GapItem:
    competency_id: int
    required: int
    achieved: int
    gap: int
    assessed: bool
    last_assessed_on: dt.date | None


@dataclass(frozen=True)
class GapResult:
    items: list[GapItem]
    required_total: int
    achieved_total: int
    jpm: Decimal | None
    category: str


def jpm_category(jpm: Decimal | None, *, bands: Mapping[str, int | float | Decimal]) -> str:
    """Mapping band for a JPM: bands gives the lower bounds of "optimal" and "cukup_optimal"."""
    if jpm is None:
        return ""
    if jpm >= Decimal(str(bands["optimal"])):
        return JpmCategory.OPTIMAL
    if jpm >= Decimal(str(bands["cukup_optimal"])):
        return JpmCategory.CUKUP_OPTIMAL
    return JpmCategory.KURANG_OPTIMAL


def compute_gaps(
    *,
    required: Mapping[int, int],
    latest: Mapping[int, Latest],
    bands: Mapping[str, int | float | Decimal],
) -> GapResult:
    """required: competency id → required level; latest: competency id → latest result."""
    items = []
    for competency_id, req in required.items():
        result = latest.get(competency_id)
        achieved = result.level if result else 0
        items.append(
            GapItem(
                competency_id=competency_id,
                required=req,
                achieved=achieved,
                gap=max(req - achieved, 0),
                assessed=result is not None,
                last_assessed_on=result.assessed_on if result else None,
            )
        )
    required_total = sum(item.required for item in items)
    achieved_total = sum(min(item.achieved, item.required) for item in items)
    jpm = (
        (Decimal(achieved_total) * 100 / Decimal(required_total)).quantize(
            _CENT, rounding=ROUND_HALF_UP
        )
        if required_total
        else None
    )
    return GapResult(
        items=items,
        required_total=required_total,
        achieved_total=achieved_total,
        jpm=jpm,
        category=jpm_category(jpm, bands=bands),
    )
