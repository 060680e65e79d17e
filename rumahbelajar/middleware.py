from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class IndonesianFirstMiddleware:
    """The portal speaks Indonesian unless the person chose English with the language switch.

    Browsers in Indonesia often ask for English (their UI language), so Accept-Language is not a
    choice the person made; only the language cookie set by the switch is. Runs before
    LocaleMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class PrivatePagesMiddleware:
    """Every answer that read the session is someone's own page: `Cache-Control: private,
    no-store`, so neither a shared cache nor the browser's history keeps it (on a shared office PC,
    Back after logging out must not show the previous person's map). Views that chose their own
    caching (a book's cover, a served file) keep it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.accessed and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response
