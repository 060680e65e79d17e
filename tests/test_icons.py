"""The icon tag: every icon drawn once in rumahbelajar.icons, put in a page as decorative SVG."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template, TemplateSyntaxError

from rumahbelajar.icons import ICONS


def render(source: str) -> str:
    return Template("{% load icons %}" + source).render(Context())


def test_icon_default_size_is_its_view_box_and_it_is_hidden_from_screen_readers():
    html = render('{% icon "check" %}')

    assert html == (
        '<svg aria-hidden="true" focusable="false" viewBox="0 0 16 16" width="16" height="16">'
        + ICONS["check"][1]
        + "</svg>"
    )


def test_icon_size_and_class_are_applied():
    html = render('{% icon "warning" size=14 css_class="flag__icon" %}')

    assert html.startswith(
        '<svg class="flag__icon" aria-hidden="true" focusable="false" viewBox="0 0 16 16" '
        'width="14" height="14">'
    )


def test_icon_unknown_name_fails_loudly():
    with pytest.raises(TemplateSyntaxError):
        render('{% icon "no-such-icon" %}')


@pytest.mark.parametrize("name", sorted(ICONS))
def test_icon_every_icon_is_well_formed_svg_in_current_color(name):
    box, inner = ICONS[name]

    assert box in {12, 16, 20, 24, 48}
    assert re.fullmatch(r"(<(path|circle|rect) [^<>]*/>)+", inner)
    assert "currentColor" in inner
