"""Template helpers for "what to learn next" (competency.recommendations) and the target
position: the competencies to develop with their e-books and trainings, a list of suggestions,
and the side-by-side rows of the two standards. Built in Python with the words translated once
per language, not with a {% translate %} per row: the map page and the dashboard are the
portal's busiest pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from django import template
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from competency.recommendations import TRAINING, Candidate, Need, Suggestion

register = template.Library()


@lru_cache(maxsize=16)
def _words(language: str) -> dict[str, str]:
    return {
        "ebook": _("E-book"),
        "training": _("Pelatihan"),
        "assigned": _("Pelatihan wajib"),
        "target": _("untuk jabatan target"),
        "unassessed": _("Belum diases"),
        "standard": _("Standar %(required)s · capaian %(achieved)s"),
        "standard_target": _("Standar jabatan target %(required)s · capaian %(achieved)s"),
        "none": _("Belum ada e-book atau pelatihan yang sesuai untuk kompetensi ini."),
        "why": _("Alasan:"),
        "not_listed": _("tidak dipersyaratkan"),
        "required_now": _("Standar sekarang"),
        "required_target": _("Standar target"),
        "achieved": _("Capaian"),
        "gap_now": _("Kesenjangan sekarang"),
        "gap_target": _("Kesenjangan target"),
    }


def _suggestion(suggestion: Suggestion, language: str) -> str:
    """One suggestion's <li>: the item's part is the same for everyone it is suggested to (kept
    per process), only the why is the person's."""
    head = _suggestion_head(suggestion.candidate, suggestion.for_target, language)
    return f"{head}{escape(suggestion.why)}</p></li>"


@lru_cache(maxsize=8192)
def _suggestion_head(candidate: Candidate, for_target: bool, language: str) -> str:
    words = _words(language)
    kind = (
        words["assigned"]
        if candidate.assigned
        else words["training"]
        if candidate.kind == TRAINING
        else words["ebook"]
    )
    target = (
        format_html(' <span class="step__target">{}</span>', words["target"]) if for_target else ""
    )
    note = (
        format_html(' <span class="step__note">{}</span>', candidate.note) if candidate.note else ""
    )
    return str(
        format_html(
            '<li class="step step--{css}"><p class="step__title">'
            '<span class="step__kind">{kind}</span> <a href="{url}">{title}</a>{note}{target}</p>'
            '<p class="step__why"><span class="visually-hidden">{why_label} </span>',
            css="assigned" if candidate.assigned else candidate.kind,
            kind=kind,
            url=candidate.url,
            title=candidate.title,
            note=note,
            target=target,
            why_label=words["why"],
        )
    )


@register.simple_tag
def suggestion_list(suggestions: Iterable[Suggestion], css_class: str = "steps") -> SafeString:
    """A <ul> of suggestions: kind, link, a short note, the why; "" when there are none."""
    language = get_language() or ""
    rows = "".join(_suggestion(suggestion, language) for suggestion in suggestions)
    if not rows:
        return mark_safe("")
    return format_html('<ul class="{}">{}</ul>', css_class, mark_safe(rows))  # noqa: S308


@register.simple_tag
def develop_list(develop: Sequence[tuple[Need, list[Suggestion]]], show_steps: bool) -> SafeString:
    """The map page's competencies to develop (current position first, then the target's), each
    with its gap and, on one's own map, its best e-books and trainings with their why. f-strings
    with escape() rather than format_html per item: the same markup for a third of the time."""
    language = get_language() or ""
    words = _words(language)
    items = []
    for need, suggestions in develop:
        competency = need.competency
        numbers = (words["standard_target"] if need.for_target else words["standard"]) % {
            "required": need.required,
            "achieved": need.achieved,
        }
        chip = ngettext("kurang %(gap)s level", "kurang %(gap)s level", need.gap) % {
            "gap": need.gap
        }
        flags = ""
        if not need.assessed:
            flags += f' <span class="cmap-flag cmap-flag--unassessed">{escape(words["unassessed"])}</span>'
        if need.for_target:
            flags += f' <span class="cmap-flag cmap-flag--target">{escape(words["target"])}</span>'
        steps = ""
        if show_steps:
            listed = "".join(_suggestion(s, language) for s in suggestions)
            steps = (
                f'<ul class="steps">{listed}</ul>'
                if listed
                else f'<p class="steps__none">{escape(words["none"])}</p>'
            )
        anchor = "banding" if need.for_target else "kompetensi"
        code = escape(competency.code)
        target_class = " cmap-develop__item--target" if need.for_target else ""
        items.append(
            f'<li class="cmap-develop__item{target_class}"><p class="cmap-develop__name">'
            f'<span class="cmap-code">{code}</span> <a href="#{anchor}-{code}">'
            f"{escape(competency.name)}</a></p>"
            f'<span class="cmap-develop__numbers">{escape(numbers)}</span> '
            f'<span class="cmap-gap-chip">{escape(chip)}</span>{flags}{steps}</li>'
        )
    return mark_safe(f'<ol class="cmap-develop__list">{"".join(items)}</ol>')  # noqa: S308 (escaped above)


@register.simple_tag
def compare_rows(rows: Iterable[Any]) -> SafeString:
    """The rows of the side-by-side table: per competency the level required now and for the
    target, the level achieved, and both gaps (a dash where a standard does not list it)."""
    words = _words(get_language() or "")
    dash = format_html(
        '<span aria-hidden="true">\u2013</span><span class="visually-hidden">{}</span>',
        words["not_listed"],
    )
    out = []
    for row in rows:

        def level(value: int | None) -> Any:
            return dash if value is None else value

        def gap(value: int | None) -> Any:
            if value is None:
                return dash
            if value:
                return format_html('<strong class="cmap-gap">{}</strong>', value)
            return format_html('<span class="cmap-nogap">{}</span>', value)

        achieved = (
            row.achieved
            if row.assessed
            else format_html(
                '{} <span class="cmap-flag cmap-flag--unassessed">{}</span>',
                row.achieved,
                words["unassessed"],
            )
        )
        out.append(
            (
                row.competency.code,
                row.competency.code,
                row.competency.name,
                words["required_now"],
                level(row.required_now),
                words["required_target"],
                level(row.required_target),
                words["achieved"],
                achieved,
                words["gap_now"],
                gap(row.gap_now),
                words["gap_target"],
                gap(row.gap_target),
            )
        )
    # On phones each competency becomes a card whose numbers carry their labels (data-label).
    return format_html_join(
        "",
        '<tr id="banding-{}" class="cmap-table__row"><th scope="row" class="cmap-table__name">'
        '<span class="cmap-code">{}</span> {}</th>'
        '<td class="cmap-table__num" data-label="{}">{}</td>'
        '<td class="cmap-table__num" data-label="{}">{}</td>'
        '<td class="cmap-table__num" data-label="{}">{}</td>'
        '<td class="cmap-table__num" data-label="{}">{}</td>'
        '<td class="cmap-table__num" data-label="{}">{}</td></tr>',
        out,
    )
