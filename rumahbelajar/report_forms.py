"""The filters every HR report reads the same way (the competency heatmap, JP compliance, the
nomination from a heatmap cell): the unit, with its subunits, offered only within the reports'
scope of the person (people.selectors.report_scope); the page and the download format. A report
never refuses a request over them: an invalid value is named in the form's errors and left out.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rumahbelajar.choices import RowOptions
from rumahbelajar.people.models import Unit
from rumahbelajar.people.selectors import ReportScope, units_in_report_scope


class ScopedReportForm(forms.Form):
    """GET filters of a report page, narrowed to `scope`."""

    unit = forms.ModelChoiceField(
        label=_("Unit kerja (beserta subunit)"), queryset=Unit.objects.none(), required=False
    )

    def __init__(self, *args: Any, scope: ReportScope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.iterator = RowOptions  # a unit's option is its name, as str(unit)
        unit_field.queryset = units_in_report_scope(scope=scope)
        unit_field.empty_label = _("Semua unit saya")

    def value(self, name: str) -> Any:
        """The cleaned value of a valid field, else None (the report ignores it)."""
        self.is_valid()
        if name in self.errors:
            return None
        return self.cleaned_data.get(name) or None


class PagedReportForm(ScopedReportForm):
    """A report shown a page at a time, or downloaded whole as CSV or XLSX."""

    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)
    format = forms.ChoiceField(
        choices=[("", "html"), ("csv", "CSV"), ("xlsx", "XLSX")], required=False
    )
