"""The competency admin: the dictionary, position standards (inline on positions), assessment
results and the stored maps.

Writes go through competency.services. HR admins see results and maps only of the people in
their unit subtrees (rumahbelajar.people.selectors), in lists, detail pages, form choices and the
employee autocomplete alike; superusers see everything. Results are never changed after saving:
a correction is a new result (the latest one counts). API tokens are in competency/admin_tokens.py,
the result import's pages are the shared ones of rumahbelajar.imports.admin.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from competency import (
    admin_tokens,  # noqa: F401  (registers the API token admin)
    imports,
    services,
)
from competency.forms import (
    AssessmentResultAdminForm,
    CompetencyLevelForm,
    CompetencyLevelFormSet,
    PositionStandardForm,
    TechnicalCompetencyForm,
)
from competency.models import (
    AssessmentResult,
    Competency,
    CompetencyLevel,
    CompetencyMap,
    CompetencyMapItem,
    PositionStandard,
    ResultSource,
    TargetPosition,
)
from rumahbelajar.imports.admin import RowImportAdminMixin
from rumahbelajar.people import selectors as people_selectors
from rumahbelajar.people.admin import PositionAdmin, UserAdmin
from rumahbelajar.people.models import Position, Unit, User
from rumahbelajar.people.nip import normalize_nip

AUTOCOMPLETE_PAGE_SIZE = 20
# More than this many maps in one "recompute" action are marked stale for the sweep instead.
RECOMPUTE_NOW_LIMIT = 2000


def _user(request: HttpRequest) -> User:
    # The admin site lets only logged-in staff this far.
    return cast(User, request.user)


def _visible_employee_ids(request: HttpRequest) -> Any:
    return people_selectors.employees_visible_to(user=_user(request)).values("pk")


class _EmployeeRowsAdmin(admin.ModelAdmin):
    """Rows about one employee each (results, maps): only those of the people the admin may see
    (all for superusers), with the person's name and NIP as columns."""

    @admin.display(description=_("pegawai"), ordering="employee__full_name")
    def employee_name(self, obj: Any) -> str:
        return obj.employee.full_name

    @admin.display(description=_("NIP"), ordering="employee__nip")
    def employee_nip(self, obj: Any) -> str:
        return obj.employee.nip_display or "—"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(employee_id__in=_visible_employee_ids(request))


