"""{% dl_item %}: one term of a description list and its value, escaped, its label translated."""

from __future__ import annotations

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.utils import translation


def render(source: str, **context: object) -> str:
    return Template("{% load definition_list %}" + source).render(Context(context))


def test_dl_item_writes_term_and_value_escaping_the_value():
    html = render('{% dl_item _("Nomor") number %}', number="<b>12</b> & co")

    assert html == "<div><dt>Nomor</dt><dd>&lt;b&gt;12&lt;/b&gt; &amp; co</dd></div>"


def test_dl_item_body_keeps_its_markup_and_takes_a_class():
    html = render(
        '{% dl_item _("Nomor") css="book__fact" %}<a href="/x/">{{ n }}</a>{% enddl_item %}',
        n="<i>",
    )

    assert html == (
        '<div class="book__fact"><dt>Nomor</dt><dd><a href="/x/">&lt;i&gt;</a></dd></div>'
    )


def test_dl_item_class_from_a_variable_and_a_label_from_a_variable_escaped():
    html = render("{% dl_item label value css=kind %}", label="A & B", value=3, kind="")

    assert html == "<div><dt>A &amp; B</dt><dd>3</dd></div>"


def test_dl_item_label_follows_the_language():
    with translation.override("en"):
        english = render('{% dl_item _("Nomor") 1 %}')
    with translation.override("id"):
        indonesian = render('{% dl_item _("Nomor") 1 %}')

    assert english == "<div><dt>Number</dt><dd>1</dd></div>"
    assert indonesian == "<div><dt>Nomor</dt><dd>1</dd></div>"


def test_dl_item_without_label_is_a_template_error():
    with pytest.raises(TemplateSyntaxError):
        render("{% dl_item %}")
