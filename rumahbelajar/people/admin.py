"""The HR admin: people, units and positions, scoped to the unit subtrees an HR admin manages.

Every queryset, form choice, action, export and import here goes through people.selectors for
scoping and people.services for writes. Superusers see and change everything.
"""

from __future__ import annotations

import functools
from typing import Any, cast

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ExportForm

from rumahbelajar.imports.admin import RowImportAdminMixin
from rumahbelajar.people import imports, selectors, services
from rumahbelajar.people.forms import EmployeeAdminForm, UnitAdminForm
from rumahbelajar.people.models import Position, Unit, User
from rumahbelajar.people.nip import normalize_nip
from rumahbelajar.service_admin import (
    DeleteThroughServiceMixin,
    message_count,
    save_through_services,
)

EMPLOYEES_CHANGED = ngettext_lazy("%(count)d pegawai diubah.", "%(count)d pegawai diubah.", "count")


def _user(request: HttpRequest) -> User:
    # The admin site lets only logged-in staff this far.
    return cast(User, request.user)


def _indented(unit: Unit) -> str:
    return "\u2003" * unit.depth + ("└ " if unit.depth else "") + unit.name


class _VisibleChoicesMixin:
    """Foreign keys to units (`unit_fields`) and to people (`people_fields`) offer only those
    the admin may see."""

    unit_fields: tuple[str, ...] = ()
    people_fields: tuple[str, ...] = ()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in self.unit_fields:
            kwargs["queryset"] = selectors.units_visible_to(user=_user(request))
        if db_field.name in self.people_fields:
            kwargs["queryset"] = selectors.employees_visible_to(user=_user(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class UnitSubtreeFilter(admin.SimpleListFilter):
    """Filter by a unit and everything under it, offering only the units the admin may see."""

    title = _("unit kerja (beserta subunit)")
    parameter_name = "unit_subtree"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        units = selectors.units_visible_to(user=_user(request)).only("pk", "name", "depth")
        return [(str(unit.pk), _indented(unit)) for unit in units]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        value = self.value()
        if not value:
            return queryset
        if not value.isdigit():
            return queryset.none()
        unit = selectors.units_visible_to(user=_user(request)).filter(pk=value).first()
        if unit is None:
            return queryset.none()
        return queryset.filter(unit__path__startswith=unit.path)


@admin.register(User)
class UserAdmin(
    _VisibleChoicesMixin,
    DeleteThroughServiceMixin,
    RowImportAdminMixin,
    ExportMixin,
    admin.ModelAdmin,
):
    form = EmployeeAdminForm
    unit_fields = ("unit",)
    people_fields = ("supervisor",)
    list_display = ("nip_column", "full_name", "email", "unit", "position", "employee_type")
    list_display_links = ("nip_column", "full_name")
    list_select_related = ("unit", "position")
    list_filter = (UnitSubtreeFilter, "employee_type", "is_active", "is_staff")
    search_fields = ("full_name", "email", "nip")
    search_help_text = _("Cari NIP, nama, atau email.")
    ordering = ("full_name", "pk")
    # The count without filters would be a second full count on every page.
    show_full_result_count = False
    autocomplete_fields = ("unit", "position", "supervisor", "groups", "managed_units")
    filter_horizontal = ("user_permissions",)
    readonly_fields = ("last_login", "date_joined")
    actions = ("deactivate_employees", "activate_employees")

    resource_classes = [imports.EmployeeResource]
    export_formats = [CSV, XLSX]
    export_form_class = ExportForm
    export_template_name = "admin/people/user/export.html"
    import_export_change_list_template = "admin/people/user/change_list.html"

    import_pipeline = services.employee_import
    import_title = _("Impor pegawai")
    import_file_label = _("Berkas pegawai (CSV atau XLSX)")
    import_form_template = "admin/people/user/import_form.html"
    import_job_template = "admin/people/user/import_job.html"

    @admin.display(description=_("NIP"), ordering="nip")
    def nip_column(self, obj: User) -> str:
        return obj.nip_display or "—"

    # --- scoping ----------------------------------------------------------------------------------
    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        # HR lists and exports only the people it may change: no admin accounts (a peer HR's or
        # a superuser's row is none of its business). Superusers see everyone.
        queryset = selectors.employees_changeable_by(user=_user(request))
        return queryset.order_by(*(self.get_ordering(request) or ()))

    def get_list_filter(self, request: HttpRequest) -> Any:
        if request.user.is_superuser:
            return self.list_filter
        # HR's list holds no staff: the filter would only ever show "no".
        return tuple(item for item in self.list_filter if item != "is_staff")

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        """Only the listed filters' own parameters (search is `q`, which the admin handles apart).

        Django allows any lookup on a local field, so `?password__regex=^md5`
        would answer, one character at a time, what a hash holds; the export runs the same
        filter. Anything else gets the admin's answer to a disallowed lookup (400).
        """
        return lookup in self._filter_parameters(request)

    def _filter_parameters(self, request: HttpRequest) -> set[str]:
        parameters: set[str] = set()
        for item in self.get_list_filter(request):
            if isinstance(item, type) and issubclass(item, admin.SimpleListFilter):
                parameters.add(str(item.parameter_name))
            else:
                # A field's list filter (choices, boolean) reads these two parameters.
                field = item[0] if isinstance(item, (list, tuple)) else item
                parameters |= {f"{field}__exact", f"{field}__isnull"}
        return parameters

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[User], search_term: str
    ) -> tuple[QuerySet[User], bool]:
        # A NIP is typed with spaces as printed ("19860926 201505 1 001"); match its digits.
        digits = normalize_nip(search_term.strip())
        if len(digits) >= 4 and digits.isdigit():
            return queryset.filter(nip__startswith=digits), False
        return super().get_search_results(request, queryset, search_term)

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or selectors.can_change_employee(admin=_user(request), employee=obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_import_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("people.add_employeeimport")

    # --- forms ------------------------------------------------------------------------------------
    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        fieldsets: list[tuple[Any, dict[str, Any]]] = [
            (None, {"fields": ("email", "full_name", "nip", "employee_type")}),
            (_("Penempatan"), {"fields": ("unit", "position", "rank", "supervisor")}),
            (_("Status"), {"fields": ("is_active",)}),
        ]
        if request.user.is_superuser:
            admin_fields = ("is_staff", "is_superuser", "groups", "managed_units")
            fieldsets.append((_("Akses admin"), {"fields": (*admin_fields, "user_permissions")}))
        if obj is not None:
            fieldsets.append((_("Riwayat"), {"fields": ("last_login", "date_joined")}))
        return fieldsets

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.require_unit = not request.user.is_superuser  # type: ignore[attr-defined]
        return form

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        values = {name: getattr(obj, name) for name in (*services.EMPLOYEE_FIELDS, "is_active")}
        save_through_services(
            obj,
            values,
            change=change,
            create=services.create_employee,
            update=functools.partial(services.update_employee, employee=obj),
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if request.user.is_superuser:
            data = form.cleaned_data
            services.set_admin_access(
                user=form.instance,
                is_staff=data["is_staff"],
                is_superuser=data["is_superuser"],
                groups=data["groups"],
                managed_units=data["managed_units"],
                user_permissions=data["user_permissions"],
            )

    def delete_with_service(self, obj: User) -> None:
        services.delete_employee(employee=obj)

    # --- actions ----------------------------------------------------------------------------------
    def _set_active(self, request: HttpRequest, queryset: QuerySet[User], active: bool) -> None:
        changeable = queryset.filter(
            pk__in=selectors.employees_changeable_by(user=_user(request)).values("pk")
        )
        count = services.set_employees_active(employees=changeable, active=active)
        message_count(self, request, EMPLOYEES_CHANGED, count)

    @admin.action(description=_("Nonaktifkan pegawai terpilih"), permissions=["change"])
    def deactivate_employees(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._set_active(request, queryset, active=False)

    @admin.action(description=_("Aktifkan pegawai terpilih"), permissions=["change"])
    def activate_employees(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._set_active(request, queryset, active=True)

    # --- import -----------------------------------------------------------------------------------
    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
        }
        return super().changelist_view(request, extra_context)


@admin.register(Unit)
class UnitAdmin(_VisibleChoicesMixin, DeleteThroughServiceMixin, admin.ModelAdmin):
    form = UnitAdminForm
    list_display = ("tree_name", "code", "kind")
    list_filter = ("kind",)
    search_fields = ("name", "code")
    ordering = ("path",)
    autocomplete_fields = ("parent", "head")
    unit_fields = ("parent",)
    people_fields = ("head",)

    @admin.display(description=_("nama"), ordering="path")
    def tree_name(self, obj: Unit) -> str:
        return format_html("{}", _indented(obj))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Unit]:
        return selectors.units_visible_to(user=_user(request)).order_by("path")

    def save_model(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        data = form.cleaned_data
        save_through_services(
            obj,
            {k: data[k] for k in ("code", "name", "kind", "parent", "head")},
            change=change,
            create=services.create_unit,
            update=functools.partial(services.update_unit, unit=obj),
        )

    def delete_with_service(self, obj: Unit) -> None:
        services.delete_unit(unit=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Unit]) -> None:
        # Deepest first, so a selected parent goes after its selected children.
        super().delete_queryset(request, queryset.order_by("-depth"))


@admin.register(Position)
class PositionAdmin(DeleteThroughServiceMixin, admin.ModelAdmin):
    list_display = ("name", "code", "kind", "level")
    list_filter = ("kind", "level")
    search_fields = ("name", "code")

    def save_model(self, request: HttpRequest, obj: Position, form: Any, change: bool) -> None:
        data = form.cleaned_data
        save_through_services(
            obj,
            {k: data[k] for k in ("code", "name", "kind", "level")},
            change=change,
            create=services.create_position,
            update=functools.partial(services.update_position, position=obj),
        )

    def delete_with_service(self, obj: Position) -> None:
        services.delete_position(position=obj)
