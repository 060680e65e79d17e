"""The regulation's dictionary and the agency's technical competencies."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from competency.models import (
    Competency,
    CompetencyLevel,
    CompetencyType,
    PositionStandard,
)
from competency.services.errors import FixedCompetency
from competency.services.maps import standards_changed

LEVELS = range(1, 6)

# --- Dictionary ------------------------------------------------------------------------------


DICTIONARY_DIR = Path(__file__).resolve().parent.parent / "data"


def regulation_dictionary() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The nine fixed competencies and their 45 levels as competency/data/*.csv give them
    (Permenpan RB 38/2017, verbatim; codes M.1 become M1). Reads files; no database."""
    with (DICTIONARY_DIR / "competencies.csv").open(encoding="utf-8") as f:
        competencies = [
            {
                "code": row["code"].replace(".", ""),
                "type": row["type"],
                "name": row["name"],
                "definition": row["definition"],
                "sort_order": order,
            }
            for order, row in enumerate(csv.DictReader(f), start=1)
        ]
    with (DICTIONARY_DIR / "competency_levels.csv").open(encoding="utf-8") as f:
        levels = [
            {
                "code": row["code"].replace(".", ""),
                "level": int(row["level"]),
                "description": row["description"],
                "indicators": [p.strip() for p in row["indicators"].split(" | ") if p.strip()],
            }
            for row in csv.DictReader(f)
        ]
    return competencies, levels


@transaction.atomic
def load_regulation_dictionary() -> int:
    """Creates or restores the regulation's nine competencies and their levels exactly as the data
    migration loads them (for the demo data, and for databases a test flushed). Returns how many
    rows it wrote; 0 when everything was already as the regulation says.

    Side effects: none on maps (the texts are read live; the codes and types never change).
    """
    competencies, levels = regulation_dictionary()
    stored = {
        c.code: c for c in Competency.objects.filter(code__in=[c["code"] for c in competencies])
    }
    written = 0
    for wanted in competencies:
        current = stored.get(wanted["code"])
        if current is None or any(getattr(current, k) != v for k, v in wanted.items()):
            stored[wanted["code"]], _ = Competency.objects.update_or_create(
                code=wanted["code"], defaults={**wanted, "is_active": True}
            )
            written += 1
    existing = {
        (level.competency_id, level.level): level
        for level in CompetencyLevel.objects.filter(competency__in=list(stored.values()))
    }
    for wanted in levels:
        competency = stored[wanted["code"]]
        level = existing.get((competency.pk, wanted["level"]))
        if level is None or (level.description, level.indicators) != (
            wanted["description"],
            wanted["indicators"],
        ):
            CompetencyLevel.objects.update_or_create(
                competency=competency,
                level=wanted["level"],
                defaults={"description": wanted["description"], "indicators": wanted["indicators"]},
            )
            written += 1
    return written


@transaction.atomic
def save_technical_competency(*, competency: Competency) -> Competency:
    """Creates or updates a technical competency (type teknis, code T…) from the instance's fields.

    Side effects: locks the stored row; when `is_active` changes, marks the maps of everyone whose
    position's standard names it stale and recomputes them in bulk after commit.
    Raises FixedCompetency for the nine fixed ones and ValidationError for bad fields.
    """
    before = None
    if competency.pk is not None:
        before = Competency.objects.select_for_update().filter(pk=competency.pk).first()
    if (before is not None and before.is_fixed) or competency.type != CompetencyType.TEKNIS:
        raise FixedCompetency(_("Kompetensi manajerial dan sosial kultural tidak dapat diubah."))
    if not competency.code.startswith("T"):
        raise ValidationError({"code": _("Kode kompetensi teknis diawali huruf T.")})
    competency.full_clean()
    competency.save()
    if before is not None and before.is_active != competency.is_active:
        standards_changed(
            position_ids=list(
                PositionStandard.objects.filter(competency=competency)
                .order_by()
                .values_list("position_id", flat=True)
            )
        )
    return competency


@transaction.atomic
def set_competency_levels(
    *, competency: Competency, levels: Mapping[int, tuple[str, Sequence[str]]]
) -> None:
    """Writes what levels 1-5 of a technical competency mean: level → (description, indicators).

    Side effects: none on maps (level texts are read live). Raises FixedCompetency for the nine
    fixed ones, ValidationError unless exactly levels 1-5 each have a description and an indicator.
    """
    if competency.is_fixed:
        raise FixedCompetency(_("Kompetensi manajerial dan sosial kultural tidak dapat diubah."))
    if sorted(levels) != list(LEVELS):
        raise ValidationError(_("Kompetensi memerlukan tepat lima level: 1 sampai 5."))
    for level, (description, indicators) in levels.items():
        cleaned = [text.strip() for text in indicators if text.strip()]
        if not description.strip() or not cleaned:
            raise ValidationError(
                _("Level %(level)s memerlukan deskripsi dan minimal satu indikator.")
                % {"level": level}
            )
        CompetencyLevel.objects.update_or_create(
            competency=competency,
            level=level,
            defaults={"description": description.strip(), "indicators": cleaned},
        )
