"""Template tags of the training pages: `{% load training_tags %}`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, get_format, time_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from competency.models import JpmCategory

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


@register.simple_tag
def team_rows(members: list[Any]) -> SafeString:
    """The rows of /team/'s table, one per member: name (and map link), position and unit, JPM
    and band, largest gaps, JP against the target, assignments due, what waits for approval.

    In Python rather than the template: a page of 50 members with their gaps and assignments
    took the template 14 ms (a blocktranslate, url and floatformat per row and per gap). Plain
    f-strings and escape(), with the texts and the number format looked up once per page:
    format_html, floatformat and a translation per cell still cost 0.2 ms a row."""
    map_url = reverse("competency:employee-map-detail", args=["0" * 18]).removesuffix(
        "0" * 18 + "/"
    )
    training_url = reverse("training:training-detail", args=["x"]).removesuffix("x/")
    page = _TeamPage(
        map_url=escape(map_url),
        training_url=escape(training_url),
        approvals=escape(reverse("team:approval-list")),
        none=escape(_("belum ada")),
        meets_standard=escape(_("memenuhi standar")),
        meets=escape(_("memenuhi")),
        overdue=escape(_("Lewat batas waktu")),
        level=_("level %(achieved)s dari %(required)s"),
        due=_("batas %(due)s"),
        bands={value: escape(str(label)) for value, label in JpmCategory.choices},
        decimal_separator=str(get_format("DECIMAL_SEPARATOR")),
    )
    return mark_safe(  # noqa: S308 (every value escaped in _team_row)
        "".join(_team_row(member, page) for member in members)
    )


@dataclass(frozen=True)
class _TeamPage:
    """What every row of a team page shares, escaped and translated once."""

    map_url: str
    training_url: str
    approvals: str
    none: str
    meets_standard: str
    meets: str
    overdue: str
    level: str
    due: str
    bands: dict[str, str]
    decimal_separator: str

    def number(self, value: Decimal) -> str:
        """floatformat(value, "-2"): two decimals, none for a whole number, the language's
        decimal separator, no grouping."""
        value = Decimal(value)
        if value == value.to_integral_value():  # as floatformat: whole before rounding
            return str(int(value))
        rounded = value.quantize(_HUNDREDTHS, ROUND_HALF_UP)
        return f"{rounded:f}".replace(".", self.decimal_separator)


_HUNDREDTHS = Decimal("0.01")


def _team_row(member: Any, page: _TeamPage) -> str:
    person = member.person
    full_name = escape(person.full_name)
    name = (
        f'<a href="{page.map_url}{escape(person.nip)}/">{full_name}</a>'
        if person.nip
        else full_name
    )
    where = escape(
        (f"{person.position.name} · " if person.position_id else "")
        + (person.unit.name if person.unit_id else "")
    )
    if member.jpm is not None:
        category = escape(member.category)
        jpm = (
            f'{page.number(member.jpm)}%<br><span class="band band--{category}">'
            f"{page.bands.get(member.category, '')}</span>"
        )
    else:
        jpm = page.none
    if member.gaps:
        items = "".join(
            f"<li>{escape(gap.code)} {escape(gap.name)}: "
            f"{escape(page.level % {'achieved': gap.achieved, 'required': gap.required})}</li>"
            for gap in member.gaps
        )
        gaps = f'<ul class="team-gaps">{items}</ul>'
    else:
        gaps = page.meets_standard if member.has_map else "\N{EN DASH}"
    jp = f"{page.number(member.jp)} / {member.jp_target}" + (
        f"<br>{page.meets}" if member.jp_met else ""
    )
    if member.assignments:
        due = []
        for assignment in member.assignments:
            training = assignment.training
            when = (
                f" ({escape(page.due % {'due': date_format(assignment.due_date, 'j M Y')})})"
                if assignment.due_date
                else ""
            )
            late = (
                f' <span class="report-behind">{page.overdue}</span>' if assignment.overdue else ""
            )
            due.append(
                f'<li><a href="{page.training_url}{escape(training.slug)}/">'
                f"{escape(training.title)}</a>{when}{late}</li>"
            )
        assignments = f'<ul class="team-gaps">{"".join(due)}</ul>'
    else:
        assignments = "\N{EN DASH}"
    waiting = f'<a href="{page.approvals}">{member.waiting}</a>' if member.waiting else "0"
    return (
        f'<tr><th scope="row">{name}<br><small>{where}</small></th>'
        f'<td class="report-num">{jpm}</td><td>{gaps}</td><td class="report-num">{jp}</td>'
        f'<td>{assignments}</td><td class="report-num">{waiting}</td></tr>'
    )
