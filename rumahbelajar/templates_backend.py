"""Django's template backend, told that the `i18n` library is ours on purpose.

settings.TEMPLATES registers rumahbelajar.templatetags.i18n_kept under Django's name `i18n`, so
every `{% load i18n %}` gets it. Django's check warns (templates.W003) whenever two modules share
a library name; that one pair is deliberate and left out, every other collision still warns.
"""

from __future__ import annotations

from typing import Any

from django.template.backends.django import DjangoTemplates as DjangoBackend

DELIBERATE = ("i18n", "'django.templatetags.i18n', 'rumahbelajar.templatetags.i18n_kept'")


class DjangoTemplates(DjangoBackend):
    def _check_for_template_tags_with_the_same_name(self) -> list[Any]:
        name, modules = DELIBERATE
        return [
            warning
            for warning in super()._check_for_template_tags_with_the_same_name()  # type: ignore[misc]
            if warning.msg != f"{name!r} is used for multiple template tag modules: {modules}"
        ]
