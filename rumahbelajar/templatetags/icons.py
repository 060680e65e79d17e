"""`{% icon "name" size=16 class="..." %}`: one of rumahbelajar.icons as inline, decorative SVG.

Inline (not a sprite file) so that an icon costs no request and no CSP exception; each markup is
built once per process and then reused as it is.
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from rumahbelajar.icons import ICONS

register = template.Library()


@lru_cache(maxsize=512)
def _markup(name: str, size: int | None, css_class: str) -> SafeString:
    try:
        box, inner = ICONS[name]
    except KeyError:
        raise template.TemplateSyntaxError(f"unknown icon {name!r}") from None
    side = size or box
    return format_html(
        '<svg{} aria-hidden="true" focusable="false" viewBox="0 0 {} {}" width="{}" height="{}">'
        "{}</svg>",
        format_html(' class="{}"', css_class) if css_class else "",
        box,
        box,
        side,
        side,
        mark_safe(inner),  # noqa: S308 (our own constant markup)
    )


@register.simple_tag
def icon(name: str, *, size: int | None = None, css_class: str = "") -> SafeString:
    """The icon `name` at `size` pixels (default: its own viewBox size), with class `css_class`."""
    return _markup(name, int(size) if size else None, css_class)
