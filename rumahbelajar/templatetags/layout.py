"""Template helpers for the page layout (templates/base.html and templates/includes/)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_current(context: template.Context, href: str, *, exact: bool = False) -> str:
    """The aria-current value for a navigation link to `href`.

    "page" on the page itself, "true" on a page inside its section (`/ebooks/12/` for
    `/ebooks/`), "" elsewhere. `exact` is for the home page, whose path prefixes every other.
    """
    request = context.get("request")
    if request is None or not href:
        return ""
    if request.path == href:
        return "page"
    if not exact and request.path.startswith(href):
        return "true"
    return ""
