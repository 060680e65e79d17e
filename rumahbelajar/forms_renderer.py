"""The form renderer: Django's template renderer, with its smallest templates written in Python.

Django renders every input, every `<option>` and every label through a template of its own,
each with an include for the attributes: a form with two selects of a dozen options each took
longer to render than the rest of its page together (profiled on /trainings/activities/new/:
~200 µs an option). The templates below are a line or two each; this module writes exactly
what they write (tests/test_forms_renderer.py renders every kind of widget both ways and
compares), and leaves every other template to Django's renderer. A project template that
overrides one of these names would not be seen: none does, and a test says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

_CONTEXT = Context(autoescape=True)


def _text(value: Any) -> str:
    """`{{ value }}`: localised and escaped as a template would."""
    return str(render_value_in_context(value, _CONTEXT))


def _formatted(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`."""
    return str(conditional_escape("%s" % (value,)))  # noqa: UP031 (the filter's own formatting)


def _attrs(attrs: Mapping[str, Any]) -> str:
    """django/forms/widgets/attrs.html and django/forms/attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(" " + _text(name))
        if value is not True:
            parts.append('="' + _formatted(value) + '"')
    return "".join(parts)


def _input(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"'
        + (f' value="{_formatted(value)}"' if value is not None else "")
        + _attrs(widget["attrs"])
        + ">"
    )


def _option(widget: Mapping[str, Any]) -> str:
    return (
        f'<option value="{_formatted(widget["value"])}"{_attrs(widget["attrs"])}>'
        f"{_text(widget['label'])}</option>"
    )


class FormRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        fast = _FAST.get(template_name)
        if fast is not None:
            # Stripped, as Django's renderer strips what a template renders.
            return mark_safe(fast(self, context).strip())  # noqa: S308 (values escaped above)
        return super().render(template_name, context, request)

    def _select(self, context: dict[str, Any]) -> str:
        widget = context["widget"]
        out = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                out.append(f'\n  <optgroup label="{_text(group_name)}">')
            for option in group_choices:
                out.append("\n  ")
                if option["template_name"] == OPTION:
                    out.append(_option(option) + "\n")  # the option template's last line ends
                else:  # a widget with its own option template
                    out.append(self.render(option["template_name"], {**context, "widget": option}))
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")
        return "".join(out)


def _input_option(widget: Mapping[str, Any]) -> str:
    """checkbox_option.html / radio_option.html, as included (with the files' last newlines)."""
    attrs = widget["attrs"]
    target = f' for="{_text(attrs["id"])}"' if attrs.get("id") else ""
    return f"<label{target}>{_input(widget)}\n {_text(widget['label'])}</label>\n\n"


def _multiple(renderer: FormRenderer, context: dict[str, Any]) -> str:
    """multiple_input.html (checkboxes and radio buttons)."""
    widget = context["widget"]
    attrs = widget["attrs"]
    out = [
        "<div",
        f' id="{_text(attrs["id"])}"' if attrs.get("id") else "",
        f' class="{_text(attrs["class"])}"' if attrs.get("class") else "",
        ">",
    ]
    for group, options, _index in widget["optgroups"]:
        if group:
            out.append(f"\n  <div><label>{_text(group)}</label>")
        for option in options:
            out.append("<div>\n    ")
            if option["template_name"] in INPUT_OPTIONS and option.get("wrap_label"):
                out.append(_input_option(option))
            else:  # a widget with its own option template, included as Django would
                out.append(
                    renderer.get_template(option["template_name"]).render(
                        {**context, "widget": option}
                    )
                )
            out.append("</div>")
        if group:
            out.append("\n  </div>")
    out.append("\n</div>")
    return "".join(out)


def _textarea(renderer: FormRenderer, context: dict[str, Any]) -> str:
    widget = context["widget"]
    value = widget["value"]
    return (
        f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        + (_text(value) if value else "")
        + "</textarea>"
    )


def _label(renderer: FormRenderer, context: dict[str, Any]) -> str:
    if not context.get("use_tag"):
        return _text(context.get("label", ""))
    tag = _text(context["tag"])
    return f"<{tag}{_attrs(context.get('attrs') or {})}>{_text(context['label'])}</{tag}>"


def _field(renderer: FormRenderer, context: dict[str, Any]) -> str:
    """django/forms/field.html (`{{ field.as_field_group }}`): the label or legend, the help
    text, the errors and the widget, with the template's own line breaks."""
    field = context["field"]
    fieldset = field.use_fieldset
    if fieldset:
        described = field.aria_describedby
        out = [
            "\n  <fieldset",
            f' aria-describedby="{_text(described)}"' if described else "",
            ">\n  ",
        ]
        if field.label:
            out.append(_text(field.legend_tag()))
    else:
        out = ["\n  "]
        if field.label:
            out.append(_text(field.label_tag()))
    out.append("\n\n")
    if help_text := field.help_text:
        auto_id = field.auto_id
        out += [
            '<div class="helptext"',
            f' id="{_text(auto_id)}_helptext"' if auto_id else "",
            f">{help_text}</div>",  # `|safe`: help texts are the form's own, trusted markup
        ]
    out += ["\n", _text(field.errors), "\n", _text(field), "</fieldset>\n" if fieldset else "\n"]
    return "".join(out)


def _errors(renderer: FormRenderer, context: dict[str, Any]) -> str:
    errors = context.get("errors")
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    return (
        f'<ul class="{_text(context["error_class"])}"'
        + (f' id="{_text(field_id)}_error"' if field_id else "")
        + ">"
        + "".join(f"<li>{_text(error)}</li>" for error in errors)
        + "</ul>"
    )


WIDGETS = "django/forms/widgets/"
OPTION = WIDGETS + "select_option.html"
INPUT_OPTIONS = (WIDGETS + "checkbox_option.html", WIDGETS + "radio_option.html")
# The input widgets whose template is only `{% include "django/forms/widgets/input.html" %}`.
INPUTS = [
    *("checkbox", "color", "date", "datetime", "email", "file", "hidden", "input", "number"),
    *("password", "search", "tel", "text", "time", "url"),
]
_FAST: dict[str, Callable[[FormRenderer, dict[str, Any]], str]] = {
    **{f"{WIDGETS}{name}.html": lambda r, c: _input(c["widget"]) for name in INPUTS},
    WIDGETS + "select.html": FormRenderer._select,
    WIDGETS + "checkbox_select.html": _multiple,
    WIDGETS + "radio.html": _multiple,
    WIDGETS + "multiple_input.html": _multiple,
    OPTION: lambda r, c: _option(c["widget"]),
    WIDGETS + "textarea.html": _textarea,
    "django/forms/field.html": _field,
    "django/forms/label.html": _label,
    "django/forms/errors/list/default.html": _errors,
    "django/forms/errors/list/ul.html": _errors,
}
