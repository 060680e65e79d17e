"""Position standards (Standar Kompetensi Jabatan): required levels per competency."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from competency.models import (
    Competency,
    CompetencyType,
    PositionStandard,
)
from competency.services.dictionary import LEVELS
from competency.services.maps import standards_changed
from rumahbelajar.people.models import Position

# --- Standards -------------------------------------------------------------------------------

# The usual managerial and socio-cultural level by position level (docs/domain.md; editable data).
DEFAULT_LEVEL_BY_POSITION_LEVEL: dict[str, int] = {
    "jpt_utama": 5,
    "jpt_madya": 5,
    "jpt_pratama": 4,
    "administrator": 3,
    "pengawas": 2,
    "pelaksana": 1,
    "ahli_utama": 4,
    "ahli_madya": 3,
    "ahli_muda": 2,
    "ahli_pertama": 1,
    "penyelia": 2,
    "mahir": 2,
    "terampil": 1,
    "pemula": 1,
}


@transaction.atomic
def set_position_standard(*, position: Position, levels: Mapping[Competency, int]) -> None:
    """Sets required levels for `position` (other competencies are left as they are).

    Side effects: marks the maps of everyone holding the position stale and recomputes them in
    bulk after commit.
    """
    for level in levels.values():
        if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
            raise ValidationError({"required_level": _("Level harus 1 sampai 5.")})
    PositionStandard.objects.bulk_create(
        [
            PositionStandard(position=position, competency=competency, required_level=level)
            for competency, level in levels.items()
        ],
        update_conflicts=True,
        unique_fields=["position", "competency"],
        update_fields=["required_level"],
    )
    standards_changed(position_ids=[position.pk])


@transaction.atomic
def remove_position_standard(*, position: Position, competencies: Iterable[Competency]) -> None:
    """Side effects: as set_position_standard."""
    PositionStandard.objects.filter(position=position, competency__in=list(competencies)).delete()
    standards_changed(position_ids=[position.pk])


@transaction.atomic
def apply_default_standard(*, positions: Sequence[Position]) -> int:
    """Gives each position the usual level for its kind on all nine managerial and socio-cultural
    competencies (technical ones are set by hand). Returns how many standards were written.

    Side effects: as set_position_standard.
    """
    fixed = list(
        Competency.objects.filter(
            type__in=[CompetencyType.MANAJERIAL, CompetencyType.SOSIAL_KULTURAL], is_active=True
        )
    )
    rows = [
        PositionStandard(
            position=position,
            competency=competency,
            required_level=DEFAULT_LEVEL_BY_POSITION_LEVEL[position.level],
        )
        for position in positions
        for competency in fixed
    ]
    PositionStandard.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["position", "competency"],
        update_fields=["required_level"],
    )
    standards_changed(position_ids=[p.pk for p in positions])
    return len(rows)
