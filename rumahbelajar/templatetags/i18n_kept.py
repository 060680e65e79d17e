"""Django's `i18n` template library with `{% translate %}` of a constant message kept per language.

Registered as the `i18n` library in settings.TEMPLATES, so every `{% load i18n %}` gets it; the
other tags and filters are Django's own. `{% translate "…" %}` resolves its message through a
lazy translation on every render (profiled: ~10 µs a tag, 35 to 50 tags a page). A constant
message without filters, `noop` or `context` renders to the same text for the same language
(and autoescape), so that text is worked out once per process and kept. Anything else is
rendered by Django's node unchanged.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import Variable
from django.templatetags import i18n as django_i18n
from django.utils.translation import get_language

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)

# (language, autoescape, message) -> the rendered text; bounded by the templates' messages.
_KEPT: dict[tuple[str, bool, str], Any] = {}
_MAX_KEPT = 20_000


class KeptTranslateNode(django_i18n.TranslateNode):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        var = self.filter_expression.var
        self.constant: str | None = (
            var.literal
            if isinstance(var, Variable)
            and isinstance(var.literal, str)
            and not self.filter_expression.filters
            and not self.noop
            and self.message_context is None
            else None
        )

    def render(self, context: template.Context) -> Any:
        if self.constant is None:
            return super().render(context)
        key = (get_language() or "", bool(context.autoescape), self.constant)
        value = _KEPT.get(key)
        if value is None:
            asvar, self.asvar = self.asvar, None
            try:
                value = super().render(context)
            finally:
                self.asvar = asvar
            keep(_KEPT, _MAX_KEPT, key, value)
        return deliver(context, self.asvar, value)


def keep(store: dict[Any, Any], limit: int, key: Any, value: Any) -> None:
    """Stores `value` in a process-wide `store` of at most `limit` entries (emptied when full:
    what fills it is bounded by the templates, so that happens only with foreign input)."""
    if len(store) >= limit:
        store.clear()
    store[key] = value


def deliver(context: template.Context, asvar: str | None, value: Any) -> Any:
    """A tag's output: `value`, or "" with `value` put in the context under `asvar` ("as x")."""
    if asvar:
        context[asvar] = value
        return ""
    return value


@register.tag("translate")
@register.tag("trans")
def do_translate(parser: template.base.Parser, token: template.base.Token) -> template.Node:
    node = django_i18n.do_translate(parser, token)
    return KeptTranslateNode(node.filter_expression, node.noop, node.asvar, node.message_context)


class KeptBlockTranslateNode(django_i18n.BlockTranslateNode):
    """`{% blocktranslate %}` with its message ids worked out once per node: Django joins the
    tokens and, for `trimmed`, runs a regular expression over the message on every render,
    although both depend only on the template. The translation and the values stay per render."""

    def render_token_list(self, tokens: list[Any]) -> tuple[str, list[str]]:
        kept: dict[int, tuple[str, list[str]]] = self.__dict__.setdefault("_kept_messages", {})
        key = id(tokens)  # self.singular or self.plural, which live as long as the node
        if key not in kept:
            kept[key] = super().render_token_list(tokens)
        message, variables = kept[key]
        return message, list(variables)  # the caller extends it


@register.tag("blocktranslate")
@register.tag("blocktrans")
def do_block_translate(parser: template.base.Parser, token: template.base.Token) -> template.Node:
    node = django_i18n.do_block_translate(parser, token)
    node.__class__ = KeptBlockTranslateNode  # the same node, with the messages kept
    return node
