"""`{% dl_item label value %}`: one term of a description list and its value, written once.

`<div><dt>label</dt><dd>value</dd></div>` (HTML allows the `<div>` in a `<dl>`, so a page can lay
out a term and its value as one item). The pages wrote these five lines for every fact of a
certificate, a learning activity, a report's figures; now they name the label and the value:
`{% dl_item _("Nomor") certificate.number %}`, with `css="book__fact"` for the item's own class.
The label is a `_("…")` constant, so `makemessages` finds the same message as before. A value
with markup of its own (a link, a `<time>`) is written out as before.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import render_value_in_context
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def dl_item(context: template.Context, label: Any, value: Any, css: str = "") -> SafeString:
    """The `<div>` of one term: label escaped, value rendered as `{{ value }}` would be."""
    rendered = render_value_in_context(value, context)
    if css:
        return format_html('<div class="{}"><dt>{}</dt><dd>{}</dd></div>', css, label, rendered)
    return format_html("<div><dt>{}</dt><dd>{}</dd></div>", label, rendered)
