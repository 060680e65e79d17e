from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

# Pages a staff member without a second factor may still reach: the set-up itself, logout,
# static files and the probes.
_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/livez", "/healthz", "/i18n/")


class StaffMfaRequiredMiddleware:
    """With MFA_REQUIRED_FOR_STAFF on, staff must set up TOTP before using anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.MFA_REQUIRED_FOR_STAFF
            and request.user.is_authenticated
            and request.user.is_staff
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and not Authenticator.objects.filter(
                user=request.user, type=Authenticator.Type.TOTP
            ).exists()
        ):
            messages.warning(
                request,
                _(
                    "Akun admin wajib memakai autentikasi dua faktor. Aktifkan TOTP terlebih dahulu."
                ),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
