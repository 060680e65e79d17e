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
from django.template.base import FilterExpression, NodeList, Parser, Token, render_value_in_context
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


class DefinitionItemNode(template.Node):
    def __init__(
        self,
        label: FilterExpression,
        value: FilterExpression | None,
        css: FilterExpression | None,
        nodelist: NodeList | None,
    ) -> None:
        self.label = label
        self.value = value
        self.css = css
        self.nodelist = nodelist

    def render(self, context: template.Context) -> SafeString:
        value: str
        if self.nodelist is not None:
            value = self.nodelist.render(context)
        else:
            assert self.value is not None
            value = render_value_in_context(self.value.resolve(context), context)
        label = self.label.resolve(context)
        css = self.css.resolve(context) if self.css is not None else ""
        if css:
            return format_html('<div class="{}"><dt>{}</dt><dd>{}</dd></div>', css, label, value)
        return format_html("<div><dt>{}</dt><dd>{}</dd></div>", label, value)


@register.tag
def dl_item(parser: Parser, token: Token) -> DefinitionItemNode:
    """`{% dl_item label value [css="…"] %}`, or `{% dl_item label [css="…"] %}…{% enddl_item %}`."""
    bits = token.split_contents()[1:]
    css = None
    if bits and bits[-1].startswith("css="):
        css = parser.compile_filter(bits.pop()[len("css=") :])
    if len(bits) == 2:
        return DefinitionItemNode(
            parser.compile_filter(bits[0]), parser.compile_filter(bits[1]), css, None
        )
    if len(bits) == 1:
        nodelist = parser.parse(("enddl_item",))
        parser.delete_first_token()
        return DefinitionItemNode(parser.compile_filter(bits[0]), None, css, nodelist)
    raise template.TemplateSyntaxError("dl_item takes a label and a value, or a label and a body")
