"""Django's `{% url %}`, with the address of constant arguments kept per process.

A built-in library (settings.TEMPLATES' `builtins`), so it replaces Django's `url` in every
template without a `{% load %}`. `{% url 'competency:map-detail' %}` reverses the name on every
render (profiled: ~60 µs a tag, 7 tags on the dashboard), yet its answer depends only on the
name, the literal arguments, the URL configuration, the script prefix and the current
application namespace, which together are the key. A tag with a variable or a filter is Django's
own work each time; a name that does not reverse is never kept.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import FilterExpression, Variable
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

from rumahbelajar.templatetags.i18n_kept import deliver, keep

register = template.Library()

# (script prefix, urlconf, current app, view name, args, kwargs) -> the address.
_KEPT: dict[tuple[Any, ...], str] = {}
_MAX_KEPT = 5_000


def _literal(expression: FilterExpression) -> tuple[bool, Any]:
    """(True, the value) for a literal without filters ('name', 3); (False, None) otherwise."""
    if expression.filters:
        return False, None
    var = expression.var
    if isinstance(var, Variable):
        return (var.literal is not None), var.literal
    return True, var  # a quoted string, resolved by the parser


class KeptURLNode(URLNode):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        view = _literal(self.view_name)
        positional = [_literal(arg) for arg in self.args]
        named = {name: _literal(value) for name, value in self.kwargs.items()}
        constant = all(ok for ok, _ in (view, *positional, *named.values()))
        # (view name, args, kwargs as pairs): what the address depends on besides the request.
        self.constant: tuple[Any, ...] | None = (
            (
                view[1],
                tuple(value for _, value in positional),
                tuple((name, value) for name, (_, value) in named.items()),
            )
            if constant
            else None
        )

    def render(self, context: template.Context) -> str:
        if self.constant is None:
            return super().render(context)
        try:  # as Django's URLNode finds it
            current_app = context.request.current_app  # type: ignore[attr-defined]
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace  # type: ignore[attr-defined]
            except AttributeError:
                current_app = None
        key = (get_script_prefix(), get_urlconf(), current_app, *self.constant)
        url = _KEPT.get(key)
        if url is None:
            view_name, args, kwargs = self.constant
            try:
                url = reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)
            except NoReverseMatch:
                return super().render(context)  # Django's error, or "" for `as`
            keep(_KEPT, _MAX_KEPT, key, url)
        if self.asvar:
            return deliver(context, self.asvar, url)
        return str(conditional_escape(url)) if context.autoescape else url


@register.tag
def url(parser: template.base.Parser, token: template.base.Token) -> template.Node:
    node = django_url(parser, token)
    return KeptURLNode(node.view_name, node.args, node.kwargs, node.asvar)
