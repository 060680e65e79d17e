"""Template helpers for the e-book pages.

{% load ebooks_tags %}
{{ ebook.snippet|highlight }}
"""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ebooks.selectors import SNIPPET_START, SNIPPET_STOP

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
