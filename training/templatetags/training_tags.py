"""Template tags of the training pages: `{% load training_tags %}`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

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
    took the template 14 ms (a blocktranslate, url and floatformat per row and per gap)."""
    map_url = reverse("competency:employee-map-detail", args=["0" * 18]).removesuffix(
        "0" * 18 + "/"
    )
    training_url = reverse("training:training-detail", args=["x"]).removesuffix("x/")
    approvals = reverse("team:approval-list")
    texts = {
        "none": _("belum ada"),
        "meets_standard": _("memenuhi standar"),
        "meets": _("memenuhi"),
        "overdue": _("Lewat batas waktu"),
    }
    return mark_safe(  # noqa: S308 (each part built with format_html)
        "".join(_team_row(member, map_url, training_url, approvals, texts) for member in members)
    )


def _team_row(
    member: Any, map_url: str, training_url: str, approvals: str, texts: dict[str, str]
) -> str:
    person = member.person
    name = (
        format_html('<a href="{}{}/">{}</a>', map_url, person.nip, person.full_name)
        if person.nip
        else conditional_escape(person.full_name)
    )
    where = format_html(
        "{}{}",
        f"{person.position.name} · " if person.position_id else "",
        person.unit.name if person.unit_id else "",
    )
    if member.jpm is not None:
        jpm = format_html(
            '{}%<br><span class="band band--{}">{}</span>',
            floatformat(member.jpm, "-2"),
            member.category,
            member.category_label,
        )
    else:
        jpm = conditional_escape(texts["none"])
    if member.gaps:
        gaps = format_html(
            '<ul class="team-gaps">{}</ul>',
            mark_safe(  # noqa: S308 (format_html per item)
                "".join(
                    format_html(
                        "<li>{} {}: {}</li>",
                        gap.code,
                        gap.name,
                        _("level %(achieved)s dari %(required)s")
                        % {"achieved": gap.achieved, "required": gap.required},
                    )
                    for gap in member.gaps
                )
            ),
        )
    else:
        gaps = conditional_escape(texts["meets_standard"] if member.has_map else "\N{EN DASH}")
    jp = format_html(
        "{} / {}{}",
        floatformat(member.jp, "-2"),
        member.jp_target,
        format_html("<br>{}", texts["meets"]) if member.jp_met else "",
    )
    if member.assignments:
        due = []
        for assignment in member.assignments:
            due.append(
                format_html(
                    '<li><a href="{}{}/">{}</a>{}{}</li>',
                    training_url,
                    assignment.training.slug,
                    assignment.training.title,
                    format_html(
                        " ({})",
                        _("batas %(due)s") % {"due": date_format(assignment.due_date, "j M Y")},
                    )
                    if assignment.due_date
                    else "",
                    format_html(' <span class="report-behind">{}</span>', texts["overdue"])
                    if assignment.overdue
                    else "",
                )
            )
        assignments = format_html(
            '<ul class="team-gaps">{}</ul>',
            mark_safe("".join(due)),  # noqa: S308 (format_html per item)
        )
    else:
        assignments = mark_safe("\N{EN DASH}")
    waiting = (
        format_html('<a href="{}">{}</a>', approvals, member.waiting) if member.waiting else "0"
    )
    return format_html(
        '<tr><th scope="row">{}<br><small>{}</small></th>'
        '<td class="report-num">{}</td><td>{}</td><td class="report-num">{}</td>'
        '<td>{}</td><td class="report-num">{}</td></tr>',
        name,
        where,
        jpm,
        gaps,
        jp,
        assignments,
        waiting,
    )
