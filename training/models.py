"""Trainings, enrolments (with a waitlist) and the yearly learning-hours (JP) ledger.

Seats left and waitlist positions are never stored: they are counted from Enrollment rows
(training.selectors), under a row lock on the training when a seat is taken (training.services).
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rumahbelajar.people.models import actor_field

#: 1 JP (jam pelajaran) = 45 minutes (PP 11/2017).
MINUTES_PER_JP = 45
#: Every PNS is entitled to at least 20 JP of competency development a year (PP 11/2017 art. 203(4)).
YEARLY_JP_TARGET = 20


class TrainingKind(models.TextChoices):
    MANDATED = "mandated", _("Penugasan (wajib)")
    OPEN = "open", _("Terbuka (daftar mandiri)")


class TrainingMode(models.TextChoices):
    KLASIKAL = "klasikal", _("Klasikal")
    BLENDED = "blended", _("Blended")
    E_LEARNING = "e_learning", _("E-learning")


class TrainingStatus(models.TextChoices):
    DRAFT = "draft", _("Draf")
    PUBLISHED = "published", _("Terbit")
    CANCELLED = "cancelled", _("Dibatalkan")


class RegistrationState(models.TextChoices):
    """Training.registration_state(): where registration stands at a given instant (the
    templates word each one; training/_state.html)."""

    CANCELLED = "cancelled"
    ASSIGNED = "assigned"
    RUNNING = "running"
    NOT_YET = "not_yet"
    CLOSED = "closed"
    OPEN = "open"


#: A window "closes at" an instant and is still open at it: it reads closed just after.
CHANGE_AFTER = dt.timedelta(microseconds=1)


class LearningKind(models.TextChoices):
    """The two routes of pelatihan (PP 11/2017): face-to-face or not."""

    KLASIKAL = "klasikal", _("Klasikal")
    NONKLASIKAL = "nonklasikal", _("Nonklasikal")


class Training(models.Model):
    """A training (pelatihan): mandated ones are assigned by HR, open ones are self-registered.

    Eligibility: when both `eligible_units` and `eligible_positions` are empty, everyone may
    register; a non-empty `eligible_units` restricts to those unit subtrees, a non-empty
    `eligible_positions` to those positions (both set: both must hold).
    """

    title = models.CharField(_("judul"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=220,
        unique=True,
        # /trainings/<id-or-slug>/: an all-digit slug would read as an id, and the app's own
        # pages (mine/, activities/) would shadow a training with their name.
        validators=[
            RegexValidator(r"[^0-9]", message=_("Slug harus memuat huruf.")),
            RegexValidator(
                r"^(mine|activities)$",
                inverse_match=True,
                message=_("Slug ini dipakai halaman aplikasi; pilih slug lain."),
            ),
        ],
    )
    description = models.TextField(_("deskripsi"), blank=True)
    kind = models.CharField(
        _("jenis"), max_length=10, choices=TrainingKind.choices, default=TrainingKind.OPEN
    )
    mode = models.CharField(
        _("moda"), max_length=12, choices=TrainingMode.choices, default=TrainingMode.KLASIKAL
    )
    jp = models.DecimalField(
        _("JP"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Jam pelajaran; 1 JP = 45 menit."),
    )
    competencies = models.ManyToManyField(
        "competency.Competency",
        through="TrainingCompetency",
        related_name="trainings",
        blank=True,
        verbose_name=_("kompetensi yang dikembangkan"),
    )
    start_at = models.DateTimeField(_("mulai"))
    end_at = models.DateTimeField(_("selesai"))
    place = models.CharField(_("tempat"), max_length=255, blank=True)
    online_url = models.URLField(_("tautan daring"), max_length=500, blank=True)
    registration_opens_at = models.DateTimeField(_("pendaftaran dibuka"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("pendaftaran ditutup"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("kapasitas"), validators=[MinValueValidator(1)])
    organizer_unit = models.ForeignKey(
        "people.Unit",
        verbose_name=_("unit penyelenggara"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organized_trainings",
    )
    eligible_units = models.ManyToManyField(
        "people.Unit",
        verbose_name=_("khusus unit (beserta subunit)"),
        blank=True,
        related_name="+",
        help_text=_("Kosongkan bila terbuka untuk semua unit."),
    )
    eligible_positions = models.ManyToManyField(
        "people.Position",
        verbose_name=_("khusus jabatan"),
        blank=True,
        related_name="+",
        help_text=_("Kosongkan bila terbuka untuk semua jabatan."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=TrainingStatus.choices, default=TrainingStatus.DRAFT
    )
    requires_approval = models.BooleanField(
        _("perlu persetujuan atasan"),
        default=False,
        help_text=_(
            "Pendaftaran mandiri menjadi permintaan yang diputuskan atasan langsung pegawai."
        ),
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("pelatihan")
        verbose_name_plural = _("pelatihan")
        ordering = ["start_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_at__gte=models.F("start_at")),
                name="training_end_after_start",
                violation_error_message=_("Waktu selesai tidak boleh sebelum waktu mulai."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="training_capacity_positive",
                violation_error_message=_("Kapasitas minimal 1."),
            ),
            models.CheckConstraint(
                condition=Q(jp__gt=0),
                name="training_jp_positive",
                violation_error_message=_("JP harus lebih dari 0."),
            ),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_closes_at__gte=models.F("registration_opens_at")),
                name="training_registration_window_order",
                violation_error_message=_("Pendaftaran tidak boleh ditutup sebelum dibuka."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "start_at"], name="training_status_start"),
        ]

    def __str__(self) -> str:
        return self.title

    # What templates ask of a training (never the raw strings).
    @property
    def is_mandated(self) -> bool:
        return self.kind == TrainingKind.MANDATED

    @property
    def is_open(self) -> bool:
        return self.kind == TrainingKind.OPEN

    @property
    def is_published(self) -> bool:
        return self.status == TrainingStatus.PUBLISHED

    @property
    def is_draft(self) -> bool:
        return self.status == TrainingStatus.DRAFT

    @property
    def is_cancelled(self) -> bool:
        return self.status == TrainingStatus.CANCELLED

    @property
    def learning_kind(self) -> str:
        """The ledger route its JP count under: e-learning is nonklasikal; klasikal and blended
        (which has a curriculum-led face-to-face part) count as klasikal."""
        if self.mode == TrainingMode.E_LEARNING:
            return LearningKind.NONKLASIKAL
        return LearningKind.KLASIKAL

    @property
    def duration_minutes(self) -> int:
        return int(Decimal(self.jp) * MINUTES_PER_JP)

    @property
    def credit_year(self) -> int:
        """The calendar year (local time) whose ledger its JP go to: the year it ends."""
        return timezone.localtime(self.end_at).year

    def registration_state(self, now: dt.datetime | None = None) -> str:
        """Where registration stands at `now` (default: now), the one place that decides it:
        cancelled; assigned (mandated: HR assigns people); running (it has started); not_yet
        (the window opens later); closed (the window has closed); open. A draft reads as if it
        were published (rules.self_registration_error refuses drafts before asking this)."""
        now = now or timezone.now()
        if self.status == TrainingStatus.CANCELLED:
            return RegistrationState.CANCELLED
        if self.kind == TrainingKind.MANDATED:
            return RegistrationState.ASSIGNED
        if now >= self.start_at:
            return RegistrationState.RUNNING
        if self.registration_opens_at and now < self.registration_opens_at:
            return RegistrationState.NOT_YET
        if self.registration_closes_at and now > self.registration_closes_at:
            return RegistrationState.CLOSED
        return RegistrationState.OPEN

    def registration_is_open(self, now: dt.datetime | None = None) -> bool:
        """Self-registration's window is open at `now` (eligibility and seats aside)."""
        return self.registration_state(now) == RegistrationState.OPEN

    def next_state_change(self, now: dt.datetime) -> dt.datetime | None:
        """The next instant after `now` at which registration_state() may answer differently
        (the window opens, closes just after its instant, the training starts), or None."""
        instants = [
            self.registration_opens_at,
            self.registration_closes_at + CHANGE_AFTER if self.registration_closes_at else None,
            self.start_at,
        ]
        return min((at for at in instants if at is not None and at > now), default=None)


