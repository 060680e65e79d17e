"""Template helpers for the page layout (templates/base.html and templates/includes/)."""

from __future__ import annotations

import re
from functools import lru_cache

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from rumahbelajar.people import selectors as people_selectors

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


# Placeholders for what differs per request in the cached header. NUL never occurs in markup
# that templates produce, and autoescaping leaves it as it is.
_NAME, _EMAIL, _INITIAL, _CSRF, _NEXT, _BADGE, _UNREAD = (f"\x00{c}\x00" for c in "NEICPBU")
_SLOT = re.compile("\x00[NEICPBU]\x00")


@lru_cache(maxsize=8)
def _nav_items(script_prefix: str) -> tuple[tuple[str, str, bool], ...]:
    return (
        ("home", reverse("dashboard"), True),
        ("ebooks", reverse("ebooks:ebook-list"), False),
        ("competency", reverse("competency:map-detail"), False),
        ("trainings", reverse("training:training-list"), False),
    )


def _nav_state(path: str) -> tuple[tuple[str, str], ...]:
    """aria-current of each item of the primary navigation for `path`: "page" on the item's own
    page, "true" inside its section (`/ebooks/12/` for E-book), "" elsewhere."""
    state = []
    for name, href, exact in _nav_items(get_script_prefix()):
        current = "page" if path == href else "true" if not exact and path.startswith(href) else ""
        state.append((name, current))
    return tuple(state)


@lru_cache(maxsize=256)
def _header_parts(
    language: str,
    nav: tuple[tuple[str, str], ...],
    authenticated: bool,
    staff: bool,
    reports: bool,
    team: bool = False,
) -> tuple[str, ...]:
    """includes/site_header.html for one language, navigation state and kind of visitor, split
    around the placeholders: [markup, placeholder, markup, placeholder, ...]."""
    markup = render_to_string(
        "includes/site_header.html",
        {
            "LANGUAGE_CODE": language,
            "LANGUAGES": settings.LANGUAGES,
            "authenticated": authenticated,
            "staff": staff,
            "reports": reports,
            "team": team,
            "nav": dict(nav),
            "logo_url": static("img/logo.svg"),
            "user_name": _NAME,
            "user_email": _EMAIL,
            "user_initial": _INITIAL,
            "csrf_token": _CSRF,
            "next_path": _NEXT,
            "unread_badge": _BADGE,
            "unread_count": _UNREAD,
        },
    )
    parts: list[str] = []
    position = 0
    for slot in _SLOT.finditer(markup):
        parts += [markup[position : slot.start()], slot.group()]
        position = slot.end()
    parts.append(markup[position:])
    return tuple(parts)


@register.simple_tag(takes_context=True)
def site_header(context: template.Context) -> SafeString:
    """The site header (includes/site_header.html). It is the same for everyone with the same
    language, page section and kind of account, so it is rendered once per process for each and
    only the person's name, email and initial, the CSRF token and the path are filled in."""
    request = context["request"]
    user = context.get("user")
    authenticated = user is not None and bool(user.is_authenticated)
    staff = reports = team = False
    name = email = badge = unread = ""
    if user is not None and authenticated:
        # The unread count is kept on the person's row, loaded for every request anyway.
        count = int(getattr(user, "unread_notifications", 0) or 0)
        if count:
            badge = f'<span class="unread-badge" aria-hidden="true">{count:d}</span>'
            unread = (
                f'<span class="unread-badge">{count:d}</span> '
                f'<span class="visually-hidden">{escape(_("belum dibaca"))}</span>'
            )
        staff, email = bool(user.is_staff), user.email
        name = user.full_name or email
        # HR admins and superusers get the reports of the people they manage in their menu: the
        # reports' own rule (people.selectors.report_scope), at most one query, which the report
        # pages then reuse; a permission check loaded every permission of the account per page.
        reports = (staff or user.is_superuser) and (
            people_selectors.report_scope(viewer=user, team=False) is not None
        )
        # Supervisors get their team and its reports (read with the person: no query).
        team = people_selectors.is_supervisor(user=user)
    values = {
        _NAME: escape(name),
        _EMAIL: escape(email),
        _INITIAL: escape(name[:1].upper()),
        _CSRF: escape(str(context.get("csrf_token", ""))),
        _NEXT: escape(request.get_full_path()),
        _BADGE: badge,
        _UNREAD: unread,
    }
    parts = _header_parts(
        get_language() or "", _nav_state(request.path), authenticated, staff, reports, team
    )
    return mark_safe("".join(values.get(part, part) for part in parts))  # noqa: S308 (escaped above)
