"""Template tags of the training pages: `{% load training_tags %}`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    """`{{ heads|get_item:training.pk }}`: the value under `key` ("" when there is none)."""
    return mapping.get(key, "")


@register.simple_tag
def when(start: dt.datetime, end: dt.datetime, long: bool = False) -> SafeString:
    """A training's (or session's) dates, as the pages have always shown them: within one day
    "12 Jan 2026, 08.00" en dash "16.00 WIB"; otherwise "12 Jan 2026" spaced en dash "16 Jan 2026";
    with long=True the day and month are spelled out ("Senin, 12 Januari 2026") and the times
    shown on both ends. In the portal's zone, each instant in a <time datetime>.

    In Python rather than an included template: it is on every card and every row, and a
    template converted and formatted each instant once per filter."""
    start, end = timezone.localtime(start), timezone.localtime(end)
    day = "l, j F Y" if long else "j M Y"
    if start.date() == end.date():
        return format_html(
            '<time datetime="{}">{}, {}</time>\N{EN DASH}<time datetime="{}">{}</time> {}',
            date_format(start, "c"),
            date_format(start, day),
            time_format(start, "H.i"),
            date_format(end, "c"),
            time_format(end, "H.i"),
            date_format(end, "T"),
        )
    if long:
        return format_html(
            '<time datetime="{}">{}, {}</time> \N{EN DASH} <time datetime="{}">{}, {}</time> {}',
            date_format(start, "c"),
            date_format(start, day),
            time_format(start, "H.i"),
            date_format(end, "c"),
            date_format(end, day),
            time_format(end, "H.i"),
            date_format(end, "T"),
        )
    return format_html(
        '<time datetime="{}">{}</time> \N{EN DASH} <time datetime="{}">{}</time>',
        date_format(start, "c"),
        date_format(start, day),
        date_format(end, "c"),
        date_format(end, day),
    )
