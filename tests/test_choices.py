"""Options read as rows (rumahbelajar/choices.py) say what Django's own options say."""

from __future__ import annotations

import pytest
from django import forms

from rumahbelajar.choices import RowOptions
from rumahbelajar.people.models import Unit
from rumahbelajar.people.selectors import report_scope, units_in_report_scope
from rumahbelajar.report_forms import ScopedReportForm

pytestmark = pytest.mark.django_db


def _as_django_says(queryset, empty_label):  # type: ignore[no-untyped-def]
    field = forms.ModelChoiceField(queryset=queryset, empty_label=empty_label)
    return [(str(value), label) for value, label in field.choices]


def test_report_unit_options_are_the_scopes_units_as_django_lists_them(hr_admin, unit_b1):
    scope = report_scope(viewer=hr_admin)
    form = ScopedReportForm(scope=scope)
    options = [(str(value), label) for value, label in form.fields["unit"].widget.choices]

    expected = _as_django_says(units_in_report_scope(scope=scope), form.fields["unit"].empty_label)
    assert options == expected
    assert len(options) > 1
    assert str(unit_b1.pk) not in {value for value, _label in options}  # another subtree


def test_a_unit_outside_the_scope_is_refused_one_inside_cleans_to_the_unit(
    hr_admin, unit_a1, unit_b1
):
    scope = report_scope(viewer=hr_admin)

    assert ScopedReportForm({"unit": unit_b1.pk}, scope=scope).value("unit") is None
    assert ScopedReportForm({"unit": unit_a1.pk}, scope=scope).value("unit") == unit_a1


def test_row_options_keep_the_empty_choice_and_the_querysets_order(unit_a1, unit_b1):
    field = forms.ModelChoiceField(queryset=Unit.objects.none(), empty_label="semua")
    field.iterator = RowOptions
    field.queryset = Unit.objects.order_by("-path")

    assert [(str(v), label) for v, label in field.widget.choices] == _as_django_says(
        Unit.objects.order_by("-path"), "semua"
    )
