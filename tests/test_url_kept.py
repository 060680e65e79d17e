"""`{% url %}` with constant arguments is kept per process, keyed by everything its answer
depends on; the rest is Django's."""

import pytest
from django.template import Context, Engine, TemplateSyntaxError, engines
from django.test import RequestFactory
from django.urls import NoReverseMatch, set_script_prefix

from rumahbelajar.templatetags.url_kept import KeptURLNode


def ours(source, context=None):
    return engines["django"].from_string(source)


def djangos(source, context=None):
    return Engine().from_string(source).render(Context(context or {}))


@pytest.fixture(autouse=True)
def _script_prefix():
    yield
    set_script_prefix("/")


def test_every_template_gets_it_without_a_load():
    template = ours("{% url 'dashboard' %}")
    assert isinstance(template.template.nodelist[0], KeptURLNode)
    assert template.template.nodelist[0].constant is not None


@pytest.mark.parametrize(
    "source",
    [
        "{% url 'dashboard' %}",
        "{% url 'competency:map-detail' %}",
        "{% url 'ebooks:ebook-detail' 'hukum-pidana' %}",
        "{% url 'ebooks:ebook-detail' ref='hukum-pidana' %}",
        "{% url 'competency:map-detail' as link %}[{{ link }}]",
        "{% url 'ebooks:ebook-detail' slug %}",
        "{% url 'ebooks:ebook-detail' slug|upper %}",
        "{% url 'nothing-by-this-name' as link %}[{{ link }}]",
    ],
)
def test_the_same_address_as_djangos(source):
    template = ours(source)
    for prefix in ("/", "/portal/", "/"):  # the prefix is part of the key
        set_script_prefix(prefix)
        for slug in ("a-b", "c-d"):
            assert template.render({"slug": slug}) == djangos(source, {"slug": slug})


def test_a_variable_argument_is_not_kept():
    template = ours("{% url 'ebooks:ebook-detail' slug %}")
    assert template.template.nodelist[0].constant is None
    assert template.render({"slug": "satu"}) != template.render({"slug": "dua"})


def test_the_current_application_is_part_of_the_key():
    template = ours("{% url 'dashboard' %}")
    request = RequestFactory().get("/")
    request.current_app = "lain"
    assert template.render({}, request) == djangos("{% url 'dashboard' %}")


def test_a_name_that_does_not_reverse_still_fails():
    with pytest.raises(NoReverseMatch):
        ours("{% url 'nothing-by-this-name' %}").render({})
    with pytest.raises(TemplateSyntaxError):
        ours("{% url %}")
