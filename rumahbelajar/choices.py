"""A ModelChoiceField's options from rows of values instead of model instances.

Django builds a model instance for every option of a select to take its primary key and its
str(); for a select of dozens of units or competencies on every report and form page, that was
most of the field's cost. A subclass names the columns it reads (the primary key first) and
writes the label as the model's __str__ does; the field still validates against its queryset.

    field.iterator = UnitOptions          # before setting the queryset: that fills the widget
    field.queryset = Unit.objects.all()
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.forms.models import ModelChoiceIterator


class RowOptions(ModelChoiceIterator):
    """The options of `queryset.values_list(*fields)`; label() says what str(instance) says."""

    fields: tuple[str, ...] = ("pk", "name")

    def label(self, row: tuple[Any, ...]) -> str:
        return str(row[1])

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for row in self.queryset.values_list(*self.fields):
            yield (row[0], self.label(row))
