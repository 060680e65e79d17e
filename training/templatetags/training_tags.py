"""Template tags of the training pages: `{% load training_tags %}`."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def when(start: dt.datetime, end: dt.datetime, long: bool = False) -> SafeString:
    """A training's (or session's) dates: "12 Jan 2026, 08.00–16.00 WIB" within one day,
    otherwise "12 Jan 2026 – 16 Jan 2026"; with long=True the day and month are spelled out
    ("Senin, 12 Januari 2026, 08.00 – Selasa, 13 Januari 2026, 17.00 WIB"). Shown in the
    portal's zone, each end in a <time datetime>.

    In Python rather than an included template: it is on every card and every row, and a
    template would convert and format each instant once per filter."""
    start, end = timezone.localtime(start), timezone.localtime(end)
    day = "l, j F Y" if long else "j M Y"
    if start.date() == end.date():
        return format_html(
            '<time datetime="{}">{}, {}</time>–<time datetime="{}">{}</time> {}',
            date_format(start, "c"),
            date_format(start, day),
            time_format(start, "H.i"),
            date_format(end, "c"),
            time_format(end, "H.i"),
            date_format(end, "T"),
        )
    if long:
        return format_html(
            '<time datetime="{}">{}, {}</time> – <time datetime="{}">{}, {}</time> {}',
            date_format(start, "c"),
            date_format(start, day),
            time_format(start, "H.i"),
            date_format(end, "c"),
            date_format(end, day),
            time_format(end, "H.i"),
            date_format(end, "T"),
        )
    return format_html(
        '<time datetime="{}">{}</time> – <time datetime="{}">{}</time>',
        date_format(start, "c"),
        date_format(start, day),
        date_format(end, "c"),
        date_format(end, day),
    )
