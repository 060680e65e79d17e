"""Forms for the people admin: the employee and unit forms, and the employee import upload."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rumahbelajar.people import services
from rumahbelajar.people.models import Unit, User
from rumahbelajar.people.nip import normalize_nip


class EmployeeAdminForm(forms.ModelForm):
    """The admin's employee form; HR admins must place a person in one of their units."""

    # Accepts the NIP as printed ("19860926 201505 1 001"); the model keeps the 18 digits.
    nip = forms.CharField(
        label=_("NIP"),
        required=False,
        max_length=24,
        help_text=_("18 angka; boleh ditulis dengan spasi seperti 19860926 201505 1 001."),
    )
    require_unit = False

    class Meta:
        model = User
        # The employee data the services write, then the admin access (superuser-only: the admin
        # narrows this per user through its fieldsets).
        fields = [
            *services.EMPLOYEE_FIELDS,
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
            "managed_units",
            "user_permissions",
        ]

    def clean_nip(self) -> str | None:
        return normalize_nip(self.cleaned_data.get("nip") or "") or None

    def clean_supervisor(self) -> User | None:
        supervisor = self.cleaned_data.get("supervisor")
        if supervisor is not None and self.instance.pk and supervisor.pk == self.instance.pk:
            raise forms.ValidationError(_("Pegawai tidak dapat menjadi atasannya sendiri."))
        return supervisor

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.require_unit and "unit" in self.fields and not cleaned.get("unit"):
            self.add_error("unit", _("Pilih unit kerja yang Anda kelola."))
        return cleaned


class UnitAdminForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["code", "name", "kind", "parent", "head"]

    def clean_parent(self) -> Unit | None:
        parent = self.cleaned_data.get("parent")
        if parent and self.instance.pk and parent.path.startswith(self.instance.path):
            raise forms.ValidationError(_("Unit tidak dapat dipindahkan ke bawah dirinya sendiri."))
        return parent
