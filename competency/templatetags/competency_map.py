"""Template helpers of the competency map page: the required-vs-achieved chart and the JPM scale
as inline SVG, and the rows of the details and history tables (Python, not template loops: they
are most of the page, rendered for every visit).

The chart is drawn on the server, so it needs no script and nothing the Content-Security-Policy
would block (SVG presentation attributes are not style attributes). It has no viewBox: bar
lengths are percentages of the width it is given, while text keeps its real pixel size, so the
labels stay readable at any width. Two layouts: "wide" (names beside the bars) and "narrow"
(names above them, for phones); the stylesheet shows one of them.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple, Protocol

from django import template
from django.conf import settings
from django.utils.formats import date_format
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from competency.models import AssessmentMethod, ResultSource
from rumahbelajar.templatetags.icons import icon

register = template.Library()

MAX_LEVEL = 5
AXIS_HEIGHT = 28  # the level numbers above the bars
BAR_HEIGHT = 16
BAR_GAP = 3
ROW_PADDING = 14
LINE_HEIGHT = 18
# Characters per label line: about 7.3 px per character at 14 px in the system sans-serif.
WIDE_LABEL_CHARS = 28
NARROW_LABEL_CHARS = 40
WIDE_BARS_X, WIDE_BARS_WIDTH = 36, 60  # percent of the chart's width
NARROW_BARS_WIDTH = 96


class _Competency(Protocol):
    code: str
    name: str


class ChartItem(Protocol):
    competency: _Competency
    required: int
    achieved: int
    gap: int
    assessed: bool


def _pct(level: int) -> str:
    return f"{level * 100 / MAX_LEVEL:g}%"


class _Row(NamedTuple):
    """What one competency's row of the chart shows: the same for everyone with these figures."""

    code: str
    name: str
    required: int
    achieved: int
    gap: int
    assessed: bool


