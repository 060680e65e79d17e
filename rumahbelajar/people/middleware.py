from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

# Pages a staff member without a second factor may still reach: allauth's pages (the set-up
# itself, reauthentication, logout), static files, the probes and the language switch.
_ALWAYS_ALLOWED_PREFIXES = ("/livez", "/healthz", "/i18n/")


def _allowed_prefixes() -> tuple[str, ...]:
    accounts = reverse("account_login").removesuffix("login/")
    return (accounts, settings.STATIC_URL, *_ALWAYS_ALLOWED_PREFIXES)


class StaffMfaRequiredMiddleware:
    """With MFA_REQUIRED_FOR_STAFF on, staff must set up TOTP before using anything else.

    Staff who have it are asked for the code at every login by allauth itself; this only closes
    the gap for those who never set it up. The setting is read per request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._needs_totp_setup(request):
            messages.warning(
                request,
                _(
                    "Akun admin wajib memakai autentikasi dua faktor. "
                    "Aktifkan aplikasi autentikator terlebih dahulu."
                ),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _needs_totp_setup(request: HttpRequest) -> bool:
        user = request.user
        return (
            bool(settings.MFA_REQUIRED_FOR_STAFF)
            and user.is_authenticated
            and (user.is_staff or user.is_superuser)
            and not request.path.startswith(_allowed_prefixes())
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        )
