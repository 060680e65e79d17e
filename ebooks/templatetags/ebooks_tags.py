"""Template helpers for the e-book pages (and the dashboard's shelves).

{% load ebooks_tags %}
{{ ebook.snippet|highlight }}
{% cover ebook size="small" %}           a book's cover, or a drawn placeholder
{% reading_progress ebook page %}        a labelled progress bar and the same fact in words

The two tags are Python, not included templates: every shelf and catalogue row shows them, and
an include per row cost more than the rest of the row.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ebooks.selectors import SNIPPET_START, SNIPPET_STOP
from rumahbelajar.templatetags.icons import icon

register = template.Library()

_MARKED = re.compile(
    re.escape(escape(SNIPPET_START)) + r"([^\x01\x02]*?)" + re.escape(escape(SNIPPET_STOP))
)
_STRAY = re.compile(r"[\x01\x02]")


@register.filter(is_safe=False)
def highlight(value: object) -> SafeString:
    """A search snippet as safe HTML: everything escaped first, then only our own markers
    (selectors.SNIPPET_START/STOP, in pairs) become <mark>; stray markers are dropped."""
    escaped = str(escape("" if value is None else str(value)))
    marked = _MARKED.sub(r"<mark>\1</mark>", escaped)
    return mark_safe(_STRAY.sub("", marked))  # noqa: S308  (escaped above; only <mark> added)


# Width and height of a cover per size: shelves, catalogue cards, a book's page.
COVER_SIZES = {"small": (56, 79), "card": (96, 136), "large": (240, 339)}


@cache
def _catalogue_url() -> str:
    return reverse("ebooks:ebook-list")


@register.simple_tag
def cover(ebook: Any, size: str = "card") -> SafeString:
    """A book's cover (decorative: the title is always next to it), or a drawn placeholder when
    the book has none. The cover is a private file: its URL goes through a permission check, and
    the version in the query string lets the browser keep it for a day."""
    if not ebook.cover:
        return format_html(
            '<div class="cover cover--{}"><span class="cover__placeholder" aria-hidden="true">'
            '{}<span class="cover__format">{}</span></span></div>',
            size,
            icon("book", size=28),
            ebook.get_file_format_display(),
        )
    width, height = COVER_SIZES.get(size, COVER_SIZES["card"])
    return format_html(
        '<div class="cover cover--{}"><img class="cover__image" src="{}{}/cover?v={}" alt="" '
        'width="{}" height="{}"{} decoding="async"></div>',
        size,
        _catalogue_url(),
        ebook.pk,
        (ebook.sha256 or "")[:12],
        width,
        height,
        mark_safe(' loading="lazy"') if size != "large" else "",
    )


@register.simple_tag
def reading_progress(ebook: Any, page: int) -> SafeString:
    """How far the person read `ebook`: a labelled <progress> and the same fact in words (only
    the page when the book's page count is unknown)."""
    total = ebook.page_count
    if not total:
        return format_html(
            '<div class="reading-progress"><p class="reading-progress__text">{}</p></div>',
            _("Terakhir dibaca: halaman %(page)s") % {"page": page},
        )
    return format_html(
        '<div class="reading-progress"><progress class="progress-bar progress-bar--thin reading-progress__bar" max="{}" '
        'value="{}" aria-label="{}"></progress><p class="reading-progress__text">{}</p></div>',
        total,
        page,
        _("Kemajuan membaca %(title)s") % {"title": ebook.title},
        _("Halaman %(page)s dari %(total)s · %(percent)s%%")
        % {"page": page, "total": total, "percent": round(page * 100 / total)},
    )
