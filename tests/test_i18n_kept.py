"""`{% translate %}` of a constant message is kept per language and autoescape; the rest is
Django's."""

import pytest
from django.template import Context, Engine, engines
from django.utils import translation

from rumahbelajar.templatetags.i18n_kept import KeptTranslateNode


def render(source, context=None, language="id"):
    with translation.override(language):
        return engines["django"].from_string("{% load i18n %}" + source).render(context or {})


def test_the_loaded_library_is_ours():
    template = engines["django"].from_string('{% load i18n %}{% translate "Beranda" %}')
    assert any(isinstance(node, KeptTranslateNode) for node in template.template.nodelist)


@pytest.mark.parametrize("repeat", [1, 2])
def test_each_language_gets_its_own_text(repeat):
    for _ in range(repeat):
        assert render('{% translate "Beranda" %}') == "Beranda"
        assert render('{% translate "Beranda" %}', language="en") == "Home"


def djangos(source, language):
    """The same template through Django's own i18n library."""
    engine = Engine(libraries={"i18n": "django.templatetags.i18n"})
    with translation.override(language):
        return engine.from_string("{% load i18n %}" + source).render(Context({}))


@pytest.mark.parametrize(
    "source",
    [
        '{% translate "Beranda" as label %}[{{ label }}]',
        '{% translate "100% tercapai" %}',
        '{% translate "100%% tercapai" %}',
        '{% autoescape off %}{% translate "Beranda" as label %}{{ label }}{% endautoescape %}',
    ],
)
def test_the_same_text_as_djangos_own(source):
    for language in ("id", "en", "id"):
        assert render(source, language=language) == djangos(source, language)


def test_variables_filters_and_context_stay_djangos():
    assert render("{% translate word %}", {"word": "Beranda"}, language="en") == "Home"
    assert render("{% translate word %}", {"word": "<b>"}) == "&lt;b&gt;"
    assert render('{% translate "Beranda"|upper %}', language="en") == "HOME"
    assert render('{% translate "Beranda" noop %}', language="en") == "Beranda"


def backend(libraries):
    from rumahbelajar.templates_backend import DjangoTemplates

    return DjangoTemplates(
        {"NAME": "check", "DIRS": [], "APP_DIRS": True, "OPTIONS": {"libraries": libraries}}
    )


def test_the_deliberate_library_name_is_not_warned_about():
    assert engines["django"]._check_for_template_tags_with_the_same_name() == []


def test_any_other_shared_library_name_still_warns():
    warnings = backend(
        {"i18n": "rumahbelajar.templatetags.i18n_kept", "static": "rumahbelajar.templatetags.icons"}
    )._check_for_template_tags_with_the_same_name()
    assert [warning.id for warning in warnings] == ["templates.W003"]
    assert "'static' is used for multiple" in warnings[0].msg


@pytest.mark.parametrize(
    "source",
    [
        "{% blocktranslate %}Selamat datang, {{ name }}{% endblocktranslate %}",
        "{% blocktranslate trimmed with who=name %}\n  Selamat datang,\n  {{ who }}\n"
        "{% endblocktranslate %}",
        "{% blocktranslate trimmed count n=count %}\n dan {{ n }} pelatihan lain yang akan"
        " datang.\n{% plural %}\n dan {{ n }} pelatihan lain yang akan datang.\n"
        "{% endblocktranslate %}",
        "{% blocktranslate with pct=100 %}{{ pct }}% tercapai{% endblocktranslate %}",
        "{% blocktranslate asvar said %}Halo {{ name }}{% endblocktranslate %}[{{ said }}]",
    ],
)
def test_blocktranslate_says_what_djangos_says(source):
    from rumahbelajar.templatetags.i18n_kept import KeptBlockTranslateNode

    template = engines["django"].from_string("{% load i18n %}" + source)
    assert any(isinstance(node, KeptBlockTranslateNode) for node in template.template.nodelist)
    for count in (1, 2, 1):
        for language in ("id", "en", "id"):
            context = {"name": "<Ani>", "count": count}
            with translation.override(language):  # the same node each time: its kept messages
                ours = template.render(context)
            engine = Engine(libraries={"i18n": "django.templatetags.i18n"})
            with translation.override(language):
                theirs = engine.from_string("{% load i18n %}" + source).render(Context(context))
            assert ours == theirs
            assert "<Ani>" not in ours