def _bars(row: _Row, *, hatch: str) -> SafeString:
    """The two bars of one competency in a nested <svg> whose width is the 0…5 scale."""
    parts = [
        format_html(
            '<rect class="gap-chart__required" x="0" y="0" width="{}" height="{}" rx="2"/>'
            '<text class="gap-chart__value" x="{}" dx="-6" y="{}">{}</text>',
            _pct(row.required),
            BAR_HEIGHT,
            _pct(row.required),
            BAR_HEIGHT - 4,
            row.required,
        )
    ]
    achieved_y = BAR_HEIGHT + BAR_GAP
    if row.gap:
        # Hatched where a level is missing; plain (under the "not assessed" note) when all are.
        parts.append(
            format_html(
                '<rect class="gap-chart__shortfall{}"{} x="{}" y="{}" width="{}" height="{}"/>',
                "" if row.assessed else " gap-chart__shortfall--unassessed",
                format_html(' fill="url(#{})"', hatch) if row.assessed else "",
                _pct(row.achieved),
                achieved_y + 0.5,
                _pct(row.gap),
                BAR_HEIGHT - 1,
            )
        )
    if row.achieved:
        parts.append(
            format_html(
                '<rect class="gap-chart__achieved" x="0" y="{}" width="{}" height="{}" rx="2"/>'
                '<text class="gap-chart__value gap-chart__value--on-dark" x="{}" dx="-6" y="{}">'
                "{}</text>",
                achieved_y,
                _pct(row.achieved),
                BAR_HEIGHT,
                _pct(row.achieved),
                achieved_y + BAR_HEIGHT - 4,
                row.achieved,
            )
        )
    elif not row.assessed:
        parts.append(
            format_html(
                '<text class="gap-chart__note" x="6" y="{}">{}</text>',
                achieved_y + BAR_HEIGHT - 4,
                _("Belum diases"),
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 (every part went through format_html)


@lru_cache(maxsize=256)
def _grid(height: int) -> SafeString:
    return format_html_join(
        "",
        '<line class="gap-chart__grid" x1="{0}" x2="{0}" y1="{1}" y2="{2}"/>'
        '<text class="gap-chart__tick" x="{0}" y="{3}">{4}</text>',
        ((_pct(level), AXIS_HEIGHT - 6, height, AXIS_HEIGHT - 12, level) for level in range(6)),
    )


@lru_cache(maxsize=4096)
def _row_markup(row: _Row, narrow: bool, hatch: str, language: str) -> tuple[str, int]:
    """One row drawn from its own top (placed by the caller) and its height. Kept per process:
    a row depends only on its figures, the layout and the language (the key has all of them), so
    a crowd's maps are drawn from a few hundred rows. `language` keys the translated note."""
    lines = textwrap.wrap(
        f"{row.code} · {row.name}",
        NARROW_LABEL_CHARS if narrow else WIDE_LABEL_CHARS,
        break_on_hyphens=False,
    ) or [""]
    label_height = len(lines) * LINE_HEIGHT
    bars_height = 2 * BAR_HEIGHT + BAR_GAP
    if narrow:
        label_y, bars_y = ROW_PADDING // 2, ROW_PADDING // 2 + label_height + 2
        row_height = label_height + bars_height + ROW_PADDING + 2
    else:
        row_height = max(label_height, bars_height) + ROW_PADDING
        label_y = (row_height - label_height) // 2
        bars_y = (row_height - bars_height) // 2
    tspans = format_html_join(
        "",
        '<tspan x="0" dy="{}">{}</tspan>',
        ((LINE_HEIGHT if i else 0, line) for i, line in enumerate(lines)),
    )
    markup = format_html(
        '<text class="gap-chart__label" x="0" y="{}" dominant-baseline="hanging">{}</text>'
        '<svg x="{}" y="{}" width="{}" height="{}" overflow="visible" aria-hidden="true">'
        "{}</svg>",
        label_y + 1,
        tspans,
        "0" if narrow else f"{WIDE_BARS_X}%",
        bars_y,
        f"{NARROW_BARS_WIDTH if narrow else WIDE_BARS_WIDTH}%",
        bars_height,
        _bars(row, hatch=hatch),
    )
    return str(markup), row_height


def _rows(items: Sequence[ChartItem], *, narrow: bool, hatch: str) -> tuple[list[str], int]:
    rows, y = [], AXIS_HEIGHT
    language = get_language() or ""
    for item in items:
        row = _Row(
            item.competency.code,
            item.competency.name,
            item.required,
            item.achieved,
            item.gap,
            item.assessed,
        )
        markup, row_height = _row_markup(row, narrow, hatch, language)  # positional: a faster key
        # Only an integer and a literal join the row drawn with format_html: no escaping needed.
        gap_class = " gap-chart__row--gap" if item.gap else ""
        rows.append(
            f'<g class="gap-chart__row{gap_class}" transform="translate(0 {y:d})" '
            f'aria-hidden="true">{markup}</g>'
        )
        y += row_height
    return rows, y


def chart_description(items: Sequence[ChartItem]) -> str:
    below = sum(1 for item in items if item.gap and item.assessed)
    not_assessed = sum(1 for item in items if not item.assessed)
    return _(
        "Untuk %(total)s kompetensi, batang atas menunjukkan level standar jabatan dan batang "
        "bawah level capaian. %(below)s kompetensi di bawah standar, %(not_assessed)s belum "
        "diases. Angka lengkapnya ada di tabel rincian kompetensi."
    ) % {"total": len(items), "below": below, "not_assessed": not_assessed}


@register.simple_tag
def gap_chart(items: Iterable[ChartItem], *, chart_id: str, layout: str = "wide") -> SafeString:
    """A grouped horizontal bar chart of required vs achieved level per competency.

    `chart_id` must be unique in the page (it names the title, description and hatch pattern).
    """
    items = list(items)
    narrow = layout == "narrow"
    rows, height = _rows(items, narrow=narrow, hatch=f"{chart_id}-arsir")
    bars_x, bars_width = (
        ("0", f"{NARROW_BARS_WIDTH}%")
        if narrow
        else (
            f"{WIDE_BARS_X}%",
            f"{WIDE_BARS_WIDTH}%",
        )
    )
    return mark_safe(  # noqa: S308 (the rows went through format_html, the rest is escaped here)
        _chart_head(
            "narrow" if narrow else "wide",
            height + 4,
            chart_id,
            chart_description(items),
            bars_x,
            bars_width,
            get_language() or "",
        )
        + "".join(rows)
        + "</svg>"
    )


@lru_cache(maxsize=1024)
def _chart_head(
    layout: str, height: int, chart_id: str, desc: str, bars_x: str, bars_width: str, language: str
) -> str:
    """The chart's <svg> up to its rows: a few sizes and descriptions, drawn once per process
    each (`language` keys the translated title)."""
    return str(
        format_html(
            '<svg class="gap-chart gap-chart--{layout}" width="100%" height="{height}" role="img" '
            'aria-labelledby="{id}-judul" aria-describedby="{id}-uraian" focusable="false" '
            'xmlns="http://www.w3.org/2000/svg">'
            '<title id="{id}-judul">{title}</title><desc id="{id}-uraian">{desc}</desc>'
            "<defs>"
            '<pattern id="{id}-arsir" width="6" height="6" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><rect class="gap-chart__hatch-bg" width="6" height="6"/>'
            '<line class="gap-chart__hatch" x1="0" y1="0" x2="0" y2="6"/></pattern>'
            "</defs>"
            '<svg x="{bars_x}" y="0" width="{bars_width}" height="{height}" overflow="visible" '
            'aria-hidden="true">'
            "{grid}</svg>",
            layout=layout,
            height=height,
            id=chart_id,
            title=_("Level standar dan level capaian per kompetensi"),
            desc=desc,
            bars_x=bars_x,
            bars_width=bars_width,
            grid=_grid(height),
        )
    )


@register.simple_tag
def jpm_meter(jpm: Decimal | float | None) -> SafeString:
    """The JPM on a 0-100 scale split into the mapping bands (COMPETENCY_JPM_BANDS): decorative,
    the number and the band's name are printed beside it."""
    bands = settings.COMPETENCY_JPM_BANDS
    cukup, optimal = float(bands["cukup_optimal"]), float(bands["optimal"])
    value = min(max(float(jpm or 0), 0.0), 100.0)
    return format_html(
        '<svg class="cmap-meter" aria-hidden="true" focusable="false" width="100%" height="34">'
        '<rect class="cmap-meter__zone cmap-meter__zone--kurang" x="0" y="0" width="{c}%" '
        'height="12"/>'
        '<rect class="cmap-meter__zone cmap-meter__zone--cukup" x="{c}%" y="0" width="{cw}%" '
        'height="12"/>'
        '<rect class="cmap-meter__zone cmap-meter__zone--optimal" x="{o}%" y="0" width="{ow}%" '
        'height="12"/>'
        '<rect class="cmap-meter__bar" x="0" y="3" width="{v}%" height="6"/>'
        '<line class="cmap-meter__tick" x1="{c}%" x2="{c}%" y1="0" y2="16"/>'
        '<line class="cmap-meter__tick" x1="{o}%" x2="{o}%" y1="0" y2="16"/>'
        '<text class="cmap-meter__label" x="{c}%" y="30" text-anchor="end" dx="-3">{c}</text>'
        '<text class="cmap-meter__label" x="{o}%" y="30" text-anchor="start" dx="3">{o}</text>'
        "</svg>",
        c=f"{cukup:g}",
        cw=f"{optimal - cukup:g}",
        o=f"{optimal:g}",
        ow=f"{100 - optimal:g}",
        v=f"{value:g}",
    )


@lru_cache(maxsize=16)
def _labels(language: str) -> dict[str, str]:
    """The words every row repeats, translated once per language."""
    return {
        "required": _("Standar"),
        "achieved": _("Capaian"),
        "gap": _("Kesenjangan"),
        "unassessed": _("Belum diases"),
        "below": _("Di bawah standar"),
        "met": _("Memenuhi standar"),
        "date": _("Tanggal asesmen"),
        "level": _("Level"),
        "method": _("Metode"),
        "source": _("Sumber"),
        "latest": _("terbaru"),
        "indicators": _("Indikator perilaku"),
    }


@lru_cache(maxsize=2048)
def _next_level(
    name: str, level: int, description: str, indicators: tuple[str, ...], language: str
) -> str:
    """What the next level means (the dictionary's words): the same for everyone."""
    labels = _labels(language)
    listed = (
        format_html(
            '<p class="cmap-next__subtitle">{}</p><ul class="cmap-next__indicators">{}</ul>',
            labels["indicators"],
            format_html_join("", "<li>{}</li>", ((indicator,) for indicator in indicators)),
        )
        if indicators
        else ""
    )
    return str(
        format_html(
            '<tr class="cmap-table__more"><td colspan="5"><details class="cmap-next">'
            '<summary class="disclosure disclosure--chevron cmap-next__summary">{}<span class="visually-hidden">{}</span>'
            '</summary><div class="cmap-next__body"><p class="cmap-next__description">{}</p>{}'
            "</div></details></td></tr>",
            _("Arti level berikutnya (level %(level)s)") % {"level": level},
            name,
            description,
            listed,
        )
    )


@lru_cache(maxsize=16)
def _flags(language: str) -> dict[str, str]:
    labels = _labels(language)
    return {
        "unassessed": str(
            format_html(
                '<span class="flag flag--small tone--warning">{} {}</span>',
                icon("unassessed", size=14),
                labels["unassessed"],
            )
        ),
        "below": str(
            format_html(
                '<span class="flag flag--small tone--error">{} {}</span>',
                icon("warning", size=14),
                labels["below"],
            )
        ),
        "met": str(
            format_html(
                '<span class="flag flag--small tone--success">{} {}</span>',
                icon("check", size=14),
                labels["met"],
            )
        ),
    }


# Where a per-person value goes in a row drawn once per process: the row is split around it.
_SLOT = "\x00"


@lru_cache(maxsize=4096)
def _item_row_parts(row: _Row, language: str) -> tuple[str, str]:
    """One competency's row of the details table, split where its assessment date goes: the
    figures alone decide the rest, so a crowd's maps are drawn from a few hundred rows (with the
    date in the key, almost every row of a crowd was a miss)."""
    labels = _labels(language)
    gap = (
        format_html('<strong class="cmap-gap">{} {}</strong>', icon("gap-down"), row.gap)
        if row.gap
        else format_html('<span class="cmap-nogap">{}</span>', row.gap)
    )
    flag = _flags(language)["unassessed" if not row.assessed else "below" if row.gap else "met"]
    markup = format_html(
        '<tr id="kompetensi-{code}" class="cmap-table__row{gap_class}">'
        '<th scope="row" class="cmap-table__name"><span class="cmap-code">{code}</span> '
        "{name}</th>"
        '<td class="cmap-table__num" data-label="{l_required}">{required}</td>'
        '<td class="cmap-table__num" data-label="{l_achieved}">{achieved}</td>'
        '<td class="cmap-table__num" data-label="{l_gap}">{gap}</td>'
        '<td class="cmap-table__status">{flag} {when}</td></tr>',
        code=row.code,
        gap_class=" cmap-table__row--gap" if row.gap else "",
        name=row.name,
        l_required=labels["required"],
        required=row.required,
        l_achieved=labels["achieved"],
        achieved=row.achieved,
        l_gap=labels["gap"],
        gap=gap,
        flag=mark_safe(flag),  # noqa: S308 (built with format_html in _flags)
        when=mark_safe(_SLOT),  # noqa: S308 (a placeholder, replaced by _when's markup)
    )
    before, after = str(markup).split(_SLOT)
    return before, after


@lru_cache(maxsize=4096)
def _when(last_assessed_on: dt.date | None, language: str) -> str:
    """ "Diases 2 Mar 2026" in a row's status cell (nothing when never assessed)."""
    if last_assessed_on is None:
        return ""
    return str(
        format_html(
            '<span class="cmap-table__date">{}</span>',
            _("Diases %(when)s") % {"when": _day(last_assessed_on, language)},
        )
    )


def _item_row(row: _Row, last_assessed_on: dt.date | None, language: str) -> str:
    before, after = _item_row_parts(row, language)
    return before + _when(last_assessed_on, language) + after


@register.simple_tag
def map_rows(items: Iterable[Any]) -> SafeString:
    """The rows of one details table: per competency its standard, achieved level, gap and
    status, and for a gap what the next level means (a <details> row)."""
    language = get_language() or ""
    rows = []
    for item in items:
        competency = item.competency
        figures = _Row(
            competency.code,
            competency.name,
            item.required,
            item.achieved,
            item.gap,
            item.assessed,
        )
        rows.append(_item_row(figures, item.last_assessed_on, language))
        following = getattr(item, "next_level", None)
        if item.gap and following is not None:
            rows.append(
                mark_safe(  # noqa: S308 (built with format_html in _next_level)
                    _next_level(
                        competency.name,
                        following.level,
                        following.description,
                        tuple(following.indicators or ()),
                        language,
                    )
                )
            )
    return mark_safe("".join(rows))  # noqa: S308 (every row went through format_html)


@lru_cache(maxsize=4096)
def _day(value: dt.date, language: str) -> str:
    """A date as the tables print it ("2 Mar 2026"): month names are translated, so per language."""
    return date_format(value, "j M Y")


@lru_cache(maxsize=1024)
def _history_row_parts(
    level: int, method: str, source: str, latest: bool, language: str
) -> tuple[str, str]:
    """One result's row, split where its date goes: the rest is decided by a few figures, so it
    is drawn once per process."""
    labels = _labels(language)
    markup = format_html(
        '<tr class="cmap-history__result"><td data-label="{}">{} {}</td>'
        '<td class="cmap-table__num" data-label="{}">{}</td>'
        '<td data-label="{}">{}</td><td data-label="{}">{}</td></tr>',
        labels["date"],
        mark_safe(_SLOT),  # noqa: S308 (a placeholder, replaced by _history_day's markup)
        format_html('<span class="cmap-latest">{}</span>', labels["latest"]) if latest else "",
        labels["level"],
        level,
        labels["method"],
        AssessmentMethod(method).label if method in AssessmentMethod.values else method,
        labels["source"],
        ResultSource(source).label if source in ResultSource.values else source,
    )
    before, after = str(markup).split(_SLOT)
    return before, after


@lru_cache(maxsize=4096)
def _history_day(assessed_on: dt.date, language: str) -> str:
    return (
        f'<time datetime="{assessed_on.isoformat()}">{escape(_day(assessed_on, language))}</time>'
    )


def _history_row(
    assessed_on: dt.date, level: int, method: str, source: str, latest: bool, language: str
) -> str:
    before, after = _history_row_parts(level, method, source, latest, language)
    return before + _history_day(assessed_on, language) + after


@lru_cache(maxsize=1024)
def _history_heading(code: str, name: str) -> str:
    return str(
        format_html(
            '<tr class="cmap-history__group"><th colspan="4" scope="rowgroup">'
            '<span class="cmap-code">{}</span> {}</th></tr>',
            code,
            name,
        )
    )


@register.simple_tag
def history_rows(history_groups: Iterable[tuple[Any, list[Any]]]) -> SafeString:
    """The bodies of the results history: per competency a heading row, then its results,
    newest first, the one that counts marked "terbaru"."""
    language = get_language() or ""
    bodies = []
    for competency, results in history_groups:
        rows: list[str] = [_history_heading(competency.code, competency.name)]
        for index, result in enumerate(results):
            rows.append(
                _history_row(
                    result.assessed_on,
                    result.level,
                    result.method,
                    result.source,
                    index == 0,
                    language,
                )
            )
        bodies.append("<tbody>" + "".join(rows) + "</tbody>")
    return mark_safe("".join(bodies))  # noqa: S308 (every row went through format_html)
