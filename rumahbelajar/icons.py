"""The portal's icons: each drawn once here, put in a page by `{% icon "name" %}`
(rumahbelajar.templatetags.icons).

Every icon is decorative (aria-hidden): the text beside it says what it means. Strokes use
currentColor, so an icon takes the colour of its text.
"""

from __future__ import annotations

_LINE = 'fill="none" stroke="currentColor"'
_ROUND = 'stroke-linecap="round" stroke-linejoin="round"'

# name → (viewBox size, inner SVG)
ICONS: dict[str, tuple[int, str]] = {
    "menu": (
        24,
        f'<path d="M3 6h18M3 12h18M3 18h18" {_LINE} stroke-width="2" stroke-linecap="round"/>',
    ),
    "refresh": (
        24,
        f'<path d="M20 12a8 8 0 1 1-2.34-5.66M20 4v5h-5" {_LINE} stroke-width="2.2" {_ROUND}/>',
    ),
    "check": (16, f'<path d="M3 8.5l3.2 3.2L13 4.5" {_LINE} stroke-width="2" {_ROUND}/>'),
    "check-large": (20, f'<path d="M4 10.5l4 4 8-9" {_LINE} stroke-width="2.4" {_ROUND}/>'),
    # The JPM bands (competency map; "optimal" is check-large): never told by colour alone.
    "band-cukup_optimal": (
        20,
        f'<circle cx="10" cy="10" r="7.5" {_LINE} stroke-width="2"/>'
        '<path d="M6.5 10h7" stroke="currentColor" stroke-width="2.2" stroke-linecap="round"/>',
    ),
    "band-kurang_optimal": (
        20,
        f'<path d="M10 2.5l8 14.5H2z" {_LINE} stroke-width="2" stroke-linejoin="round"/>'
        '<path d="M10 8v4m0 2.6v.1" stroke="currentColor" stroke-width="2" '
        'stroke-linecap="round"/>',
    ),
    "warning": (
        16,
        f'<path d="M8 1.5l6.8 12.5H1.2z" {_LINE} stroke-width="1.6" stroke-linejoin="round"/>'
        '<path d="M8 6v3.5m0 2v.1" stroke="currentColor" stroke-width="1.6" '
        'stroke-linecap="round"/>',
    ),
    "unassessed": (
        16,
        f'<circle cx="8" cy="8" r="6.5" {_LINE} stroke-width="1.6" stroke-dasharray="2.5 2"/>',
    ),
    "gap-down": (12, '<path d="M6 10.5L1 3h10z" fill="currentColor"/>'),
    "book": (
        24,
        '<path d="M12 6.5C10 5 7 4.5 3.5 5v13c3.5-.5 6.5 0 8.5 1.5 2-1.5 5-2 8.5-1.5V5C17 4.5 '
        f'14 5 12 6.5zm0 0v13" {_LINE} stroke-width="1.8" stroke-linejoin="round"/>',
    ),
    "book-large": (
        48,
        '<path d="M24 13c-4-3-10-4-17-3v26c7-1 13 0 17 3 4-3 10-4 17-3V10c-7-1-13 0-17 3zm0 0v26" '
        f'{_LINE} stroke-width="2.5" stroke-linejoin="round"/>',
    ),
    "download": (
        24,
        '<path d="M12 4v11m0 0l-4.5-4.5M12 15l4.5-4.5M4.5 19.5h15" '
        f'{_LINE} stroke-width="2" {_ROUND}/>',
    ),
    "heart": (
        24,
        '<path d="M12 20.5s-7.5-4.6-7.5-10.1A4.4 4.4 0 0 1 12 7.6a4.4 4.4 0 0 1 7.5 2.8c0 '
        '5.5-7.5 10.1-7.5 10.1z" stroke="currentColor" stroke-width="2" '
        'stroke-linejoin="round"/>',
    ),
    "search": (
        24,
        f'<circle cx="10.5" cy="10.5" r="6.5" {_LINE} stroke-width="2"/>'
        f'<path d="M15.5 15.5L21 21" {_LINE} stroke-width="2" stroke-linecap="round"/>',
    ),
    "close": (
        16,
        f'<path d="M4 4l8 8M12 4l-8 8" {_LINE} stroke-width="2" stroke-linecap="round"/>',
    ),
    "chevron-left": (24, f'<path d="M15 5l-7 7 7 7" {_LINE} stroke-width="2.2" {_ROUND}/>'),
    "chevron-right": (24, f'<path d="M9 5l7 7-7 7" {_LINE} stroke-width="2.2" {_ROUND}/>'),
    "minus": (24, f'<path d="M5 12h14" {_LINE} stroke-width="2.2" stroke-linecap="round"/>'),
    "plus": (24, f'<path d="M5 12h14M12 5v14" {_LINE} stroke-width="2.2" stroke-linecap="round"/>'),
    "fit-width": (
        24,
        '<path d="M3 12h18M3 12l4-4M3 12l4 4M21 12l-4-4M21 12l-4 4" '
        f'{_LINE} stroke-width="2" {_ROUND}/>',
    ),
    "chart": (
        24,
        '<path d="M4 20V10m5.3 10V4m5.4 16v-7M20 20V7M2.5 20.5h19" '
        f'{_LINE} stroke-width="1.8" stroke-linecap="round"/>',
    ),
    "graduation": (
        24,
        '<path d="M2 9l10-5 10 5-10 5-10-5zm4 2.2V16c3.5 2.7 8.5 2.7 12 0v-4.8M22 9v6" '
        f'{_LINE} stroke-width="1.8" {_ROUND}/>',
    ),
    "clock": (
        16,
        f'<circle cx="8" cy="8" r="6" {_LINE} stroke-width="1.6"/>'
        f'<path d="M8 4.5V8l2.5 1.5" {_LINE} stroke-width="1.6" stroke-linecap="round"/>',
    ),
    "lock": (
        16,
        f'<rect x="3" y="7" width="10" height="7" rx="1.5" {_LINE} stroke-width="1.6"/>'
        f'<path d="M5.5 7V5a2.5 2.5 0 0 1 5 0v2" {_LINE} stroke-width="1.6"/>',
    ),
    "play": (16, f'<path d="M5 3.5v9l7-4.5z" {_LINE} stroke-width="1.6" stroke-linejoin="round"/>'),
    "document": (
        16,
        f'<rect x="3" y="2.5" width="10" height="11.5" rx="1.5" {_LINE} stroke-width="1.6"/>'
        f'<path d="M5.5 6.5h5M5.5 9.5h3" {_LINE} stroke-width="1.6" stroke-linecap="round"/>',
    ),
    "blocked": (
        16,
        f'<circle cx="8" cy="8" r="6" {_LINE} stroke-width="1.6"/>'
        f'<path d="M4 12L12 4" {_LINE} stroke-width="1.6"/>',
    ),
    "list": (
        16,
        f'<path d="M2.5 4.5h11M2.5 8h11M2.5 11.5h7" {_LINE} stroke-width="1.6" '
        'stroke-linecap="round"/>',
    ),
    "info": (
        16,
        f'<circle cx="8" cy="8" r="6.2" {_LINE} stroke-width="1.6"/>'
        '<path d="M8 7.2v4M8 4.8v.1" stroke="currentColor" stroke-width="1.8" '
        'stroke-linecap="round"/>',
    ),
    "calendar": (
        16,
        f'<rect x="2" y="3" width="12" height="11" rx="1.5" {_LINE} stroke-width="1.5"/>'
        f'<path d="M2 6.5h12M5 1.5v3M11 1.5v3" {_LINE} stroke-width="1.5" stroke-linecap="round"/>',
    ),
    "person": (
        16,
        f'<circle cx="8" cy="5" r="2.6" {_LINE} stroke-width="1.6"/>'
        f'<path d="M3 14c.5-3 2.5-4.5 5-4.5s4.5 1.5 5 4.5" {_LINE} stroke-width="1.6" '
        'stroke-linecap="round"/>',
    ),
}
