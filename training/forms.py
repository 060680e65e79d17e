"""Admin forms of the training app: the training form, the "Tugaskan peserta" step and the
ledger entry for other development activities. Every choice is limited to what the admin
manages; the services check the scope again (a form POST can be edited)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib.admin.sites import AdminSite
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from rumahbelajar.people import selectors as people_selectors
from rumahbelajar.people.models import Position, PositionKind, Unit, User
from rumahbelajar.report_forms import PagedReportForm, ScopedReportForm
from training import selectors
from training.models import ActivityType, Enrollment, LearningKind, LearningRecord, Training


def _choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    return cast(forms.ModelChoiceField, form.fields[name])


#: The training form's fields in the groups the admin shows them in (TrainingAdmin.fieldsets).
TRAINING_FIELD_GROUPS = (
    (None, ("title", "slug", "description", "kind", "mode", "jp", "status")),
    (_("Jadwal dan tempat"), ("start_at", "end_at", "place", "online_url")),
    (
        _("Pendaftaran"),
        (
            "registration_opens_at",
            "registration_closes_at",
            "capacity",
            "requires_approval",
            "organizer_unit",
            "eligible_units",
            "eligible_positions",
        ),
    ),
)


class TrainingAdminForm(forms.ModelForm):
    class Meta:
        model = Training
        fields = [name for _group, names in TRAINING_FIELD_GROUPS for name in names]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        place, url, mode = cleaned.get("place"), cleaned.get("online_url"), cleaned.get("mode")
        if mode and not (place or url):
            self.add_error("place", _("Isi tempat atau tautan daring."))
        return cleaned


class AssignParticipantsForm(forms.Form):
    """Who to assign: picked people, plus everyone matching the unit and/or position chosen.

    Units and positions narrow each other (both chosen: holders of those positions within those
    units); picked individuals are added on top. Everything stays inside the admin's own units.
    """

    employees = forms.ModelMultipleChoiceField(
        label=_("Pegawai"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Ketik nama, NIP, atau email."),
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Semua pegawai di unit (beserta subunit)"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    positions = forms.ModelMultipleChoiceField(
        label=_("Semua pemegang jabatan"),
        queryset=Position.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hanya pegawai di unit yang Anda kelola."),
    )
    due_date = forms.DateField(
        label=_("Batas waktu"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    allow_overbooking = forms.BooleanField(
        label=_("Saya setuju peserta melebihi kapasitas"),
        required=False,
    )

    def __init__(
        self, *args: Any, user: User, training: Training, admin_site: AdminSite, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.training = training
        self.visible = people_selectors.employees_visible_to(user=user).filter(is_active=True)
        # Widget first: setting the queryset afterwards hands the widget its choices.
        self.fields["employees"].widget = AutocompleteSelectMultiple(
            Enrollment._meta.get_field("employee"), admin_site
        )
        _choice(self, "employees").queryset = self.visible
        _choice(self, "units").queryset = people_selectors.units_visible_to(user=user)
        _choice(self, "positions").queryset = Position.objects.all()
        # The checkbox is shown only once assign() said the seats are not enough (or when it
        # comes back ticked), so nobody overbooks without having seen the numbers.
        self.needs_confirmation = self.is_bound and bool(self.data.get("allow_overbooking"))

    def show_overbooking_confirmation(self) -> None:
        self.needs_confirmation = True

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        choosers = ("employees", "units", "positions")
        if any(self.has_error(name) for name in choosers):
            return cleaned  # an invalid choice (an edited POST) is reported on its own field
        if not any(cleaned.get(name) for name in choosers):
            raise forms.ValidationError(_("Pilih pegawai, unit, atau jabatan."))
        return cleaned

    def selected_employees(self) -> QuerySet[User]:
        """The people to assign, inside the admin's scope, active ones only."""
        data = self.cleaned_data
        picked = Q(pk__in=[e.pk for e in data.get("employees") or []])
        units, positions = data.get("units"), data.get("positions")
        group = Q(pk__in=[])
        if units or positions:
            group = Q()
            if units:
                subtree = Q(pk__in=[])
                for unit in units:
                    subtree |= Q(unit__path__startswith=unit.path)
                group &= subtree
            if positions:
                group &= Q(position__in=positions)
        return self.visible.filter(picked | group).order_by("pk")


class LearningRecordAdminForm(forms.ModelForm):
    """A development activity other than a portal training, with its JP: typed directly, or
    computed from a quantity by the agency's conversion table."""

    quantity = forms.DecimalField(
        label=_("Jumlah satuan"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=6,
        decimal_places=2,
        help_text=_(
            "Isi bila JP dihitung dari tabel konversi (mis. jumlah jam atau sesi); "
            "kosongkan bila JP diisi langsung."
        ),
    )

    class Meta:
        model = LearningRecord
        fields = ["employee", "date", "activity_type", "kind", "quantity", "jp", "description"]

    def __init__(self, *args: Any, user: User, admin_site: AdminSite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["employee"].widget = AutocompleteSelect(
            LearningRecord._meta.get_field("employee"), admin_site
        )
        _choice(self, "employee").queryset = people_selectors.employees_visible_to(user=user)
        cast(forms.ChoiceField, self.fields["activity_type"]).choices = [
            c for c in ActivityType.choices if c[0] != ActivityType.TRAINING
        ] + [(ActivityType.TRAINING, _("Pelatihan di luar portal"))]
        self.fields["jp"].required = False
        self.fields["kind"].required = False
        self.fields["kind"].help_text = _("Kosongkan untuk memakai jalur dari tabel konversi.")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        activity = cleaned.get("activity_type")
        quantity, jp = cleaned.get("quantity"), cleaned.get("jp")
        converted = (
            selectors.jp_for_activity(activity_type=activity, quantity=quantity or Decimal(1))
            if activity
            else None
        )
        if jp is None:
            if quantity is None:
                self.add_error("jp", _("Isi JP, atau jumlah satuan untuk dihitung."))
            elif converted is None:
                self.add_error("quantity", _("Tabel konversi belum memuat jenis kegiatan ini."))
            else:
                cleaned["jp"] = converted[0]
        if not cleaned.get("kind"):
            cleaned["kind"] = converted[1] if converted else LearningKind.NONKLASIKAL
        return cleaned

    def _post_clean(self) -> None:
        # The row is written by services.record_activity, which validates it; year is derived.
        pass


# --- the JP compliance report and the nomination from a heatmap cell -----------------------------


class JpReportForm(PagedReportForm):
    """The JP compliance report's filters: the unit, the page, the download format."""


class NominationForm(ScopedReportForm):
    """Which heatmap cell the nomination comes from (the report's `unit`, `kind`, `position`,
    `competency`), and the chosen training."""

    kind = forms.ChoiceField(choices=[("", ""), *PositionKind.choices], required=False)
    position = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    competency = forms.CharField(max_length=20)
    training = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class NominationConfirmForm(forms.Form):
    """The reviewed draft: who stays on it, and whether to go beyond the capacity."""

    employee = forms.TypedMultipleChoiceField(
        label=_("Pegawai yang diusulkan"), coerce=int, required=True
    )
    allow_overbooking = forms.BooleanField(
        label=_("Tetap tugaskan walaupun melebihi kapasitas"), required=False
    )

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedMultipleChoiceField, self.fields["employee"]).choices = [
            (str(pk), name) for pk, name in people
        ]
