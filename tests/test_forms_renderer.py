"""rumahbelajar.forms_renderer writes exactly what Django's form templates write."""

import datetime as dt
from pathlib import Path

import django
import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.utils.translation import gettext_lazy

from rumahbelajar.forms_renderer import _FAST, FormRenderer

CHOICES = [
    ("", "---------"),
    ("a", "Satu & <dua>"),
    ('Grup "x"', [(1, "Angka"), (2.5, gettext_lazy("Beranda"))]),
    ("c", 'Kutip "ganda"'),
]


class EveryWidget(forms.Form):
    text = forms.CharField(label="Judul <b>", help_text="Bantuan & <i>", max_length=10)
    number = forms.IntegerField(widget=forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}))
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    email = forms.EmailField(required=False, widget=forms.EmailInput(attrs={"autofocus": True}))
    secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    flag = forms.BooleanField(required=False, label=gettext_lazy("Beranda"))
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    one = forms.ChoiceField(choices=CHOICES, required=False)
    many = forms.MultipleChoiceField(
        choices=CHOICES[1:], required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    boxes = forms.MultipleChoiceField(
        choices=CHOICES[1:], required=False, widget=forms.CheckboxSelectMultiple
    )
    radio = forms.ChoiceField(choices=CHOICES[1:2], required=False, widget=forms.RadioSelect)
    # A fieldset with a help text (aria-describedby on the fieldset) and one without a label.
    pick = forms.ChoiceField(
        choices=CHOICES[1:], widget=forms.RadioSelect, help_text=gettext_lazy("Beranda")
    )
    unlabelled = forms.CharField(label="", required=False, help_text="<b>tebal</b>")
    upload = forms.FileField(required=False)
    nullable = forms.NullBooleanField(required=False)
    when = forms.SplitDateTimeField(required=False)


DATA = [
    None,
    {},
    {
        "text": 'terlalu panjang <script>"',
        "number": "x",
        "date": "2026-13-40",
        "email": "bukan",
        "secret": "a&b",
        "hidden": '"h"',
        "flag": "on",
        "note": "baris\n<satu>",
        "one": 'Grup "x"',
        "many": ["a", "1", "2.5"],
        "boxes": ["c"],
        "radio": "a",
        "pick": "zz",
        "nullable": "true",
        "when_0": "2026-01-02",
        "when_1": "10:00",
    },
]


def outputs(form):
    yield form.as_div()
    yield form.as_p()
    for field in form:
        yield field.as_field_group()
        yield str(field)
        yield field.label_tag()
        yield field.legend_tag()
        yield str(field.errors)
    yield str(form.non_field_errors())


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("auto_id", ["id_%s", False])
def test_the_same_markup_as_djangos_templates(data, language, auto_id, settings):
    settings.LANGUAGE_CODE = language
    initial = {"date": dt.date(2026, 3, 4), "one": "a", "many": ["c", "1"], "number": 1200}
    given = {"data": data, "initial": initial, "auto_id": auto_id}
    ours = EveryWidget(**given, renderer=FormRenderer())
    djangos = EveryWidget(**given, renderer=DjangoTemplates())
    if data is not None:
        ours.add_error(None, "Kesalahan <umum>")
        djangos.add_error(None, "Kesalahan <umum>")
    for mine, theirs in zip(outputs(ours), outputs(djangos), strict=True):
        assert mine == theirs


def test_it_is_the_sites_renderer():
    assert settings.FORM_RENDERER == "rumahbelajar.forms_renderer.FormRenderer"


def test_no_project_template_overrides_a_template_it_writes():
    roots = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
    overridden = [name for name in _FAST for root in roots if (root / name).exists()]
    assert overridden == []


def test_djangos_templates_are_the_ones_it_copies():
    """A Django upgrade that changes one of these templates fails here: copy it again."""
    base = Path(django.__file__).parent / "forms" / "templates"
    assert (base / "django/forms/widgets/select_option.html").read_text() == (
        "<option value=\"{{ widget.value|stringformat:'s' }}\""
        '{% include "django/forms/widgets/attrs.html" %}>{{ widget.label }}</option>\n'
    )
    assert (base / "django/forms/field.html").read_text() == (
        "{% if field.use_fieldset %}\n"
        '  <fieldset{% if field.aria_describedby %} aria-describedby="{{ field.aria_describedby }}"'
        "{% endif %}>\n"
        "  {% if field.label %}{{ field.legend_tag }}{% endif %}\n"
        "{% else %}\n"
        "  {% if field.label %}{{ field.label_tag }}{% endif %}\n"
        "{% endif %}\n"
        '{% if field.help_text %}<div class="helptext"{% if field.auto_id %} '
        'id="{{ field.auto_id }}_helptext"{% endif %}>{{ field.help_text|safe }}</div>{% endif %}\n'
        "{{ field.errors }}\n"
        "{{ field }}{% if field.use_fieldset %}</fieldset>{% endif %}\n"
    )
    assert (
        (base / "django/forms/label.html")
        .read_text()
        .startswith(
            "{% if use_tag %}<{{ tag }}{% include 'django/forms/attrs.html' %}>{{ label }}</{{ tag }}>"
        )
    )
