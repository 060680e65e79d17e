"""The training app's domain errors and the pure rules that raise them.

Kept apart from services so that selectors (the detail page's "can I register?") and services
(the write that enforces it) share one definition. Views and admin catch `TrainingError` and show
`str(exc)`: every message is Indonesian text for the person who asked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rumahbelajar.people import selectors as people_selectors
from rumahbelajar.people.models import User
from training.models import RegistrationState, Training, TrainingStatus


class TrainingError(Exception):
    """A training rule was broken; str(exc) is a message for the person who asked."""

    default_message = gettext_lazy("Permintaan tidak dapat diproses.")

    def __init__(self, message: str | None = None) -> None:
        super().__init__(str(message or self.default_message))

    @property
    def message(self) -> str:
        return str(self)


class TrainingCancelled(TrainingError):
    default_message = gettext_lazy("Pelatihan ini dibatalkan.")


class TrainingNotOpen(TrainingError):
    """Not published, or a mandated training (participants are assigned by HR)."""

    default_message = gettext_lazy("Pelatihan ini tidak dibuka untuk pendaftaran mandiri.")


class TrainingStarted(TrainingError):
    default_message = gettext_lazy("Pelatihan ini sudah dimulai; pendaftaran tidak dapat diproses.")


class TrainingEnded(TrainingError):
    default_message = gettext_lazy("Pelatihan ini sudah berakhir.")


class RegistrationClosed(TrainingError):
    default_message = gettext_lazy("Pendaftaran pelatihan ini sedang tidak dibuka.")


class NotEligible(TrainingError):
    default_message = gettext_lazy("Pelatihan ini hanya untuk unit kerja atau jabatan tertentu.")


class AlreadyEnrolled(TrainingError):
    default_message = gettext_lazy("Anda sudah terdaftar pada pelatihan ini.")


class TrainingFull(TrainingError):
    default_message = gettext_lazy("Kuota pelatihan ini sudah penuh.")


class _SeatsShort(TrainingError):
    """An assignment needs more seats than are free: `needed` and `free`, and a message (the
    class's `template`) that gives both."""

    template: Any  # a gettext_lazy text with %(needed)d and %(free)d

    def __init__(self, *, needed: int, free: int) -> None:
        self.needed = needed
        self.free = free
        super().__init__(str(self.template) % {"needed": needed, "free": free})


class CapacityExceeded(_SeatsShort, TrainingFull):
    """An assignment needs more seats than are free; retry with allow_overbooking=True."""

    template = gettext_lazy(
        "Penugasan membutuhkan %(needed)d kursi, sedangkan kursi yang tersisa "
        "%(free)d. Konfirmasi untuk melebihi kapasitas."
    )


class OverbookingNotAllowed(_SeatsShort):
    """An assignment beyond the capacity of a training organised outside the admin's units."""

    template = gettext_lazy(
        "Penugasan membutuhkan %(needed)d kursi, sedangkan kursi yang tersisa "
        "%(free)d. Melebihi kapasitas hanya boleh untuk pelatihan yang diselenggarakan "
        "unit yang Anda kelola."
    )


class OutsideScope(TrainingError):
    """Someone acted on people outside the unit subtrees they manage."""

    default_message = gettext_lazy("Anda tidak berwenang atas sebagian pegawai yang dipilih.")


class NotCancellable(TrainingError):
    default_message = gettext_lazy("Pendaftaran ini tidak dapat dibatalkan.")


class InvalidActivity(TrainingError):
    default_message = gettext_lazy("Data kegiatan pengembangan tidak valid.")


class TrainingBusy(TrainingError):
    """The training's row lock could not be had in time: the person should simply try again."""

    default_message = gettext_lazy(
        "Sedang banyak pendaftar untuk pelatihan ini. Silakan coba lagi sebentar."
    )


class ApprovalRequired(TrainingError):
    """register() was asked for a training that needs the supervisor's approval first."""

    default_message = gettext_lazy(
        "Pendaftaran pelatihan ini memerlukan persetujuan atasan langsung; ajukan permintaan."
    )


class NoSupervisor(TrainingError):
    default_message = gettext_lazy(
        "Pendaftaran pelatihan ini memerlukan persetujuan atasan langsung, tetapi atasan Anda "
        "belum tercatat. Hubungi pengelola SDM unit Anda agar menetapkannya."
    )


class AlreadyRequested(TrainingError):
    default_message = gettext_lazy(
        "Permintaan pendaftaran Anda untuk pelatihan ini sudah menunggu persetujuan atasan."
    )


class RequestNotPending(TrainingError):
    default_message = gettext_lazy("Permintaan pendaftaran ini tidak sedang menunggu persetujuan.")


class NotRequestDecider(TrainingError):
    default_message = gettext_lazy(
        "Hanya atasan langsung pegawai yang dapat memutuskan permintaan ini."
    )


class ReasonRequired(TrainingError):
    default_message = gettext_lazy(
        "Tuliskan alasan agar pegawai tahu mengapa permintaannya dikembalikan."
    )


def may_overbook(*, admin: User, training: Training) -> bool:
    """Whether `admin` may assign people beyond the capacity of `training`: a superuser always,
    an HR admin only when a unit in their subtrees organises it (the seats are that unit's to
    give). Assigning within the capacity is open to every training."""
    if admin.is_superuser:
        return True
    unit = training.organizer_unit
    if unit is None:
        return False
    return any(
        unit.path.startswith(prefix) for prefix in people_selectors.managed_unit_paths(user=admin)
    )


def is_eligible(*, training: Training, employee: User) -> bool:
    """Everyone, unless the training restricts units (subtrees) and/or positions.

    Reads `training.eligible_units` / `eligible_positions` through `.all()`, so a prefetch is used;
    a training loaded by selectors.training_for_registration carries the lists as
    `eligible_unit_paths` / `eligible_position_ids` instead, and costs no query here.
    """
    unit_paths = getattr(training, "eligible_unit_paths", None)
    position_ids = getattr(training, "eligible_position_ids", None)
    if unit_paths is None or position_ids is None:
        unit_paths = [unit.path for unit in training.eligible_units.all()]
        position_ids = [position.pk for position in training.eligible_positions.all()]
    return eligible_by(unit_paths=unit_paths, position_ids=set(position_ids), employee=employee)


def eligible_by(
    *, unit_paths: Sequence[str], position_ids: Collection[int], employee: User
) -> bool:
    """is_eligible() on a training's restrictions given as data: the paths of its eligible
    units (subtrees) and the ids of its eligible positions (empty: no restriction)."""
    if unit_paths:
        if employee.unit is None:
            return False
        prefixes = unit_paths if isinstance(unit_paths, tuple) else tuple(unit_paths)
        if not employee.unit.path.startswith(prefixes):
            return False
    return not position_ids or employee.position_id in position_ids


def self_registration_error(
    *, training: Training, employee: User, now: dt.datetime, eligible: bool | None = None
) -> TrainingError | None:
    """Why `employee` may not register for `training` by themselves right now, or None.

    Does not look at existing enrolments or seats (a full training waitlists, it does not refuse).
    `eligible`: is_eligible() already computed by the caller (None: computed here).
    """
    if training.status == TrainingStatus.DRAFT:
        return TrainingNotOpen(_("Pelatihan ini belum diterbitkan."))
    state = training.registration_state(now)
    if state == RegistrationState.CANCELLED:
        return TrainingCancelled()
    if state == RegistrationState.ASSIGNED:
        return TrainingNotOpen(
            _(
                "Pelatihan ini wajib dan pesertanya ditugaskan oleh pengelola SDM; "
                "pendaftaran mandiri tidak tersedia."
            )
        )
    if state == RegistrationState.RUNNING:
        return TrainingStarted()
    if state == RegistrationState.NOT_YET:
        return RegistrationClosed(_("Pendaftaran belum dibuka."))
    if state == RegistrationState.CLOSED:
        return RegistrationClosed(_("Pendaftaran sudah ditutup."))
    if eligible is None:
        eligible = is_eligible(training=training, employee=employee)
    if not eligible:
        return NotEligible()
    return None
