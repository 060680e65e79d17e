from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import NotificationKind


class EmailPreferencesForm(forms.Form):
    """The kinds a person wants by email (unticked ones are opted out)."""

    email_kinds = forms.MultipleChoiceField(
        label=_("Kirimkan juga lewat email"),
        required=False,
        choices=NotificationKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def opted_out(self) -> set[str]:
        return set(NotificationKind.values) - set(self.cleaned_data["email_kinds"])
