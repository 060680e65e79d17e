"""The learning-log forms: filing a report (field names fixed by docs/contract.md) and deciding
one (the supervisor's comment)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rumahbelajar.choices import RowOptions
from rumahbelajar.uploads import EVIDENCE_MAX_BYTES
from training.activities import REPORT_FIELDS
from training.models import ActivityReport


def _related(name: str) -> QuerySet[Any]:
    """Every row of the model ActivityReport's field `name` points to."""
    model = ActivityReport._meta.get_field(name).related_model
    assert isinstance(model, type)  # a model class (not "self")
    return model._default_manager.all()


# The choices' querysets, filtered once per process (a filter() per form cost a tenth of the
# page); a field takes a copy (.all()), so no form shares results with another.
_ACTIVE_COMPETENCIES = _related("competencies").filter(is_active=True)
_PUBLISHED_EBOOKS = _related("ebook").filter(is_published=True)


class _CompetencyOptions(RowOptions):
    """As str(competency) labels them: "M1 Integritas"."""

    fields = ("pk", "code", "name")

    def label(self, row: tuple[Any, ...]) -> str:
        return f"{row[1]} {row[2]}"


class ActivityReportForm(forms.ModelForm):
    """`evidence` is optional: a PDF, JPEG or PNG judged by its content in the service (a form
    error when refused); `ebook` is a catalogue book's id (the reader prefills it)."""

    evidence = forms.FileField(
        label=_("Bukti (opsional)"),
        required=False,
        help_text=_("PDF, JPEG, atau PNG; maksimal %(mb)d MB.")
        % {"mb": EVIDENCE_MAX_BYTES // 2**20},
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )

    class Meta:
        model = ActivityReport
        fields = [*REPORT_FIELDS, "competencies", "show_as_review"]
        widgets = {
            "started_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ended_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "minutes": forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
            "summary": forms.Textarea(attrs={"rows": 4}),
            "impact": forms.Textarea(attrs={"rows": 3}),
            "competencies": forms.SelectMultiple(attrs={"size": 6}),
            "ebook": forms.HiddenInput,
        }
        help_texts = {
            "minutes": _("Lama belajar bersih dalam menit (1 JP = 45 menit)."),
            "show_as_review": _(
                "Bila disetujui, ringkasan Anda tampil di halaman e-book beserta nama dan unit Anda."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        competencies = self.fields["competencies"]
        assert isinstance(competencies, forms.ModelMultipleChoiceField)
        competencies.iterator = _CompetencyOptions
        competencies.queryset = _ACTIVE_COMPETENCIES  # after the iterator: it fills the widget
        ebook = self.fields["ebook"]
        # Only a published catalogue book can be named (a hidden id, checked here).
        ebook.queryset = _PUBLISHED_EBOOKS  # type: ignore[attr-defined]
        ebook.error_messages["invalid_choice"] = _("E-book tidak ditemukan di katalog.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        started, ended = cleaned.get("started_on"), cleaned.get("ended_on")
        if started and ended and ended < started:
            self.add_error("ended_on", _("Tanggal selesai tidak boleh sebelum tanggal mulai."))
        if ended and ended > timezone.localdate():
            self.add_error("ended_on", _("Laporkan kegiatan yang sudah selesai."))
        upload = cleaned.get("evidence")
        if upload is not None and upload.size > EVIDENCE_MAX_BYTES:
            self.add_error("evidence", _("Berkas terlalu besar (maksimal 5 MB)."))
        return cleaned

    def report_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class DecisionForm(forms.Form):
    """Approve ("Setujui") or return ("Kembalikan", a comment required) one report."""

    comment = forms.CharField(
        label=_("Catatan untuk pegawai"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
