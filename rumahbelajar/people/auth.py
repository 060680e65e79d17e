"""The login form: one field takes an email address or a NIP, in the form people read it.

allauth does the rest (rate limits, inactive accounts, the second factor); this module only
shapes what it is given, so that "19860926 201505 1 001" and "198609262015051001" are the
same person and share one failed-login counter.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django.utils.translation import gettext_lazy as _

from rumahbelajar.people.nip import NIP_RE, normalize_nip

# The id of a form's error summary, so that its inputs can point at it (aria-describedby).
NON_FIELD_ERRORS_ID = "form_errors"


def normalize_login(raw: str) -> str:
    """An email stays as typed (allauth compares it case-insensitively); a NIP loses its spaces."""
    value = raw.strip()
    if "@" not in value:
        digits = normalize_nip(value)
        if NIP_RE.match(digits):
            return digits
    return value


class LoginForm(AllauthLoginForm):
    """allauth's login form with a login field that says what it takes: email or NIP."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("Email atau NIP")
        login.help_text = _("NIP boleh ditulis dengan atau tanpa spasi.")
        login.widget.attrs.pop("placeholder", None)
        login.widget.attrs["autocomplete"] = "username"
        login.widget.attrs["autocapitalize"] = "none"
        login.widget.attrs["spellcheck"] = "false"
        if "password" in self.fields:
            self.fields["password"].label = _("Kata sandi")
            self.fields["password"].widget.attrs.pop("placeholder", None)

    @property
    def signup_open(self) -> bool:
        """Whether the page may offer public signup (HR provisions accounts otherwise)."""
        return get_adapter(self.request).is_open_for_signup(self.request)

    def clean_login(self) -> str:
        return normalize_login(self.cleaned_data["login"])

    def full_clean(self) -> None:
        super().full_clean()
        if self.non_field_errors():
            # "Wrong email/NIP or password" belongs to both inputs: let screen readers read it
            # from either, next to each field's own help text.
            for name in ("login", "password"):
                if name in self.fields:
                    bound = self[name]
                    described_by = [f"{bound.auto_id}_helptext"] if bound.help_text else []
                    if bound.errors:
                        described_by.append(f"{bound.auto_id}_error")
                    described_by.append(NON_FIELD_ERRORS_ID)
                    widget_attrs = self.fields[name].widget.attrs
                    widget_attrs["aria-describedby"] = " ".join(described_by)
                    widget_attrs["aria-invalid"] = "true"


class SignupForm(AllauthSignupForm):
    """Public signup (off unless ACCOUNT_ALLOW_SIGNUP): allauth's "username" is the NIP."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "username" in self.fields:
            nip = self.fields["username"]
            nip.label = _("NIP")
            nip.help_text = _("18 angka, tanpa spasi.")
            nip.widget.attrs.pop("placeholder", None)
            nip.widget.attrs.update({"inputmode": "numeric", "autocomplete": "username"})
        for name in ("password1", "password2"):
            if name in self.fields:
                self.fields[name].widget.attrs.pop("placeholder", None)
