from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from competency import services
from competency.models import AssessmentResult, Competency, CompetencyType


class TechnicalCompetencyFactory(DjangoModelFactory):
    class Meta:
        model = Competency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T{n + 1}")
    type = CompetencyType.TEKNIS
    name = factory.Sequence(lambda n: f"Kompetensi Teknis {n + 1}")
    definition = "Kemampuan teknis untuk pengujian."
    sort_order = factory.Sequence(lambda n: 100 + n)


class ResultFactory(DjangoModelFactory):
    """Builds results through record_result, as every way in does (marks the map stale)."""

    class Meta:
        model = AssessmentResult

    competency = factory.LazyFunction(lambda: Competency.objects.get(code="M1"))
    level = 3
    assessed_on = dt.date(2026, 6, 1)
    source = "admin"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        result, _created = services.record_result(**kwargs)
        return result


def fixed(code: str) -> Competency:
    """One of the regulation's nine competencies (loaded by migration): M1…M8, SK1."""
    return Competency.objects.get(code=code)
