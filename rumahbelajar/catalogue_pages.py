"""What the catalogue pages (e-books, trainings) share: whether htmx asks for a fragment, and the
page number their cached result fragments are keyed by."""

from __future__ import annotations

from django.http import HttpRequest


def is_fragment_request(request: HttpRequest) -> bool:
    """A fragment request; a history restore (back button, cache miss) needs the whole page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def page_key(raw: str | None) -> int:
    """The page asked for as Paginator.get_page reads it: not a number is 1, below 1 the last
    page (0 here); a huge number is the last page too, so its keys are bounded."""
    try:
        number = int(raw or "1")
    except (TypeError, ValueError):
        return 1
    return 0 if number < 1 else min(number, 1_000_000)
