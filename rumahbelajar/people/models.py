"""Who works where: people (the custom user), the organisation's unit tree, positions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rumahbelajar.imports.models import ImportFormat, ImportStatus, RowImportJob
from rumahbelajar.people.nip import format_nip, normalize_nip, validate_nip

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The import's states and formats are shared by every import (rumahbelajar.imports).
__all__ = ["ImportFormat", "ImportStatus"]


class UnitKind(models.TextChoices):
    KEMENTERIAN = "kementerian", _("Kementerian")
    ESELON_I = "eselon_i", _("Unit eselon I")
    KANWIL = "kanwil", _("Kantor wilayah")
    UNIT = "unit", _("Unit kerja")
    UPT = "upt", _("Unit pelaksana teknis")
    SUBUNIT = "subunit", _("Subunit")


class Unit(models.Model):
    """A node of the organisation tree.

    `path` is the materialised path of ids ("/1/4/17/"), so a whole subtree is one indexed
    prefix match (`path LIKE '/1/4/%'`). It is maintained by people.services only.
    """

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=200)
    kind = models.CharField(_("jenis"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("unit induk"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    head = models.ForeignKey(
        "User",
        verbose_name=_("kepala unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_units",
        help_text=_(
            "Atasan langsung pegawai unit ini (kecuali bila atasan pegawai diisi sendiri)."
        ),
    )

    class Meta:
        verbose_name = _("unit kerja")
        verbose_name_plural = _("unit kerja")
        ordering = ["path"]
        indexes = [
            models.Index(
                fields=["path"], name="people_unit_path_prefix", opclasses=["varchar_pattern_ops"]
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(path__regex=r"^/([0-9]+/)+$"), name="people_unit_path_shape"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_in_subtree_of(self, other: Unit) -> bool:
        return self.path.startswith(other.path)


class PositionKind(models.TextChoices):
    STRUKTURAL = "struktural", _("Struktural")
    FUNGSIONAL_KEAHLIAN = "fungsional_keahlian", _("Fungsional keahlian")
    FUNGSIONAL_KETERAMPILAN = "fungsional_keterampilan", _("Fungsional keterampilan")
    PELAKSANA = "pelaksana", _("Pelaksana")


class PositionLevel(models.TextChoices):
    JPT_UTAMA = "jpt_utama", _("JPT Utama")
    JPT_MADYA = "jpt_madya", _("JPT Madya")
    JPT_PRATAMA = "jpt_pratama", _("JPT Pratama")
    ADMINISTRATOR = "administrator", _("Administrator")
    PENGAWAS = "pengawas", _("Pengawas")
    AHLI_UTAMA = "ahli_utama", _("Ahli Utama")
    AHLI_MADYA = "ahli_madya", _("Ahli Madya")
    AHLI_MUDA = "ahli_muda", _("Ahli Muda")
    AHLI_PERTAMA = "ahli_pertama", _("Ahli Pertama")
    PENYELIA = "penyelia", _("Penyelia")
    MAHIR = "mahir", _("Mahir")
    TERAMPIL = "terampil", _("Terampil")
    PEMULA = "pemula", _("Pemula")
    PELAKSANA = "pelaksana", _("Pelaksana")


LEVELS_BY_KIND: dict[str, list[str]] = {
    PositionKind.STRUKTURAL: [
        PositionLevel.JPT_UTAMA,
        PositionLevel.JPT_MADYA,
        PositionLevel.JPT_PRATAMA,
        PositionLevel.ADMINISTRATOR,
        PositionLevel.PENGAWAS,
    ],
    PositionKind.FUNGSIONAL_KEAHLIAN: [
        PositionLevel.AHLI_UTAMA,
        PositionLevel.AHLI_MADYA,
        PositionLevel.AHLI_MUDA,
        PositionLevel.AHLI_PERTAMA,
    ],
    PositionKind.FUNGSIONAL_KETERAMPILAN: [
        PositionLevel.PENYELIA,
        PositionLevel.MAHIR,
        PositionLevel.TERAMPIL,
        PositionLevel.PEMULA,
    ],
    PositionKind.PELAKSANA: [PositionLevel.PELAKSANA],
}


class Position(models.Model):
    """A position (jabatan); its competency standard hangs off it in the competency app."""

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama jabatan"), max_length=200)
    kind = models.CharField(_("jenis jabatan"), max_length=30, choices=PositionKind.choices)
    level = models.CharField(_("jenjang"), max_length=30, choices=PositionLevel.choices)

    class Meta:
        verbose_name = _("jabatan")
        verbose_name_plural = _("jabatan")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    *[
                        models.Q(kind=kind, level__in=levels)
                        for kind, levels in LEVELS_BY_KIND.items()
                    ],
                    _connector=models.Q.OR,
                ),
                name="people_position_level_matches_kind",
                violation_error_message=_("Jenjang tidak sesuai dengan jenis jabatan."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EmployeeType(models.TextChoices):
    PNS = "pns", _("PNS")
    PPPK = "pppk", _("PPPK")


class Rank(models.TextChoices):
    """Golongan/ruang of a PNS."""

    I_A = "I/a", "I/a Juru Muda"
    I_B = "I/b", "I/b Juru Muda Tingkat I"
    I_C = "I/c", "I/c Juru"
    I_D = "I/d", "I/d Juru Tingkat I"
    II_A = "II/a", "II/a Pengatur Muda"
    II_B = "II/b", "II/b Pengatur Muda Tingkat I"
    II_C = "II/c", "II/c Pengatur"
    II_D = "II/d", "II/d Pengatur Tingkat I"
    III_A = "III/a", "III/a Penata Muda"
    III_B = "III/b", "III/b Penata Muda Tingkat I"
    III_C = "III/c", "III/c Penata"
    III_D = "III/d", "III/d Penata Tingkat I"
    IV_A = "IV/a", "IV/a Pembina"
    IV_B = "IV/b", "IV/b Pembina Tingkat I"
    IV_C = "IV/c", "IV/c Pembina Utama Muda"
    IV_D = "IV/d", "IV/d Pembina Utama Madya"
    IV_E = "IV/e", "IV/e Pembina Utama"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: object) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in: an employee (with NIP), an HR or content admin, or both."""

    email = models.EmailField(_("email"), max_length=254, unique=True)
    nip = models.CharField(
        _("NIP"),
        max_length=18,
        null=True,
        blank=True,
        unique=True,
        help_text=_("18 angka, tanpa spasi."),
    )
    full_name = models.CharField(_("nama lengkap"), max_length=200)
    employee_type = models.CharField(
        _("jenis pegawai"), max_length=10, choices=EmployeeType.choices, blank=True
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit kerja"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="employees",
    )
    position = models.ForeignKey(
        Position,
        verbose_name=_("jabatan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="employees",
    )
    rank = models.CharField(_("golongan"), max_length=5, choices=Rank.choices, blank=True)
    supervisor = models.ForeignKey(
        "self",
        verbose_name=_("atasan langsung"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervisees",
        help_text=_("Kosongkan agar atasan mengikuti kepala unit kerja."),
    )
    managed_units = models.ManyToManyField(
        Unit,
        verbose_name=_("unit yang dikelola"),
        blank=True,
        related_name="hr_admins",
        help_text=_("Pengelola SDM mengelola pegawai di unit-unit ini beserta seluruh subunitnya."),
    )
    #: Kept by notifications.services in the same transaction as the messages: read with the
    #: person on every request, the layout's unread count costs no query of its own.
    unread_notifications = models.PositiveIntegerField(
        _("notifikasi belum dibaca"), default=0, editable=False
    )
    is_active = models.BooleanField(_("aktif"), default=True)
    is_staff = models.BooleanField(
        _("akses admin"),
        default=False,
        help_text=_("Boleh masuk ke halaman administrasi."),
    )
    date_joined = models.DateTimeField(_("terdaftar sejak"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")
        ordering = ["full_name"]
        constraints = [
            # Stored lower-case, so the plain unique index is also case-insensitive.
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="people_user_email_lowercase"
            ),
            models.CheckConstraint(
                condition=models.Q(nip__isnull=True) | models.Q(nip__regex=r"^[0-9]{18}$"),
                name="people_user_nip_18_digits",
            ),
            models.CheckConstraint(
                condition=models.Q(nip__isnull=True) | ~models.Q(employee_type=""),
                name="people_user_nip_has_employee_type",
            ),
            models.CheckConstraint(
                condition=~models.Q(supervisor=models.F("pk")),
                name="people_user_not_own_supervisor",
            ),
        ]
        indexes = [
            # A unit's people by name; covering what a supervisor's team needs (people.selectors
            # .team_page), so a unit head's 7,000 people are read from the index alone.
            models.Index(
                fields=["unit", "full_name", "id"],
                include=["supervisor", "is_active"],
                name="people_user_unit_name_cover",
            ),
            # The few people who have left: a team's members whose explicit supervisor left
            # are found from them (team_page), not by checking every supervisor of a unit.
            models.Index(
                fields=["id"], condition=models.Q(is_active=False), name="people_user_inactive"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def nip_display(self) -> str:
        return format_nip(self.nip or "")

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()
        if self.nip == "":
            self.nip = None
        if self.nip is not None:
            self.nip = normalize_nip(self.nip)
            if not self.employee_type:
                raise ValidationError(
                    {"employee_type": _("Jenis pegawai wajib diisi bila NIP diisi.")}
                )
            try:
                validate_nip(self.nip, self.employee_type)
            except ValidationError as exc:
                raise ValidationError({"nip": exc.messages}) from None
        if self.supervisor_id is not None and self.supervisor_id == self.pk:
            raise ValidationError(
                {"supervisor": _("Pegawai tidak dapat menjadi atasannya sendiri.")}
            )
        if self.rank and self.employee_type == EmployeeType.PPPK:
            raise ValidationError({"rank": _("Golongan PNS tidak berlaku untuk PPPK.")})


def actor_field(verbose_name: StrOrPromise) -> models.ForeignKey[User | None, User | None]:
    """Who did something to a row (assigned, decided, issued...): optional, kept as NULL when
    the person is deleted (the row stays as history), with no reverse accessor on the person."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
    )


class EmployeeImport(RowImportJob):
    """One uploaded employee file on its way through validation, preview and application
    (rumahbelajar.imports.pipeline; the rows are people.imports')."""

    upload_folder = "employee-imports"

    requested_by = models.ForeignKey(
        User,
        verbose_name=_("diminta oleh"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="employee_imports",
    )
    created_count = models.PositiveIntegerField(_("baru"), default=0)
    updated_count = models.PositiveIntegerField(_("diperbarui"), default=0)
    unchanged_count = models.PositiveIntegerField(_("tidak berubah"), default=0)

    class Meta(RowImportJob.Meta):
        verbose_name = _("impor pegawai")
        verbose_name_plural = _("impor pegawai")
