from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

FORMATS = [("", _("Tampilkan")), ("csv", "CSV"), ("xlsx", "XLSX")]


class SiasnExportForm(forms.Form):
    """GET parameters of /reports/siasn/: year, format, new."""

    year = forms.IntegerField(label=_("Tahun"), min_value=2000, max_value=2100, required=False)
    format = forms.ChoiceField(label=_("Format"), choices=FORMATS, required=False)
    new = forms.BooleanField(label=_("Hanya yang belum ditandai terkirim"), required=False)

    def clean_year(self) -> int:
        return self.cleaned_data["year"] or timezone.localdate().year


class SiasnMarkSentForm(forms.Form):
    """POST "Tandai sudah dikirim": the year and the ids of the rows the admin was shown."""

    year = forms.IntegerField(min_value=2000, max_value=2100)
    ids = forms.CharField(max_length=2_000_000, required=False)

    def clean_ids(self) -> list[int]:
        text = self.cleaned_data["ids"].strip()
        if not text:
            return []
        try:
            return sorted({int(part) for part in text.split(",")})
        except ValueError:
            raise forms.ValidationError(_("Daftar baris tidak valid.")) from None
