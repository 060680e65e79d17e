"""How allauth fits Rumah Belajar: HR provisions accounts, people log in by email or NIP."""

from __future__ import annotations

from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from rumahbelajar.people.models import EmployeeType, User
from rumahbelajar.people.nip import PNS, validate_nip

# One answer whether the account exists or not, and whether it was typed as an email or a NIP.
_CREDENTIALS_MISMATCH = _("Email/NIP atau kata sandi salah.")
# The failed-login counter's namespace. allauth puts the site's domain there, which without the
# sites framework is the request's Host header, port and all: "x:1", "x:2", … were each a fresh
# counter for the same account.
_LOGIN_ATTEMPTS_NAMESPACE = "rumahbelajar"


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are provisioned by HR; public signup only where the setting allows it."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": _CREDENTIALS_MISMATCH,
        "username_password_mismatch": _CREDENTIALS_MISMATCH,
        "username_taken": _("NIP ini sudah terdaftar."),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Both settings are read per request (tests override them). Signup without mandatory
        # email verification would let anybody claim somebody else's address: stay closed then.
        return bool(settings.ACCOUNT_ALLOW_SIGNUP) and (
            account_settings.EMAIL_VERIFICATION
            == account_settings.EmailVerificationMethod.MANDATORY
        )

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """The per-account failed-login key: the login as the form normalised it (an email in
        lower case, a NIP without spaces), never anything the client chooses besides it.

        Email and NIP keep a counter each, as in allauth: one shared counter per person would tell
        whoever locks a NIP which email belongs to it.
        """
        login = credentials.get("email", credentials.get("username", "")) or ""
        return f"{_LOGIN_ATTEMPTS_NAMESPACE}:{str(login).lower()}"

    def save_user(
        self, request: HttpRequest, user: User, form: BaseForm, commit: bool = True
    ) -> User:
        """A self-registered NIP needs its employee type (the table insists); HR corrects it."""
        user = super().save_user(request, user, form, commit=False)
        if user.nip and not user.employee_type:
            try:
                validate_nip(user.nip, PNS)
            except ValidationError:  # not a PNS number: the validator let it in as PPPK
                user.employee_type = EmployeeType.PPPK
            else:
                user.employee_type = EmployeeType.PNS
        if commit:
            user.save()
        return user


def user_display(user: User) -> str:
    return user.full_name or user.email
