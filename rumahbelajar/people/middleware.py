from __future__ import annotations

import time
from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject, empty
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


# When the session was last seen in use (seconds since the epoch), kept in the session itself.
_LAST_SEEN_KEY = "_rb_last_seen"
# The clock is moved at most this often, so an active session is written (to PostgreSQL, the
# session's record, and its Redis cache) every few minutes rather than on every request. A session may therefore end up to this much early.
_MAX_REFRESH_SECONDS = 5 * 60


def _refresh_seconds(idle: int) -> int:
    return max(1, min(_MAX_REFRESH_SECONDS, idle // 6))


def start_idle_clock(sender: object, request: HttpRequest | None = None, **kwargs: object) -> None:
    """user_logged_in receiver: the idle clock starts at login, in the session the login saves
    anyway (no write of its own)."""
    session = getattr(request, "session", None)
    if session is not None:
        SessionIdleTimeoutMiddleware._stamp(
            session, int(time.time()), int(settings.SESSION_IDLE_SECONDS)
        )


class SessionIdleTimeoutMiddleware:
    """A logged-in session idle for longer than SESSION_IDLE_SECONDS ends: the person is logged
    out and LoginRequiredMiddleware sends them to the login page.

    The session's own expiry follows the same clock, so an idle session's row expires (deleted by
    the nightly clearsessions task) and Redis drops its cached copy by itself.
    Requests without a session cookie are not looked at (no session is loaded for them). Runs
    after AuthenticationMiddleware and before LoginRequiredMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        idle = int(settings.SESSION_IDLE_SECONDS)
        now = int(time.time())
        if settings.SESSION_COOKIE_NAME in request.COOKIES and SESSION_KEY in session:
            last_seen = session.get(_LAST_SEEN_KEY)
            if isinstance(last_seen, int) and now - last_seen > idle:
                logout(request)
            elif not isinstance(last_seen, int) or now - last_seen >= _refresh_seconds(idle):
                self._stamp(session, now, idle)
        response = self.get_response(request)
        if (
            session.modified
            and SESSION_KEY in session
            and (_LAST_SEEN_KEY not in session or session.get("_session_expiry") != idle)
        ):
            # Logged in by this request (start_idle_clock stamped it; allauth may have set its
            # own expiry since): the clock starts now, in the write the login makes anyway.
            self._stamp(session, now, idle)
        return response

    @staticmethod
    def _stamp(session: SessionBase, now: int, idle: int) -> None:
        session[_LAST_SEEN_KEY] = now
        session.set_expiry(idle)


class PersonMiddleware:
    """Once the person is loaded, `request.user` is the person, not Django's lazy proxy around it.

    AuthenticationMiddleware puts a SimpleLazyObject there, so that a request that never asks
    who is logged in never loads the user. On every page that needs a login the user is loaded
    before the view (LoginRequiredMiddleware asks), and from then on the proxy only costs: each
    of the hundreds of reads of the person's fields by the view, the selectors and the templates
    goes through its `__getattribute__` and `__getattr__` (about a quarter of a millisecond a
    page, measured on my map). Runs last, after LoginRequiredMiddleware's check; a request that
    has not loaded the user keeps the proxy, so nothing is loaded that was not before.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    @staticmethod
    def process_view(request: HttpRequest, *args: object) -> None:
        user = getattr(request, "user", None)
        if isinstance(user, SimpleLazyObject) and user._wrapped is not empty:
            request.user = user._wrapped
