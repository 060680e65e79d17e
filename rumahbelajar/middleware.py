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
