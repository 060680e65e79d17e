"""API tokens in the Django admin: superusers only. Creating one shows its plaintext once, in the
page that answers the form (never in a message: messages are stored in a cookie);
tokens are revoked, not edited or deleted, so the list keeps who had access and when it was used.

Imported by competency/admin.py, which registers everything else of the app.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from competency import tokens
from competency.models import ApiToken


class ApiTokenAddForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name"]

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "prefix"]
    ordering = ["-created_at"]
    actions = ["revoke"]
    readonly_fields = ["name", "prefix", "is_active", "created_at", "last_used_at"]

    # --- superusers only -----------------------------------------------------------------
    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The change page only shows the token; revocation is the action below.
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # --- adding goes through the service, which returns the plaintext once ---------------
    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else list(self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:
            return  # nothing on the change page is editable
        # The form has already refused an empty or duplicate name (the unique check).
        token, plaintext = tokens.create_api_token(name=form.cleaned_data["name"])
        # The admin goes on with `obj` (history entry, redirect): make it the created row.
        obj.pk = token.pk
        for field in ("name", "token_hash", "prefix", "created_at", "is_active", "last_used_at"):
            setattr(obj, field, getattr(token, field))
        obj._state.adding = False
        obj._state.db = token._state.db
        # Kept on the object for response_add only: a message would travel in the messages
        # cookie (and sit there until read), so the token is shown in the response page instead.
        obj._plaintext = plaintext  # type: ignore[attr-defined]

    def response_add(
        self, request: HttpRequest, obj: ApiToken, post_url_continue: Any = None
    ) -> HttpResponse:
        """The token's page: its plaintext shown this once, in the body of this response."""
        plaintext = getattr(obj, "_plaintext", None)
        if plaintext is None:  # not added by save_model above: nothing to show
            return self.response_post_save_add(request, obj)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Token API dibuat"),
            "opts": self.opts,
            "token": obj,
            "plaintext": plaintext,
        }
        # No cache keeps it: the admin's views are never_cache (Cache-Control: no-store).
        return TemplateResponse(request, "admin/competency/apitoken/created.html", context)

    @admin.action(description=gettext_lazy("Cabut token terpilih"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = tokens.revoke_api_tokens(tokens=list(queryset))
        self.message_user(
            request, _("%(count)d token dicabut.") % {"count": count}, messages.SUCCESS
        )