class TrainingCompetency(models.Model):
    """A competency a training develops, and the level it aims at."""

    training = models.ForeignKey(
        Training, on_delete=models.CASCADE, related_name="competency_links"
    )
    competency = models.ForeignKey(
        "competency.Competency",
        on_delete=models.PROTECT,
        related_name="training_links",
        verbose_name=_("kompetensi"),
    )
    level = models.PositiveSmallIntegerField(
        _("level sasaran"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        verbose_name = _("kompetensi pelatihan")
        verbose_name_plural = _("kompetensi pelatihan")
        ordering = ["training", "competency__sort_order", "competency__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["training", "competency"], name="training_competency_unique"
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5), name="training_competency_level_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.competency_id} level {self.level}"


class TrainingSession(models.Model):
    """One meeting of a multi-day or blended training (optional: without sessions the training's
    own start/end is its schedule)."""

    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("judul sesi"), max_length=200, blank=True)
    start_at = models.DateTimeField(_("mulai"))
    end_at = models.DateTimeField(_("selesai"))
    place = models.CharField(_("tempat"), max_length=255, blank=True)
    online_url = models.URLField(_("tautan daring"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("sesi")
        verbose_name_plural = _("sesi")
        ordering = ["training", "start_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_at__gte=models.F("start_at")),
                name="training_session_end_after_start",
                violation_error_message=_("Waktu selesai tidak boleh sebelum waktu mulai."),
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.training_id} @ {self.start_at:%Y-%m-%d %H:%M}"


class EnrollmentStatus(models.TextChoices):
    REGISTERED = "registered", _("Terdaftar")
    WAITLISTED = "waitlisted", _("Daftar tunggu")
    CANCELLED = "cancelled", _("Dibatalkan")
    COMPLETED = "completed", _("Selesai")
    NO_SHOW = "no_show", _("Tidak hadir")


class EnrollmentSource(models.TextChoices):
    SELF = "self", _("Daftar mandiri")
    ASSIGNED = "assigned", _("Ditugaskan")


#: Statuses that hold one of the training's seats (a completed or absent participant had one).
SEAT_STATUSES = (
    EnrollmentStatus.REGISTERED,
    EnrollmentStatus.COMPLETED,
    EnrollmentStatus.NO_SHOW,
)


class Enrollment(models.Model):
    """A person's place on a training: a seat (registered), a waitlist place, or its outcome.

    At most one non-cancelled row per (training, employee) — a cancelled one stays as history and
    the person may enrol again.
    """

    training = models.ForeignKey(
        Training, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("pelatihan")
    )
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enrollments",
        verbose_name=_("pegawai"),
    )
    source = models.CharField(_("sumber"), max_length=10, choices=EnrollmentSource.choices)
    status = models.CharField(_("status"), max_length=12, choices=EnrollmentStatus.choices)
    assigned_by = actor_field(_("ditugaskan oleh"))
    due_date = models.DateField(_("batas waktu"), null=True, blank=True)
    registered_at = models.DateTimeField(_("terdaftar pada"), null=True, blank=True)
    waitlisted_at = models.DateTimeField(_("masuk daftar tunggu"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("dibatalkan pada"), null=True, blank=True)
    cancelled_by = actor_field(_("dibatalkan oleh"))
    completed_at = models.DateTimeField(_("selesai pada"), null=True, blank=True)
    attendance_marked_at = models.DateTimeField(_("kehadiran dicatat"), null=True, blank=True)
    attendance_marked_by = actor_field(_("kehadiran dicatat oleh"))
    reminded_at = models.DateTimeField(_("pengingat dikirim"), null=True, blank=True)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("peserta pelatihan")
        verbose_name_plural = _("peserta pelatihan")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["training", "employee"],
                condition=~Q(status="cancelled"),
                name="training_enrollment_one_active",
                violation_error_message=_("Pegawai ini sudah terdaftar pada pelatihan ini."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=EnrollmentStatus.values),
                name="training_enrollment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(source__in=EnrollmentSource.values),
                name="training_enrollment_source_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="waitlisted") | Q(waitlisted_at__isnull=False),
                name="training_enrollment_waitlisted_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="registered") | Q(registered_at__isnull=False),
                name="training_enrollment_registered_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                name="training_enrollment_cancelled_has_time",
            ),
        ]
        indexes = [
            # "My trainings": one person's rows by status.
            models.Index(fields=["employee", "status"], name="training_enrollment_mine"),
            # Seat counts per training.
            models.Index(fields=["training", "status"], name="training_enrollment_seats"),
            # Waitlist order (FIFO): the first waiting row of a training is an index scan.
            models.Index(
                fields=["training", "waitlisted_at", "id"],
                condition=Q(status="waitlisted"),
                name="training_enrollment_waitlist",
            ),
            # The reminder sweep: assigned rows not reminded yet.
            models.Index(
                fields=["due_date"],
                condition=Q(source="assigned", status="registered", reminded_at__isnull=True),
                name="training_enrollment_to_remind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} · {self.training_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status != EnrollmentStatus.CANCELLED

    @property
    def holds_seat(self) -> bool:
        return self.status in SEAT_STATUSES

    @property
    def is_waitlisted(self) -> bool:
        return self.status == EnrollmentStatus.WAITLISTED

    @property
    def is_completed(self) -> bool:
        return self.status == EnrollmentStatus.COMPLETED

    @property
    def is_no_show(self) -> bool:
        return self.status == EnrollmentStatus.NO_SHOW

    @property
    def is_assigned(self) -> bool:
        return self.source == EnrollmentSource.ASSIGNED


class RequestState(models.TextChoices):
    PENDING = "pending", _("Menunggu persetujuan atasan")
    APPROVED = "approved", _("Disetujui")
    RETURNED = "returned", _("Dikembalikan")
    WITHDRAWN = "withdrawn", _("Ditarik")


class RegistrationRequest(models.Model):
    """A self-registration for a training that needs the supervisor's approval
    (Training.requires_approval): it waits for the supervisor resolved when it was made, who
    approves it (the registration service then registers or waitlists the person by the usual
    rules at that moment) or returns it with a reason; the employee may withdraw it while it
    waits. The enrolment statuses stay as they are: the request is its own record."""

    training = models.ForeignKey(
        Training,
        on_delete=models.CASCADE,
        related_name="registration_requests",
        verbose_name=_("pelatihan"),
    )
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="registration_requests",
        verbose_name=_("pegawai"),
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="registration_requests_to_decide",
        verbose_name=_("atasan"),
    )
    state = models.CharField(
        _("status"), max_length=10, choices=RequestState.choices, default=RequestState.PENDING
    )
    reason = models.TextField(_("alasan dikembalikan"), max_length=2000, blank=True)
    enrollment = models.ForeignKey(
        Enrollment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pendaftaran"),
    )
    created_at = models.DateTimeField(_("diajukan pada"), default=timezone.now)
    decided_at = models.DateTimeField(_("diputuskan pada"), null=True, blank=True)
    decided_by = actor_field(_("diputuskan oleh"))

    class Meta:
        verbose_name = _("permintaan pendaftaran")
        verbose_name_plural = _("permintaan pendaftaran")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["training", "employee"],
                condition=Q(state="pending"),
                name="training_regrequest_one_open",
                violation_error_message=_("Permintaan pendaftaran ini sudah menunggu persetujuan."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=RequestState.values), name="training_regrequest_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state="returned") | ~Q(reason=""),
                name="training_regrequest_returned_has_reason",
            ),
        ]
        indexes = [
            # What waits for a supervisor: one index range.
            models.Index(
                fields=["supervisor", "created_at"],
                condition=Q(state="pending"),
                name="training_regrequest_waiting",
            ),
            models.Index(fields=["employee", "state"], name="training_regrequest_mine"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} · {self.training_id} ({self.state})"

    @property
    def is_pending(self) -> bool:
        return self.state == RequestState.PENDING

    @property
    def is_returned(self) -> bool:
        return self.state == RequestState.RETURNED


class ActivityType(models.TextChoices):
    TRAINING = "training", _("Pelatihan")
    COACHING = "coaching", _("Coaching")
    MENTORING = "mentoring", _("Mentoring")
    SEMINAR = "seminar", _("Seminar / lokakarya")
    E_LEARNING = "e_learning", _("E-learning (di luar portal)")
    DISTANCE = "distance", _("Pelatihan jarak jauh")
    INTERNSHIP = "internship", _("Magang / praktik kerja")
    EXCHANGE = "exchange", _("Pertukaran pegawai")
    SELF_STUDY = "self_study", _("Belajar mandiri")
    COURSE = "course", _("Kursus")
    COMMUNITY = "community", _("Komunitas belajar (community of practice)")
    OTHER = "other", _("Lainnya")


#: The class (jalur) each activity's JP count under, per Perlan 10/2018 (docs/domain.md): seminars,
#: workshops, courses and trainings are klasikal; the rest learn outside a classroom. The law's,
#: not the agency's: JpConversion.kind must agree (JpConversion.clean).
ACTIVITY_LEARNING_KIND: dict[str, str] = {
    "training": "klasikal",
    "seminar": "klasikal",
    "course": "klasikal",
    "coaching": "nonklasikal",
    "mentoring": "nonklasikal",
    "e_learning": "nonklasikal",
    "distance": "nonklasikal",
    "internship": "nonklasikal",
    "exchange": "nonklasikal",
    "self_study": "nonklasikal",
    "community": "nonklasikal",
    "other": "nonklasikal",
}


class ConversionUnit(models.TextChoices):
    HOUR = "hour", _("jam")
    SESSION = "session", _("sesi")
    DAY = "day", _("hari")
    ACTIVITY = "activity", _("kegiatan")


class JpConversion(models.Model):
    """How an activity type converts into JP: set by the agency, so it is data edited in admin.

    JP = quantity * jp_per_unit, capped at max_jp_per_record when set, and at what is left of
    max_jp_per_year for that activity in the person's year. The row in force on a date is the
    one whose [valid_from, valid_until] holds it (a new rate is a new row from its date on).
    The seeded rows wait for the agency's confirmation (`confirmed`).
    """

    activity_type = models.CharField(
        _("jenis kegiatan"), max_length=20, choices=ActivityType.choices
    )
    kind = models.CharField(_("jalur"), max_length=12, choices=LearningKind.choices)
    unit = models.CharField(_("satuan"), max_length=10, choices=ConversionUnit.choices)
    jp_per_unit = models.DecimalField(
        _("JP per satuan"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    max_jp_per_record = models.DecimalField(
        _("JP maksimal per catatan"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    max_jp_per_year = models.DecimalField(
        _("JP maksimal per tahun"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Batas JP jenis kegiatan ini per pegawai per tahun; kosong: tanpa batas."),
    )
    valid_from = models.DateField(_("berlaku sejak"), default=dt.date(2000, 1, 1))
    valid_until = models.DateField(_("berlaku sampai"), null=True, blank=True)
    confirmed = models.BooleanField(
        _("dikonfirmasi instansi"),
        default=False,
        help_text=_("Nilai awal bawaan aplikasi perlu dikonfirmasi oleh instansi."),
    )
    note = models.CharField(_("catatan"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("konversi JP")
        verbose_name_plural = _("konversi JP")
        ordering = ["activity_type", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(jp_per_unit__gt=0), name="training_jpconversion_rate_positive"
            ),
            models.UniqueConstraint(
                fields=["activity_type", "valid_from"],
                name="training_jpconversion_one_per_start",
                violation_error_message=_(
                    "Sudah ada konversi jenis ini yang berlaku sejak tanggal itu."
                ),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="training_jpconversion_validity_order",
                violation_error_message=_("Tanggal akhir tidak boleh sebelum tanggal mulai."),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_activity_type_display()}: {self.jp_per_unit} JP/{self.get_unit_display()}"
        )

    def clean(self) -> None:
        super().clean()
        expected = ACTIVITY_LEARNING_KIND.get(self.activity_type)
        if expected and self.kind and self.kind != expected:
            raise ValidationError(
                {
                    "kind": _("Menurut Perlan 10/2018 jenis kegiatan ini termasuk jalur %(kind)s.")
                    % {"kind": LearningKind(expected).label}
                }
            )


class LearningRecord(models.Model):
    """One line of an employee's yearly learning-hours ledger (JP).

    A completed training writes exactly one line (source_enrollment is unique); HR records other
    development activities (coaching, mentoring, seminars, e-learning elsewhere...) by hand.
    """

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="learning_records",
        verbose_name=_("pegawai"),
    )
    year = models.PositiveSmallIntegerField(
        _("tahun"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    jp = models.DecimalField(
        _("JP"), max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    kind = models.CharField(_("jalur"), max_length=12, choices=LearningKind.choices)
    activity_type = models.CharField(
        _("jenis kegiatan"), max_length=20, choices=ActivityType.choices
    )
    source_enrollment = models.OneToOneField(
        Enrollment,
        # An enrolment with a ledger line cannot be deleted on its own; deleting the person
        # deletes both (RESTRICT, unlike PROTECT, allows that).
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="learning_record",
        verbose_name=_("dari pelatihan"),
    )
    source_report = models.OneToOneField(
        "ActivityReport",
        # One line per approved report, ever: the unique index is what makes a double approval
        # (two clicks, two supervisors at once) credit once.
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="learning_record",
        verbose_name=_("dari laporan kegiatan"),
    )
    description = models.CharField(_("uraian"), max_length=300)
    date = models.DateField(_("tanggal"))
    recorded_by = actor_field(_("dicatat oleh"))
    created_at = models.DateTimeField(_("dicatat pada"), default=timezone.now)

    class Meta:
        verbose_name = _("catatan JP")
        verbose_name_plural = _("catatan JP")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(jp__gt=0), name="training_record_jp_positive"),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100), name="training_record_year_range"
            ),
            models.CheckConstraint(
                condition=Q(year=ExtractYear("date")),
                name="training_record_year_matches_date",
                violation_error_message=_("Tahun harus sama dengan tahun pada tanggal."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=LearningKind.values), name="training_record_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["employee", "year"], name="training_record_employee_year"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.year}: {self.jp} JP ({self.kind})"


# --- the learning log: activities an employee reports, their supervisor approves ---------------


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draf")
    SUBMITTED = "submitted", _("Menunggu persetujuan")
    RETURNED = "returned", _("Dikembalikan")
    RESUBMITTED = "resubmitted", _("Diajukan ulang")
    APPROVED = "approved", _("Disetujui")


#: A report waiting for its approver.
PENDING_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.RESUBMITTED)
#: A report its author may still change.
EDITABLE_STATUSES = (ReportStatus.DRAFT, ReportStatus.RETURNED)

EVIDENCE_TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}


def evidence_path(instance: ActivityReport, filename: str) -> str:
    """A random private name (never the uploader's): activity-evidence/<yyyy>/<hex>.<type>."""
    kind = getattr(instance, "evidence_type", "") or "bin"
    return f"activity-evidence/{timezone.now():%Y}/{secrets.token_hex(16)}.{kind}"


class ActivityReport(models.Model):
    """A development activity an employee reports (the learning log): filed as a draft or
    submitted to their supervisor (people.selectors.supervisor_of, resolved at submission into
    `approver`), returned with a comment or approved; approval credits JP once through the
    conversion table (training.services.approve_report)."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="activity_reports",
        verbose_name=_("pegawai"),
    )
    kind = models.CharField(_("jenis kegiatan"), max_length=20, choices=ActivityType.choices)
    title = models.CharField(_("judul kegiatan"), max_length=200)
    started_on = models.DateField(_("tanggal mulai"))
    ended_on = models.DateField(_("tanggal selesai"))
    minutes = models.PositiveIntegerField(
        _("durasi (menit)"), validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )
    summary = models.TextField(_("apa yang saya pelajari"), max_length=4000)
    impact = models.TextField(_("dampaknya pada pekerjaan saya"), max_length=4000)
    competencies = models.ManyToManyField(
        "competency.Competency",
        related_name="activity_reports",
        verbose_name=_("kompetensi yang dikembangkan"),
    )
    ebook = models.ForeignKey(
        "ebooks.Ebook",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activity_reports",
        verbose_name=_("e-book yang dibaca"),
    )
    evidence = models.FileField(_("bukti"), upload_to=evidence_path, max_length=200, blank=True)
    evidence_type = models.CharField(max_length=4, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports_to_approve",
        verbose_name=_("atasan penyetuju"),
    )
    submitted_at = models.DateTimeField(_("diajukan pada"), null=True, blank=True)
    decided_at = models.DateTimeField(_("diputuskan pada"), null=True, blank=True)
    decided_by = actor_field(_("diputuskan oleh"))
    comment = models.TextField(_("catatan atasan"), max_length=2000, blank=True)
    jp = models.DecimalField(_("JP"), max_digits=6, decimal_places=2, null=True, blank=True)
    show_as_review = models.BooleanField(_("tampilkan sebagai ulasan"), default=False)
    review_withdrawn_at = models.DateTimeField(_("ulasan ditarik"), null=True, blank=True)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("laporan kegiatan belajar")
        verbose_name_plural = _("laporan kegiatan belajar")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__gte=models.F("started_on")),
                name="training_report_end_after_start",
                violation_error_message=_("Tanggal selesai tidak boleh sebelum tanggal mulai."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values), name="training_report_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(minutes__gte=1, minutes__lte=100_000),
                name="training_report_minutes_range",
            ),
            models.CheckConstraint(
                condition=~Q(approver=models.F("employee")),
                name="training_report_not_own_approver",
            ),
        ]
        indexes = [
            models.Index(fields=["employee", "-created_at"], name="training_report_mine"),
            # What waits for a supervisor: one index range.
            models.Index(
                fields=["approver", "submitted_at"],
                condition=Q(status__in=["submitted", "resubmitted"]),
                name="training_report_waiting",
            ),
            # A book's reviews.
            models.Index(
                fields=["ebook", "-decided_at"],
                condition=Q(status="approved", show_as_review=True, review_withdrawn_at=None),
                name="training_report_reviews",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def learning_kind(self) -> str:
        return ACTIVITY_LEARNING_KIND.get(self.kind, LearningKind.NONKLASIKAL)

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_approved(self) -> bool:
        return self.status == ReportStatus.APPROVED

    @property
    def is_returned(self) -> bool:
        return self.status == ReportStatus.RETURNED

    @property
    def is_review(self) -> bool:
        return self.is_approved and self.show_as_review and self.review_withdrawn_at is None


# --- Certificates (e-sertifikat) -----------------------------------------------------------------


class CertificateSequence(models.Model):
    """The last certificate number issued in a year: numbers run 1, 2, 3... per year without gaps,
    since the counter moves in the issuing transaction (a rolled-back issue takes its number back)
    and its row lock makes concurrent issues wait for each other (training.certificates)."""

    year = models.PositiveSmallIntegerField(_("tahun"), primary_key=True)
    last = models.PositiveIntegerField(_("nomor terakhir"), default=0)

    class Meta:
        verbose_name = _("urutan nomor sertifikat")
        verbose_name_plural = _("urutan nomor sertifikat")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Certificate(models.Model):
    """A certificate of completion (e-sertifikat), issued once per completed enrolment and, with
    settings.CERTIFICATES_FOR_ACTIVITIES on, once per approved learning-log activity report.

    What it says is copied at issue time (name, NIP, training, dates, JP, issuer, signer): a
    certificate states what was true when it was signed, and the public verification page reads
    this one row. A correction revokes it and issues a new one (`replaces`). The PDF is rendered
    after commit by the worker, or on the first download (training.certificates.ensure_pdf), and
    stored privately under MEDIA_ROOT.

    Its source is exactly one of `enrollment` and `activity_report` (a CheckConstraint); each
    source has at most one valid certificate (partial unique constraints), revoked ones stay as
    history.
    """

    number = models.CharField(_("nomor"), max_length=80, unique=True)
    year = models.PositiveSmallIntegerField(_("tahun"))
    sequence = models.PositiveIntegerField(_("urutan"))
    # The public verification key: long and random, never derived from the number.
    code = models.CharField(_("kode verifikasi"), max_length=64, unique=True, editable=False)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="certificates",
        verbose_name=_("pemilik"),
    )
    enrollment = models.ForeignKey(
        Enrollment,
        # Like the ledger line: the enrolment cannot go while it has a certificate; deleting the
        # person deletes both.
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("dari pelatihan"),
    )
    activity_report = models.ForeignKey(
        ActivityReport,
        # Like the enrolment: the report cannot go while it has a certificate.
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("dari laporan kegiatan"),
    )
    holder_name = models.CharField(_("nama"), max_length=200)
    holder_nip = models.CharField(_("NIP"), max_length=18, blank=True)
    title = models.CharField(_("judul kegiatan"), max_length=300)
    started_on = models.DateField(_("tanggal mulai"))
    ended_on = models.DateField(_("tanggal selesai"))
    mode = models.CharField(_("moda"), max_length=60, blank=True)
    jp = models.DecimalField(_("JP"), max_digits=6, decimal_places=2)
    competencies = models.TextField(_("kompetensi yang dikembangkan"), blank=True)
    issuer = models.CharField(_("penerbit"), max_length=255)
    signer_name = models.CharField(_("nama penanda tangan"), max_length=200, blank=True)
    signer_position = models.CharField(_("jabatan penanda tangan"), max_length=200, blank=True)
    issued_at = models.DateTimeField(_("diterbitkan pada"), default=timezone.now)
    issued_by = actor_field(_("diterbitkan oleh"))
    revoked_at = models.DateTimeField(_("dicabut pada"), null=True, blank=True)
    revoked_by = actor_field(_("dicabut oleh"))
    revoked_reason = models.CharField(_("alasan pencabutan"), max_length=300, blank=True)
    replaces = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("menggantikan"),
    )
    # Empty until rendered; never a public URL (served by training.views after a permission check).
    file = models.FileField(_("berkas PDF"), upload_to="certificates/", max_length=255, blank=True)

    class Meta:
        verbose_name = _("sertifikat")
        verbose_name_plural = _("sertifikat")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="certificate_year_sequence"),
            # Issued exactly once: one valid certificate per completed enrolment.
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=Q(revoked_at__isnull=True),
                name="certificate_one_valid_per_enrollment",
            ),
            # And one valid certificate per approved activity report.
            models.UniqueConstraint(
                fields=["activity_report"],
                condition=Q(revoked_at__isnull=True),
                name="certificate_one_valid_per_activity",
            ),
            models.CheckConstraint(
                condition=Q(enrollment__isnull=False, activity_report__isnull=True)
                | Q(enrollment__isnull=True, activity_report__isnull=False),
                name="certificate_one_source",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoked_reason=""),
                name="certificate_revoked_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__gte=models.F("started_on")),
                name="certificate_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["holder", "revoked_at"], name="certificate_holder"),
            # The sweep: certificates whose PDF is not rendered yet.
            models.Index(fields=["issued_at"], condition=Q(file=""), name="certificate_no_pdf"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None

    @property
    def is_for_activity(self) -> bool:
        """Issued for an approved learning-log activity (not a training)."""
        return self.activity_report_id is not None

    @property
    def verification_url(self) -> str:
        """The absolute address of its public page (settings.SITE_URL + /verify/<code>/): in the
        QR code, printed on the PDF and shown beside the download link."""
        return settings.SITE_URL.rstrip("/") + reverse("verify-certificate", args=[self.code])

    @property
    def masked_nip(self) -> str:
        """The NIP with all but the year of birth and the serial number hidden (birth date, CPNS
        date and sex stay private): 1985***********011."""
        nip = self.holder_nip
        if len(nip) <= 7:
            return "*" * len(nip)
        return nip[:4] + "*" * (len(nip) - 7) + nip[-3:]