class EmployeeUnitFilter(admin.SimpleListFilter):
    """Filter rows by the employee's unit and its subunits, offering only the units the admin may
    see (the top two levels of them, so the list stays short)."""

    title = _("unit kerja pegawai (beserta subunit)")
    parameter_name = "employee_unit"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        units = list(
            people_selectors.units_visible_to(user=_user(request)).only("pk", "name", "depth")
        )
        if not units:
            return []
        top = min(unit.depth for unit in units)
        return [
            (str(unit.pk), "\u2003" * (unit.depth - top) + unit.name)
            for unit in units
            if unit.depth <= top + 1
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        unit: Unit | None = None
        if value.isdigit():
            unit = people_selectors.units_visible_to(user=_user(request)).filter(pk=value).first()
        if unit is None:
            return queryset.none()
        return queryset.filter(employee__unit__path__startswith=unit.path)


# --- The dictionary ------------------------------------------------------------------------------


class CompetencyLevelInline(admin.StackedInline):
    model = CompetencyLevel
    form = CompetencyLevelForm
    formset = CompetencyLevelFormSet
    fields = ["level", "description", "indicators"]
    ordering = ["level"]
    max_num = 5
    can_delete = False

    def get_extra(self, request: HttpRequest, obj: Competency | None = None, **kwargs: Any) -> int:
        return 0 if obj is not None and obj.pk else 5

    # The regulation's nine are shown, never changed; the permission to change the competency
    # covers its levels.
    def has_view_permission(self, request: HttpRequest, obj: Competency | None = None) -> bool:
        return request.user.has_perm("competency.view_competency") or request.user.has_perm(
            "competency.change_competency"
        )

    def has_add_permission(self, request: HttpRequest, obj: Competency | None = None) -> bool:
        return self._can_edit(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Competency | None = None) -> bool:
        return self._can_edit(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Competency | None = None) -> bool:
        return False

    def _can_edit(self, request: HttpRequest, obj: Competency | None) -> bool:
        if obj is not None and obj.is_fixed:
            return False
        codename = "change_competency" if obj is not None and obj.pk else "add_competency"
        return request.user.has_perm(f"competency.{codename}")


@admin.register(Competency)
class CompetencyAdmin(admin.ModelAdmin):
    form = TechnicalCompetencyForm
    inlines = [CompetencyLevelInline]
    list_display = ["code", "name", "type", "is_active", "sort_order"]
    list_display_links = ["code", "name"]
    list_filter = ["type", "is_active"]
    search_fields = ["code", "name"]
    ordering = ["sort_order", "code"]

    def get_fields(self, request: HttpRequest, obj: Competency | None = None) -> Any:
        # A new competency is always technical: its type is shown, never chosen.
        if obj is None:
            return ["code", "name", "definition", "sort_order", "is_active"]
        return ["code", "type", "name", "definition", "sort_order", "is_active"]

    def get_readonly_fields(self, request: HttpRequest, obj: Competency | None = None) -> Any:
        if obj is not None and obj.is_fixed:
            return self.get_fields(request, obj)
        return ["type"] if obj is not None else []

    def get_formset_kwargs(
        self, request: HttpRequest, obj: Competency, inline: Any, prefix: str
    ) -> dict[str, Any]:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, CompetencyLevelInline) and not obj.pk:
            kwargs["initial"] = [{"level": level} for level in services.LEVELS]
        return kwargs

    def has_change_permission(self, request: HttpRequest, obj: Competency | None = None) -> bool:
        if obj is not None and obj.is_fixed:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Competency | None = None) -> bool:
        # Standards and results keep competencies (PROTECT); an unused one is deactivated instead.
        return False

    def save_model(self, request: HttpRequest, obj: Competency, form: Any, change: bool) -> None:
        obj.type = "teknis"
        services.save_technical_competency(competency=obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not CompetencyLevel:
            super().save_formset(request, form, formset, change)
            return
        current = [
            f for f in formset.forms if f.cleaned_data and not formset._should_delete_form(f)
        ]
        services.set_competency_levels(
            competency=form.instance,
            levels={
                f.cleaned_data["level"]: (
                    f.cleaned_data["description"],
                    f.cleaned_data["indicators"],
                )
                for f in current
            },
        )
        _record_formset_changes(formset, current)


def _record_formset_changes(formset: BaseInlineFormSet, current: list[Any]) -> None:
    """What formset.save() would have noted for the admin's change message (the history)."""
    formset.new_objects = [f.instance for f in current if f.instance.pk is None]  # type: ignore[attr-defined]
    formset.changed_objects = [  # type: ignore[attr-defined]
        (f.instance, f.changed_data) for f in current if f.instance.pk and f.has_changed()
    ]
    formset.deleted_objects = [  # type: ignore[attr-defined]
        f.instance for f in formset.deleted_forms if f.instance.pk
    ]


# --- Position standards, inline on the people app's position admin ----------------------------


class PositionStandardInline(admin.TabularInline):
    model = PositionStandard
    form = PositionStandardForm
    fields = ["competency", "required_level"]
    ordering = ["competency__sort_order", "competency__code"]
    extra = 0
    verbose_name_plural = _("standar kompetensi jabatan (level yang dipersyaratkan)")

    def get_queryset(self, request: HttpRequest) -> QuerySet[PositionStandard]:
        return super().get_queryset(request).select_related("competency")


class PositionWithStandardAdmin(PositionAdmin):
    """The people app's position admin plus the position's competency standard."""

    inlines = [*PositionAdmin.inlines, PositionStandardInline]  # type: ignore[misc]
    actions = [*(PositionAdmin.actions or ()), "apply_default_standard_action"]  # type: ignore[misc]

    def get_inlines(self, request: HttpRequest, obj: Position | None) -> list[Any]:
        # A new position gets its standard once it exists ("save and continue editing").
        inlines = list(super().get_inlines(request, obj))
        return (
            inlines if obj is not None else [i for i in inlines if i is not PositionStandardInline]
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not PositionStandard:
            super().save_formset(request, form, formset, change)
            return
        position = form.instance
        removed = [f.instance for f in formset.deleted_forms if f.instance.pk]
        current = [
            f
            for f in formset.forms
            if f.cleaned_data and not formset._should_delete_form(f) and f.has_changed()
        ]
        with transaction.atomic():
            if removed:
                services.remove_position_standard(
                    position=position, competencies=[s.competency for s in removed]
                )
            if current:
                services.set_position_standard(
                    position=position,
                    levels={
                        (
                            f.instance.competency if f.instance.pk else f.cleaned_data["competency"]
                        ): f.cleaned_data["required_level"]
                        for f in current
                    },
                )
        _record_formset_changes(formset, current)

    @admin.action(
        description=_("Terapkan standar umum menurut jenis jabatan"),
        permissions=["change_standard"],
    )
    def apply_default_standard_action(
        self, request: HttpRequest, queryset: QuerySet[Position]
    ) -> None:
        positions = list(queryset)
        written = services.apply_default_standard(positions=positions)
        self.message_user(
            request,
            ngettext(
                "Standar umum (%(count)d kompetensi) diterapkan pada %(positions)d jabatan; "
                "peta kompetensi pemegangnya sedang dihitung ulang.",
                "Standar umum (%(count)d kompetensi) diterapkan pada %(positions)d jabatan; "
                "peta kompetensi pemegangnya sedang dihitung ulang.",
                len(positions),
            )
            % {"count": written, "positions": len(positions)},
            messages.SUCCESS,
        )

    def has_change_standard_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("competency.add_positionstandard") and request.user.has_perm(
            "competency.change_positionstandard"
        )


admin.site.unregister(Position)
admin.site.register(Position, PositionWithStandardAdmin)


# --- Target position, inline on the people app's employee admin -------------------------------


class TargetPositionInline(admin.StackedInline):
    """An employee's target position (jabatan target). The employee admin already shows HR only
    the people of their units, so this is set for those only; writes go through the service."""

    model = TargetPosition
    fields = ["position"]
    autocomplete_fields = ["position"]
    extra = 0
    max_num = 1
    can_delete = True
    verbose_name = _("jabatan target")
    verbose_name_plural = _("jabatan target")


class UserWithTargetAdmin(UserAdmin):
    """The people app's employee admin plus the employee's target position."""

    inlines = [*UserAdmin.inlines, TargetPositionInline]  # type: ignore[misc]

    def get_inlines(self, request: HttpRequest, obj: User | None) -> list[Any]:
        inlines = list(super().get_inlines(request, obj))
        return inlines if obj is not None else [i for i in inlines if i is not TargetPositionInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The employee admin saves no inlines of its own (its save_related writes admin access).
        super().save_related(request, form, formsets, change)
        for formset in formsets:
            if formset.model is TargetPosition:
                self._save_target(request, form.instance, formset)
            else:
                self.save_formset(request, form, formset, change=change)

    def _save_target(self, request: HttpRequest, employee: User, formset: Any) -> None:
        changed = []
        if people_selectors.can_change_employee(admin=_user(request), employee=employee):
            # (The employee admin refuses anyone else's page first: never written past scope.)
            for inline_form in formset.forms:
                if not inline_form.cleaned_data:
                    continue
                deleted = formset._should_delete_form(inline_form)
                if deleted or inline_form.has_changed():
                    position = None if deleted else inline_form.cleaned_data.get("position")
                    services.set_target_position(employee=employee, position=position)
                    changed.append(inline_form)
        _record_formset_changes(formset, [f for f in changed if f not in formset.deleted_forms])


admin.site.unregister(User)
admin.site.register(User, UserWithTargetAdmin)


# --- Assessment results -----------------------------------------------------------------------


class ScopedEmployeeSelect(AutocompleteSelect):
    """Django's autocomplete widget, asking this admin's own scoped endpoint for employees."""

    def get_url(self) -> str:
        return reverse("admin:competency_assessmentresult_employee_autocomplete")


def _employee_label(employee: User) -> str:
    return f"{employee.full_name} ({employee.nip_display})" if employee.nip else employee.full_name


class AssessmentResultAdmin(_EmployeeRowsAdmin):
    form = AssessmentResultAdminForm
    list_display = [
        "employee_name",
        "employee_nip",
        "competency",
        "level",
        "assessed_on",
        "method",
        "source",
        "recorded_at",
    ]
    list_select_related = ["employee", "competency"]
    list_filter = [EmployeeUnitFilter, "competency__type", "competency", "method", "source"]
    search_fields = ["=employee__nip", "employee__full_name", "=external_id"]
    search_help_text = _("Cari NIP, nama pegawai, atau ID eksternal.")
    ordering = ["-assessed_on", "-id"]
    show_full_result_count = False
    readonly_fields = ["source", "recorded_by", "recorded_at"]

    # --- scoping ----------------------------------------------------------------------------
    def employees_for(self, request: HttpRequest) -> QuerySet[User]:
        """Who may get a result from this admin: employees (with a NIP) the admin may see."""
        return people_selectors.employees_visible_to(user=_user(request)).filter(nip__isnull=False)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "employee":
            kwargs["queryset"] = self.employees_for(request)
            kwargs["widget"] = ScopedEmployeeSelect(db_field, self.admin_site)
        elif db_field.name == "competency":
            kwargs["queryset"] = Competency.objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in {"employee", "competency"} and formfield is not None:
            # No "add/change/view another" links next to the choices: not a place to edit people.
            for flag in (
                "can_add_related",
                "can_change_related",
                "can_delete_related",
                "can_view_related",
            ):
                setattr(formfield.widget, flag, False)
        return formfield

    # --- never changed after saving ---------------------------------------------------------
    def get_fields(self, request: HttpRequest, obj: AssessmentResult | None = None) -> Any:
        fields = ["employee", "competency", "level", "assessed_on", "method", "external_id"]
        return fields if obj is None else [*fields, "source", "recorded_by", "recorded_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: AssessmentResult | None = None) -> Any:
        return [] if obj is None else self.get_fields(request, obj)

    def has_change_permission(
        self, request: HttpRequest, obj: AssessmentResult | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: AssessmentResult | None = None
    ) -> bool:
        return False

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"assessed_on": timezone.localdate(), **super().get_changeform_initial_data(request)}

    def save_model(
        self, request: HttpRequest, obj: AssessmentResult, form: Any, change: bool
    ) -> None:
        if change:
            raise PermissionDenied
        data = form.cleaned_data
        if not people_selectors.can_manage_employee(
            admin=_user(request), employee=data["employee"]
        ):
            raise PermissionDenied
        result, created = services.record_result(
            employee=data["employee"],
            competency=data["competency"],
            level=data["level"],
            assessed_on=data["assessed_on"],
            method=data["method"],
            source=ResultSource.ADMIN,
            external_id=data.get("external_id"),
            recorded_by=_user(request),
        )
        if not created:
            messages.warning(
                request, _("Hasil dengan ID eksternal ini sudah ada; tidak dicatat ulang.")
            )
        # The admin goes on with `obj` (history entry, redirect): make it the saved row.
        for field in AssessmentResult._meta.concrete_fields:
            setattr(obj, field.attname, getattr(result, field.attname))
        obj._state.adding = False
        obj._state.db = result._state.db

    # --- the scoped employee autocomplete ---------------------------------------------------
    def get_urls(self) -> list[Any]:
        return [
            path(
                "employee-autocomplete/",
                self.admin_site.admin_view(self.employee_autocomplete_view),
                name="competency_assessmentresult_employee_autocomplete",
            ),
            *super().get_urls(),
        ]

    def employee_autocomplete_view(self, request: HttpRequest) -> JsonResponse:
        """Select2 JSON for the employee field: only people this admin may record results for."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        term = request.GET.get("term", "").strip()
        page = request.GET.get("page", "1")
        page_number = int(page) if page.isdigit() and int(page) > 0 else 1
        queryset = self.employees_for(request).select_related(None).only("pk", "full_name", "nip")
        digits = normalize_nip(term)
        if digits.isdigit():
            queryset = queryset.filter(nip__startswith=digits)
        elif term:
            queryset = queryset.filter(Q(full_name__icontains=term) | Q(email__icontains=term))
        start = (page_number - 1) * AUTOCOMPLETE_PAGE_SIZE
        rows = list(
            queryset.order_by("full_name", "pk")[start : start + AUTOCOMPLETE_PAGE_SIZE + 1]
        )
        return JsonResponse(
            {
                "results": [
                    {"id": str(e.pk), "text": _employee_label(e)}
                    for e in rows[:AUTOCOMPLETE_PAGE_SIZE]
                ],
                "pagination": {"more": len(rows) > AUTOCOMPLETE_PAGE_SIZE},
            }
        )


class ResultImportAdminMixin(RowImportAdminMixin):
    """Adds "Impor hasil asesmen" to a ModelAdmin of AssessmentResult. Whoever may add results may
    import them (HR admins: only for people in their units, which competency.imports checks per
    row)."""

    import_pipeline = imports.result_import
    import_title = _("Impor hasil asesmen")
    import_file_label = _("Berkas hasil asesmen (CSV atau XLSX)")
    import_form_template = "admin/competency/import/import_form.html"
    import_job_template = "admin/competency/import/import_job.html"

    def has_import_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("competency.add_assessmentresult")


@admin.register(AssessmentResult)
class AssessmentResultWithImportAdmin(ResultImportAdminMixin, AssessmentResultAdmin):
    """The result admin plus the CSV/XLSX import, whose rows go through the same checks and
    scoping."""

    change_list_template = "admin/competency/import/change_list.html"


# --- Stored maps ------------------------------------------------------------------------------


_ITEM_FIELDS = ("competency", "required", "achieved", "gap", "assessed", "last_assessed_on")
_MAP_FIELDS = (
    "employee",
    "position",
    "jpm",
    "category",
    "required_total",
    "achieved_total",
    "computed_at",
    "stale",
    "stale_since",
)


class CompetencyMapItemInline(admin.TabularInline):
    model = CompetencyMapItem
    fields = _ITEM_FIELDS
    readonly_fields = _ITEM_FIELDS
    ordering = ["competency__sort_order", "competency__code"]
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[CompetencyMapItem]:
        return super().get_queryset(request).select_related("competency")

    # Whoever may see the map (already scoped by the parent admin) sees its rows.
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("competency.view_competencymap")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CompetencyMap)
class CompetencyMapAdmin(_EmployeeRowsAdmin):
    """Read-only: maps are computed by workers. The action recomputes selected maps now."""

    inlines = [CompetencyMapItemInline]
    list_display = [
        "employee_name",
        "employee_nip",
        "position",
        "jpm",
        "category",
        "stale",
        "computed_at",
    ]
    list_select_related = ["employee", "position"]
    list_filter = [EmployeeUnitFilter, "category", "stale"]
    search_fields = ["=employee__nip", "employee__full_name"]
    search_help_text = _("Cari NIP atau nama pegawai.")
    ordering = ["employee__full_name", "employee_id"]
    show_full_result_count = False
    fields = _MAP_FIELDS
    readonly_fields = _MAP_FIELDS
    actions = ["recompute_action"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: CompetencyMap | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: CompetencyMap | None = None) -> bool:
        return False

    @admin.action(description=_("Hitung ulang peta kompetensi terpilih"), permissions=["view"])
    def recompute_action(self, request: HttpRequest, queryset: QuerySet[CompetencyMap]) -> None:
        employee_ids = list(queryset.values_list("employee_id", flat=True))
        if len(employee_ids) <= RECOMPUTE_NOW_LIMIT:
            count = services.recompute_maps_bulk(employee_ids=employee_ids)
            message = ngettext(
                "%(count)d peta kompetensi dihitung ulang.",
                "%(count)d peta kompetensi dihitung ulang.",
                count,
            ) % {"count": count}
        else:
            with transaction.atomic():
                services.mark_maps_stale(employee_ids=employee_ids)
            message = _(
                "%(count)d peta kompetensi ditandai untuk dihitung ulang; pekerja latar "
                "menyelesaikannya dalam beberapa menit."
            ) % {"count": len(employee_ids)}
        self.message_user(request, message, messages.SUCCESS)
