"""Forms of the competency admin and the competency report's filters. Validation mirrors the services (which check again); saving is
always done by the admin through competency.services, never by `form.save()`."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from competency import services
from competency.models import (
    AssessmentResult,
    Competency,
    CompetencyLevel,
    CompetencyType,
    PositionStandard,
    ResultSource,
)
from rumahbelajar.people.models import Position, PositionKind
from rumahbelajar.report_forms import PagedReportForm

LEVEL_CHOICES = [(level, str(level)) for level in services.LEVELS]
_TECHNICAL_CODE_RE = re.compile(r"^T[0-9A-Z.\-]+$")


class IndicatorsField(forms.CharField):
    """Behaviour indicators edited one per line (they often contain commas)."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 60})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list | tuple):
            return [str(line).strip() for line in value if str(line).strip()]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class TechnicalCompetencyForm(forms.ModelForm):
    class Meta:
        model = Competency
        fields = ["code", "name", "definition", "sort_order", "is_active"]
        help_texts = {"code": _("T diikuti angka atau huruf besar, misalnya T7.")}

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().upper()
        if not _TECHNICAL_CODE_RE.match(code):
            raise ValidationError(_("Kode kompetensi teknis diawali huruf T, misalnya T7."))
        return code

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The type is not on the form: every competency created here is technical.
        if self.instance.pk is None:
            self.instance.type = CompetencyType.TEKNIS


class CompetencyLevelForm(forms.ModelForm):
    level = forms.TypedChoiceField(label=_("level"), choices=LEVEL_CHOICES, coerce=int)
    indicators = IndicatorsField(
        label=_("indikator perilaku"), help_text=_("Satu indikator per baris.")
    )

    class Meta:
        model = CompetencyLevel
        fields = ["level", "description", "indicators"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3, "cols": 50})}


class CompetencyLevelFormSet(BaseInlineFormSet):
    """A technical competency has exactly the five levels 1-5."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        levels = [
            form.cleaned_data["level"]
            for form in self.forms
            if form.cleaned_data.get("level") and not form.cleaned_data.get("DELETE")
        ]
        if sorted(levels) != list(services.LEVELS):
            raise ValidationError(_("Isi tepat lima level, masing-masing 1 sampai 5 satu kali."))


class PositionStandardForm(forms.ModelForm):
    required_level = forms.TypedChoiceField(
        label=_("level yang dipersyaratkan"), choices=LEVEL_CHOICES, coerce=int
    )

    class Meta:
        model = PositionStandard
        fields = ["competency", "required_level"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["competency"]
        if self.instance.pk:
            # Changing the competency of a row would be a removal plus an addition: do that.
            field.disabled = True
        else:
            field.queryset = Competency.objects.filter(is_active=True)  # type: ignore[attr-defined]


class AssessmentResultAdminForm(forms.ModelForm):
    """The admin's way in for one result; the admin saves it through services.record_result."""

    level = forms.TypedChoiceField(label=_("level"), choices=LEVEL_CHOICES, coerce=int)

    class Meta:
        model = AssessmentResult
        fields = ["employee", "competency", "level", "assessed_on", "method", "external_id"]

    def clean_external_id(self) -> str | None:
        external_id = (self.cleaned_data.get("external_id") or "").strip() or None
        if external_id and AssessmentResult.objects.filter(external_id=external_id).exists():
            raise ValidationError(_("Hasil dengan ID eksternal ini sudah tercatat."))
        return external_id

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if {"level", "assessed_on", "method"} <= cleaned.keys():
            try:
                services.validate_result(
                    level=cleaned["level"],
                    assessed_on=cleaned["assessed_on"],
                    method=cleaned["method"],
                    source=ResultSource.ADMIN,
                    external_id=cleaned.get("external_id"),
                )
            except services.InvalidResult as exc:
                for field, message in exc.errors.items():
                    self.add_error(field if field in self.fields else None, message)
        return cleaned


class CompetencyReportForm(PagedReportForm):
    """The competency report's filters and drill-down (GET)."""

    kind = forms.ChoiceField(
        label=_("Jenis jabatan"),
        choices=[("", _("Semua jenis")), *PositionKind.choices],
        required=False,
    )
    position = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    competency = forms.CharField(required=False, max_length=20)


class TargetPositionForm(forms.Form):
    """/competency/target/: `position`, a position's id; empty clears the target."""

    position = forms.ModelChoiceField(
        queryset=Position.objects.all(),
        required=False,
        label=_("Jabatan target"),
        error_messages={"invalid_choice": _("Pilih jabatan yang ada dalam daftar.")},
    )
