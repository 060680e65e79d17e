"""ModelAdmin pieces that send the admin's writes through an app's services (docs/style.md: a
`save_model` or a delete that bypasses a service is a bug), so each admin names its services
and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest


class DeleteThroughServiceMixin:
    """Deletes through the app's service one row at a time, from the change page and from the
    "delete selected" action alike: `delete_with_service(obj)` names the service."""

    def delete_with_service(self, obj: Any) -> None:
        raise NotImplementedError

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.delete_with_service(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_with_service(obj)


def save_through_services(
    obj: Model,
    values: dict[str, Any],
    *,
    change: bool,
    create: Callable[..., Model],
    update: Callable[..., Any],
) -> None:
    """`update(**values)` a changed row, or `create(**values)` a new one; then the admin goes on
    with the form's instance (related fields, log, redirect), so it becomes the saved row."""
    if change:
        update(**values)
        return
    obj.__dict__.update(create(**values).__dict__)


def message_count(model_admin: Any, request: HttpRequest, message: Any, count: int) -> None:
    """Tells the admin how many rows an action changed: `message` is an ngettext_lazy text
    whose number is its "count" (%(count)d)."""
    model_admin.message_user(request, message % {"count": count}, messages.SUCCESS)
