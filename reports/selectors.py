"""The SIASN export's rows, scoped to who asks: the JP ledger of a year laid out as SIASN's course
records (riwayat kursus/diklat). One query, streamed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from reports.models import SiasnCourseType, SiasnSent
from rumahbelajar.people import selectors as people_selectors
from rumahbelajar.people.models import User
from training.models import Certificate, LearningRecord

#: SIASN's column names, in its order: the contract of the export.
SIASN_COLUMNS = (
    "nip",
    "namaKursus",
    "jenisDiklatId",
    "jenisKursus",
    "institusiPenyelenggara",
    "jumlahJam",
    "nomorSertipikat",
    "tahunKursus",
    "tanggalKursus",
    "tanggalSelesaiKursus",
)
DATE_FORMAT = "%d-%m-%Y"


@dataclass(frozen=True)
class SiasnRow:
    record_id: int
    values: tuple[str | int, ...]  # in SIASN_COLUMNS order


def may_export(*, user: User) -> bool:
    """HR admins (people who manage units) and superusers."""
    return user.is_superuser or bool(people_selectors.managed_unit_paths(user=user))


def _local_date(value: dt.datetime | None, fallback: dt.date) -> dt.date:
    return timezone.localtime(value).date() if value is not None else fallback


def _jam(jp: Decimal) -> int:
    """JP credited as SIASN's whole hours (jumlahJam): rounded half up."""
    return int(jp.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def siasn_rows(*, user: User, year: int, only_new: bool = False) -> Iterator[SiasnRow]:
    """The year's ledger lines of the people `user` manages, as SIASN rows (ordered by date,
    NIP). `only_new`: those never marked as sent. Two queries (the type mapping, the rows).
    A line of an approved activity report starts on the report's first day and carries its
    certificate's number when it has one."""
    mapping = {
        row.activity_type: (row.jenis_diklat_id, row.jenis_kursus)
        for row in SiasnCourseType.objects.all()
    }
    # The valid certificate of the line's source: its completed training, or its approved
    # learning-log activity (settings.CERTIFICATES_FOR_ACTIVITIES); each an index lookup.
    of_training = Certificate.objects.filter(
        enrollment_id=OuterRef("source_enrollment_id"), revoked_at__isnull=True
    ).values("number")[:1]
    of_activity = Certificate.objects.filter(
        activity_report_id=OuterRef("source_report_id"), revoked_at__isnull=True
    ).values("number")[:1]
    records = LearningRecord.objects.filter(
        year=year, employee__in=people_selectors.employees_visible_to(user=user)
    )
    if only_new:
        records = records.exclude(Exists(SiasnSent.objects.filter(record_id=OuterRef("pk"))))
    rows = records.annotate(
        nip=F("employee__nip"),
        training_title=F("source_enrollment__training__title"),
        training_start=F("source_enrollment__training__start_at"),
        training_end=F("source_enrollment__training__end_at"),
        organiser=F("source_enrollment__training__organizer_unit__name"),
        report_start=F("source_report__started_on"),
        certificate_number=Coalesce(Subquery(of_training), Subquery(of_activity)),
    ).values_list(
        "pk",
        "nip",
        "description",
        "activity_type",
        "jp",
        "year",
        "date",
        "source_enrollment_id",
        "training_title",
        "training_start",
        "training_end",
        "organiser",
        "report_start",
        "certificate_number",
    )
    issuer = settings.CERTIFICATE_ISSUER
    for (
        pk,
        nip,
        description,
        activity_type,
        jp,
        record_year,
        date,
        enrollment_id,
        title,
        start,
        end,
        organiser,
        report_start,
        number,
    ) in rows.order_by("date", "employee__nip", "pk").iterator(chunk_size=2000):
        jenis_id, jenis_kursus = mapping.get(activity_type, ("", ""))
        from_training = enrollment_id is not None
        yield SiasnRow(
            record_id=pk,
            values=(
                nip or "",
                (title if from_training else description) or description,
                jenis_id,
                jenis_kursus,
                (organiser or issuer) if from_training else issuer,
                _jam(jp),
                number or "",
                record_year,
                (report_start or _local_date(start, date)).strftime(DATE_FORMAT),
                _local_date(end, date).strftime(DATE_FORMAT),
            ),
        )
