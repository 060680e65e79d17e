"""The training admin: trainings (content and HR admins), the "Tugaskan peserta" action,
attendance and completion, and the JP ledger.

Scoping: HR admins see enrolments and ledger lines of their own people only, may assign only
their own people (beyond the capacity only to trainings organised by their units), and may edit
only trainings organised by their units; superusers and content
admins (training.add_training) edit every training. Every write goes through training.services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from rumahbelajar.people import selectors as people_selectors
from rumahbelajar.people.models import Unit, User
from rumahbelajar.service_admin import message_count
from training import certificates, selectors, services
from training.activities import REPORT_FIELDS
from training.forms import (
    TRAINING_FIELD_GROUPS,
    AssignParticipantsForm,
    LearningRecordAdminForm,
    TrainingAdminForm,
)
from training.models import (
    PENDING_STATUSES,
    ActivityReport,
    Certificate,
    Enrollment,
    EnrollmentStatus,
    JpConversion,
    LearningRecord,
    RegistrationRequest,
    Training,
    TrainingCompetency,
    TrainingSession,
)

TRAININGS_CANCELLED = ngettext_lazy(
    "%(count)d pelatihan dibatalkan.", "%(count)d pelatihan dibatalkan.", "count"
)


def _admin(request: HttpRequest) -> User:
    """The logged-in admin (the admin site lets no anonymous request this far)."""
    return cast(User, request.user)


def _can_edit_all_trainings(request: HttpRequest) -> bool:
    return request.user.is_superuser or request.user.has_perm("training.add_training")


class _TrainingPartInline(admin.TabularInline):
    """Inline rows are part of the training: whoever may change the training may change them."""

    extra = 0

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("training.view_training") or self.has_change_permission(
            request, obj
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not request.user.has_perm("training.change_training") and not (
            obj is None and request.user.has_perm("training.add_training")
        ):
            return False
        return (
            obj is None
            or selectors.trainings_changeable_by(user=_admin(request)).filter(pk=obj.pk).exists()
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)


class TrainingCompetencyInline(_TrainingPartInline):
    model = TrainingCompetency
    verbose_name = _("kompetensi yang dikembangkan")
    verbose_name_plural = _("kompetensi yang dikembangkan")


class TrainingSessionInline(_TrainingPartInline):
    model = TrainingSession


@admin.register(Training)
class TrainingAdmin(admin.ModelAdmin):
    form = TrainingAdminForm
    list_display = (
        "title",
        "kind",
        "mode",
        "jp",
        "start_at",
        "capacity",
        "seats_column",
        "status",
    )
    list_filter = ("status", "kind", "mode", "requires_approval")
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "start_at"
    ordering = ("-start_at", "-id")
    list_select_related = ("organizer_unit",)
    filter_horizontal = ("eligible_units", "eligible_positions")
    inlines = (TrainingCompetencyInline, TrainingSessionInline)
    actions = ("assign_participants", "cancel_trainings")
    fieldsets = tuple((title, {"fields": names}) for title, names in TRAINING_FIELD_GROUPS)

    @admin.display(description=_("terisi / tunggu"))
    def seats_column(self, obj: Training) -> str:
        return f"{obj.seats_taken}/{obj.capacity} · {obj.waitlist_count}"  # type: ignore[attr-defined]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Training]:
        # Everyone with view permission sees every training (HR assigns to central ones too).
        return selectors.with_seats(super().get_queryset(request))

    def has_change_permission(self, request: HttpRequest, obj: Training | None = None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        return (
            obj is None
            or selectors.trainings_changeable_by(user=_admin(request)).filter(pk=obj.pk).exists()
        )

    def has_delete_permission(self, request: HttpRequest, obj: Training | None = None) -> bool:
        # Trainings are cancelled, not deleted (enrolments and the ledger point at them).
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def has_assign_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("training.change_enrollment")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "organizer_unit" and not _can_edit_all_trainings(request):
            kwargs["queryset"] = people_selectors.units_visible_to(user=_admin(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "eligible_units":
            kwargs["queryset"] = (
                Unit.objects.all()
                if _can_edit_all_trainings(request)
                else people_selectors.units_visible_to(user=_admin(request))
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Training, form: Any, change: bool) -> None:
        services.save_training(training=obj)

    def delete_model(self, request: HttpRequest, obj: Training) -> None:
        services.delete_trainings(trainings=[obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Training]) -> None:
        services.delete_trainings(trainings=queryset)

    # --- actions ----------------------------------------------------------------------------

    @admin.action(description=_("Tugaskan peserta"), permissions=["assign"])
    def assign_participants(
        self, request: HttpRequest, queryset: QuerySet[Training]
    ) -> HttpResponse | None:
        trainings = list(queryset[:2])
        if len(trainings) != 1:
            self.message_user(
                request, _("Pilih tepat satu pelatihan untuk ditugaskan."), messages.WARNING
            )
            return None
        training = trainings[0]
        applying = "apply" in request.POST
        form = AssignParticipantsForm(
            request.POST if applying else None,
            user=_admin(request),
            training=training,
            admin_site=self.admin_site,
        )
        if applying and form.is_valid():
            try:
                report = services.assign(
                    training=training,
                    employees=form.selected_employees(),
                    assigned_by=_admin(request),
                    due_date=form.cleaned_data["due_date"],
                    allow_overbooking=form.cleaned_data["allow_overbooking"],
                )
            except services.CapacityExceeded as exc:
                if services.may_overbook(admin=_admin(request), training=training):
                    form.show_overbooking_confirmation()
                    form.add_error(None, str(exc))
                else:  # no confirmation to offer: the service would refuse it
                    refusal = services.OverbookingNotAllowed(needed=exc.needed, free=exc.free)
                    form.add_error(None, str(refusal))
            except services.OverbookingNotAllowed as exc:
                form.needs_confirmation = False
                form.add_error(None, str(exc))
            except services.TrainingError as exc:
                form.add_error(None, str(exc))
            else:
                text = _("%(assigned)d ditugaskan, %(skipped)d dilewati (sudah terdaftar).") % {
                    "assigned": report.assigned,
                    "skipped": report.skipped_already_enrolled,
                }
                if report.over_capacity:
                    text += " " + _("%(over)d melebihi kapasitas.") % {"over": report.over_capacity}
                self.message_user(request, text, messages.SUCCESS)
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Tugaskan peserta: %(title)s") % {"title": training.title},
            "opts": self.opts,
            "training": training,
            "seats": selectors.with_seats(Training.objects.filter(pk=training.pk)).get(),
            "form": form,
            "media": self.media + form.media,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "needs_confirmation": form.needs_confirmation,
        }
        return TemplateResponse(request, "admin/training/training/assign.html", context)

    @admin.action(description=_("Batalkan pelatihan terpilih"), permissions=["change"])
    def cancel_trainings(self, request: HttpRequest, queryset: QuerySet[Training]) -> None:
        changeable = queryset.filter(
            pk__in=selectors.trainings_changeable_by(user=_admin(request)).values("pk")
        )
        count = 0
        for training in changeable:
            services.cancel_training(training=training, by=_admin(request))
            count += 1
        message_count(self, request, TRAININGS_CANCELLED, count)


class EnrollmentUnitFilter(admin.SimpleListFilter):
    """Participants of a unit and its subunits, offering only the admin's own units."""

    title = _("unit kerja (beserta subunit)")
    parameter_name = "unit_subtree"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        units = people_selectors.units_visible_to(user=_admin(request)).only("pk", "name", "depth")
        return [(str(u.pk), "\u2003" * u.depth + u.name) for u in units]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        unit = (
            people_selectors.units_visible_to(user=_admin(request))
            .filter(pk=value if value.isdigit() else -1)
            .first()
        )
        if unit is None:
            return queryset.none()
        return queryset.filter(employee__unit__path__startswith=unit.path)


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    """Read-only rows; changes happen through the bulk actions (services)."""

    list_display = (
        "employee",
        "training",
        "status",
        "source",
        "due_date",
        "registered_at",
        "waitlisted_at",
    )
    list_filter = ("status", "source", EnrollmentUnitFilter, "training")
    list_select_related = ("employee", "training")
    search_fields = ("employee__full_name", "employee__nip", "employee__email", "training__title")
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    actions = ("mark_completed", "mark_no_show", "cancel_enrollments")
    readonly_fields = (
        "training",
        "employee",
        "source",
        "status",
        "assigned_by",
        "due_date",
        "registered_at",
        "waitlisted_at",
        "cancelled_at",
        "cancelled_by",
        "completed_at",
        "attendance_marked_at",
        "attendance_marked_by",
        "reminded_at",
        "created_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Enrollment]:
        return selectors.enrollments_visible_to(user=_admin(request)).order_by(
            *(self.get_ordering(request) or ())
        )

    def get_list_filter(self, request: HttpRequest) -> Any:
        # A filter listing every training costs one row per training; keep it for superusers.
        if request.user.is_superuser:
            return self.list_filter
        return ("status", "source", EnrollmentUnitFilter)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # people are assigned through the training action, or register themselves

    def has_change_permission(self, request: HttpRequest, obj: Enrollment | None = None) -> bool:
        # Changelist-level only (the bulk actions); the row page is read-only.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Enrollment | None = None) -> bool:
        return False

    def _mark(self, request: HttpRequest, queryset: QuerySet[Enrollment], status: str) -> None:
        try:
            report = services.mark_attendance(
                enrollments=queryset, status=status, by=_admin(request)
            )
        except services.TrainingError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(
            request,
            _("%(changed)d peserta diperbarui, %(skipped)d dilewati.")
            % {"changed": report.changed, "skipped": report.skipped},
            messages.SUCCESS if report.changed else messages.WARNING,
        )

    @admin.action(description=_("Tandai selesai (tambahkan JP)"), permissions=["change"])
    def mark_completed(self, request: HttpRequest, queryset: QuerySet[Enrollment]) -> None:
        self._mark(request, queryset, EnrollmentStatus.COMPLETED)

    @admin.action(description=_("Tandai tidak hadir"), permissions=["change"])
    def mark_no_show(self, request: HttpRequest, queryset: QuerySet[Enrollment]) -> None:
        self._mark(request, queryset, EnrollmentStatus.NO_SHOW)

    @admin.action(description=_("Batalkan pendaftaran terpilih"), permissions=["change"])
    def cancel_enrollments(self, request: HttpRequest, queryset: QuerySet[Enrollment]) -> None:
        cancelled = failed = 0
        for enrollment in queryset.exclude(status=EnrollmentStatus.CANCELLED).order_by("pk"):
            try:
                services.cancel(enrollment=enrollment, by=_admin(request))
                cancelled += 1
            except services.TrainingError:
                failed += 1
        self.message_user(
            request,
            _("%(cancelled)d dibatalkan, %(failed)d tidak dapat dibatalkan.")
            % {"cancelled": cancelled, "failed": failed},
            messages.SUCCESS if cancelled else messages.WARNING,
        )


@admin.register(LearningRecord)
class LearningRecordAdmin(admin.ModelAdmin):
    """The JP ledger: lines from completed trainings (read-only) and other activities HR adds."""

    form = LearningRecordAdminForm
    list_display = ("employee", "year", "date", "activity_type", "kind", "jp", "description")
    list_filter = ("year", "kind", "activity_type")
    list_select_related = ("employee",)
    search_fields = ("employee__full_name", "employee__nip", "description")
    ordering = ("-date", "-id")
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[LearningRecord]:
        return selectors.learning_records_visible_to(user=_admin(request)).order_by(
            *(self.get_ordering(request) or ())
        )

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        admin_site, user = self.admin_site, request.user

        class ScopedForm(form_class):  # type: ignore[misc,valid-type]
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, user=user, admin_site=admin_site, **kw)

        return ScopedForm

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None:
            return ("employee", "year", "date", "activity_type", "kind", "jp", "description")
        return ()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a ledger line is corrected by a new line or by a superuser deleting it

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser and (obj is None or obj.source_enrollment_id is None)

    def save_model(
        self, request: HttpRequest, obj: LearningRecord, form: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        created = services.record_activity(
            employee=data["employee"],
            year=data["date"].year,
            jp=data["jp"],
            kind=data["kind"],
            activity_type=data["activity_type"],
            description=data["description"],
            recorded_by=_admin(request),
            date=data["date"],
        )
        obj.__dict__.update(created.__dict__)


@admin.register(JpConversion)
class JpConversionAdmin(admin.ModelAdmin):
    list_display = (
        "activity_type",
        "kind",
        "unit",
        "jp_per_unit",
        "max_jp_per_record",
        "max_jp_per_year",
        "valid_from",
        "valid_until",
        "confirmed",
        "note",
    )


class ReportDecisionForm(forms.ModelForm):
    """The admin's way to decide a waiting report: the same service as /team/approvals/."""

    decision = forms.ChoiceField(
        label=_("keputusan"),
        required=False,
        choices=[("", "—"), ("approve", _("Setujui")), ("return", _("Kembalikan"))],
    )
    decision_comment = forms.CharField(
        label=_("catatan untuk pegawai"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = ActivityReport
        fields: list[str] = []

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("decision") == "return"
            and not (cleaned.get("decision_comment") or "").strip()
        ):
            self.add_error("decision_comment", str(services.CommentRequired()))
        return cleaned


@admin.register(ActivityReport)
class ActivityReportAdmin(admin.ModelAdmin):
    """Learning reports of the HR admin's people (all for superusers): read, and approve or
    return the waiting ones through training.services (never their own)."""

    form = ReportDecisionForm
    list_display = ("title", "employee", "kind", "ended_on", "status", "jp", "approver")
    list_filter = ("status", "kind")
    list_select_related = ("employee", "approver")
    search_fields = ("title", "employee__full_name", "employee__nip")
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    readonly_fields = (
        "employee",
        *REPORT_FIELDS,
        "status",
        "approver",
        "submitted_at",
        "decided_at",
        "decided_by",
        "comment",
        "jp",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ActivityReport]:
        visible = people_selectors.employees_visible_to(user=_admin(request))
        return ActivityReport.objects.filter(employee__in=visible.values("pk")).select_related(
            "employee", "approver"
        )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(self.readonly_fields)
        if (
            obj is not None
            and obj.status in PENDING_STATUSES
            and selectors.may_decide(user=_admin(request), report=obj)
        ):
            fields += ["decision", "decision_comment"]
        return fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: ActivityReport, form: Any, change: bool
    ) -> None:
        decision = form.cleaned_data.get("decision")
        try:
            if decision == "approve":
                services.approve_report(report=obj, by=_admin(request))
            elif decision == "return":
                services.return_report(
                    report=obj, by=_admin(request), comment=form.cleaned_data["decision_comment"]
                )
        except services.ReportError as refused:
            self.message_user(request, str(refused), messages.ERROR)


class CertificateReasonForm(forms.Form):
    reason = forms.CharField(label=_("Alasan"), max_length=300)


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Certificates of the admin's own people, read-only; revoked and re-issued through the
    actions (training.certificates), each logged in the admin's history with its reason."""

    list_display = ("number", "holder_name", "title", "issued_at", "revoked_at")
    list_filter = ("year", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("number", "holder_name", "holder_nip", "title")
    ordering = ("-issued_at", "-id")
    show_full_result_count = False
    actions = ("revoke_certificates", "reissue_certificates")
    exclude = ("code", "file")
    readonly_fields = (
        "number",
        "year",
        "sequence",
        "holder",
        "enrollment",
        "activity_report",
        "holder_name",
        "holder_nip",
        "title",
        "started_on",
        "ended_on",
        "mode",
        "jp",
        "competencies",
        "issuer",
        "signer_name",
        "signer_position",
        "issued_at",
        "issued_by",
        "revoked_at",
        "revoked_by",
        "revoked_reason",
        "replaces",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Certificate]:
        return Certificate.objects.filter(
            holder__in=people_selectors.employees_visible_to(user=_admin(request))
        ).order_by(*(self.get_ordering(request) or ()))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # issued by recording a completion

    def has_change_permission(self, request: HttpRequest, obj: Certificate | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Certificate | None = None) -> bool:
        return False  # revoked, never deleted: its verification page keeps answering

    def _with_reason(
        self,
        request: HttpRequest,
        queryset: QuerySet[Certificate],
        *,
        action: str,
        title: str,
        explanation: str,
        apply: Callable[[Certificate, str], Certificate],
    ) -> HttpResponse | None:
        chosen = list(queryset.order_by("pk"))
        form = CertificateReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            done = failed = 0
            for certificate in chosen:
                try:
                    apply(certificate, reason)
                except services.TrainingError as error:  # CertificateError, OutsideScope
                    failed += 1
                    self.message_user(request, f"{certificate.number}: {error}", messages.WARNING)
                else:
                    done += 1
                    self.log_change(request, certificate, f"{title}: {reason}")
            self.message_user(
                request,
                _("%(done)d sertifikat diproses, %(failed)d gagal.")
                % {"done": done, "failed": failed},
                messages.SUCCESS if done else messages.WARNING,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "explanation": explanation,
            "opts": self.opts,
            "form": form,
            "certificates": chosen,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/training/certificate/reason.html", context)

    @admin.action(description=_("Cabut sertifikat terpilih"), permissions=["change"])
    def revoke_certificates(
        self, request: HttpRequest, queryset: QuerySet[Certificate]
    ) -> HttpResponse | None:
        return self._with_reason(
            request,
            queryset,
            action="revoke_certificates",
            title=str(_("Cabut sertifikat")),
            explanation=str(
                _("Sertifikat yang dicabut tetap dapat diperiksa dan tampil sebagai DICABUT.")
            ),
            apply=lambda c, reason: certificates.revoke_certificate(
                certificate=c, by=_admin(request), reason=reason
            ),
        )

    @admin.action(description=_("Terbitkan ulang sertifikat terpilih"), permissions=["change"])
    def reissue_certificates(
        self, request: HttpRequest, queryset: QuerySet[Certificate]
    ) -> HttpResponse | None:
        return self._with_reason(
            request,
            queryset,
            action="reissue_certificates",
            title=str(_("Terbitkan ulang sertifikat")),
            explanation=str(
                _(
                    "Sertifikat lama dicabut dengan alasan ini, lalu sertifikat baru (nomor dan "
                    "kode baru) diterbitkan dari data pegawai dan pelatihan saat ini."
                )
            ),
            apply=lambda c, reason: certificates.reissue_certificate(
                certificate=c, by=_admin(request), reason=reason
            ),
        )


@admin.register(RegistrationRequest)
class RegistrationRequestAdmin(admin.ModelAdmin):
    """Registration requests of the HR admin's people (all for superusers), to read: the
    employee's supervisor decides them at /team/approvals/."""

    list_display = ("training", "employee", "supervisor", "state", "created_at", "decided_at")
    list_filter = ("state",)
    list_select_related = ("training", "employee", "supervisor")
    search_fields = ("training__title", "employee__full_name", "employee__nip")
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    readonly_fields = (
        "training",
        "employee",
        "supervisor",
        "state",
        "reason",
        "enrollment",
        "created_at",
        "decided_at",
        "decided_by",
    )
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[RegistrationRequest]:
        visible = people_selectors.employees_visible_to(user=_admin(request))
        return RegistrationRequest.objects.filter(employee__in=visible.values("pk")).select_related(
            "training", "employee", "supervisor"
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
