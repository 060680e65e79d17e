"""The people app's own pages: for now only what replaces allauth's self-service email page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def email_managed_by_hr(request: HttpRequest) -> HttpResponse:
    """allauth's email page let people add an address, make it primary unverified and remove
    the old one, with no reauthentication and no word to the owner. HR owns addresses (the
    admin, the import), so the page is gone; the URL name stays because allauth's templates
    reverse it."""
    raise Http404
