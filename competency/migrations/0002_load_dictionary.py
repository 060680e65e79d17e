"""Loads the regulation's nine fixed competencies (Permenpan RB 38/2017) with their five levels,
verbatim, from competency/data/*.csv. Codes M.1 … M.8, SK.1 become M1 … M8, SK1."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def _code(raw: str) -> str:
    return raw.replace(".", "")


def load(apps, schema_editor):
    Competency = apps.get_model("competency", "Competency")
    CompetencyLevel = apps.get_model("competency", "CompetencyLevel")
    with (DATA / "competencies.csv").open(encoding="utf-8") as f:
        for order, row in enumerate(csv.DictReader(f), start=1):
            Competency.objects.update_or_create(
                code=_code(row["code"]),
                defaults={
                    "type": row["type"],
                    "name": row["name"],
                    "definition": row["definition"],
                    "sort_order": order,
                },
            )
    by_code = {c.code: c for c in Competency.objects.all()}
    with (DATA / "competency_levels.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            CompetencyLevel.objects.update_or_create(
                competency=by_code[_code(row["code"])],
                level=int(row["level"]),
                defaults={
                    "description": row["description"],
                    "indicators": [part.strip() for part in row["indicators"].split(" | ") if part.strip()],
                },
            )


def unload(apps, schema_editor):
    Competency = apps.get_model("competency", "Competency")
    Competency.objects.filter(type__in=["manajerial", "sosial_kultural"]).delete()


class Migration(migrations.Migration):
    dependencies = [("competency", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
