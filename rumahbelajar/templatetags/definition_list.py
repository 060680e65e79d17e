"""`{% dl_item label value %}`: one term of a description list and its value, written once.

`<div><dt>label</dt><dd>value</dd></div>` (HTML allows the `<div>` in a `<dl>`, so a page can lay
out a term and its value as one item). The pages wrote these five lines for every fact of a
certificate, a learning activity, a report's figures; now they name the label and the value:
`{% dl_item _("Nomor") certificate.number %}`, with `css="book__fact"` for the item's own class.
A value with markup of its own (a link, a `<time>`) is the tag's body instead:
`{% dl_item _("Bukti") %}<a href="…">…</a>{% enddl_item %}`. The label is a `_("…")` constant,
so `makemessages` finds the same message as before.
"""

from __future__ import annotations

from django import template
from django.template.base import NodeList, Parser, Token, render_value_in_context
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import unescape_string_literal
from django.utils.translation import get_language, gettext

register = template.Library()

# (language, message) -> the escaped label, as i18n_kept keeps a constant {% translate %}: the
# pages' labels are constants, so each is translated once per language and process.
_LABELS: dict[tuple[str | None, str], str] = {}
_MAX_LABELS = 5_000


def _string(bit: str) -> str | None:
    """The text of a quoted string literal, else None."""
    if len(bit) >= 2 and bit[0] == bit[-1] and bit[0] in "\"'":
        return unescape_string_literal(bit)
    return None


class DefinitionItemNode(template.Node):
    def __init__(
        self,
        parser: Parser,
        label: str,
        value: str | None,
        css: str | None,
        nodelist: NodeList | None,
    ) -> None:
        self.label = parser.compile_filter(label)
        self.value = parser.compile_filter(value) if value is not None else None
        self.css = parser.compile_filter(css) if css is not None else None
        self.nodelist = nodelist
        # `_("…")`: what Variable.resolve would hand gettext.
        text = _string(label[2:-1]) if label.startswith("_(") and label.endswith(")") else None
        self.msgid = text.replace("%", "%%") if text is not None else None
        css_text = _string(css) if css is not None else None
        self.open: str | None = None
        if css is None:
            self.open = "<div>"
        elif css_text is not None:
            self.open = format_html('<div class="{}">', css_text)

    def _label(self, context: template.Context) -> str:
        if self.msgid is None:
            return conditional_escape(self.label.resolve(context))
        key = (get_language(), self.msgid)
        label = _LABELS.get(key)
        if label is None:
            label = conditional_escape(gettext(self.msgid))
            if len(_LABELS) < _MAX_LABELS:
                _LABELS[key] = label
        return label

    def render(self, context: template.Context) -> SafeString:
        value: str
        if self.nodelist is not None:
            value = self.nodelist.render(context)
        else:
            assert self.value is not None
            value = render_value_in_context(self.value.resolve(context), context)
        opening = self.open
        if opening is None:
            assert self.css is not None
            css = self.css.resolve(context)
            opening = format_html('<div class="{}">', css) if css else "<div>"
        label = self._label(context)
        value = conditional_escape(value)
        return mark_safe(f"{opening}<dt>{label}</dt><dd>{value}</dd></div>")  # noqa: S308 (escaped above)


@register.tag
def dl_item(parser: Parser, token: Token) -> DefinitionItemNode:
    """`{% dl_item label value [css="…"] %}`, or `{% dl_item label [css="…"] %}…{% enddl_item %}`."""
    bits = token.split_contents()[1:]
    css = None
    if bits and bits[-1].startswith("css="):
        css = bits.pop()[len("css=") :]
    if len(bits) == 2:
        return DefinitionItemNode(parser, bits[0], bits[1], css, None)
    if len(bits) == 1:
        nodelist = parser.parse(("enddl_item",))
        parser.delete_first_token()
        return DefinitionItemNode(parser, bits[0], None, css, nodelist)
    raise template.TemplateSyntaxError("dl_item takes a label and a value, or a label and a body")
