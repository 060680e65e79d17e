"""Certificates (e-sertifikat): issued once per completed enrolment, revoked and re-issued by HR,
rendered to PDF after commit, verified publicly by their random code.

Issuing is part of recording the completion (services.mark_attendance calls
issue_for_completions() inside its transaction, holding the enrolment rows' locks): the
certificate row, its number and its code are in PostgreSQL before anything is queued, so a broker
that is down loses nothing. The PDF is rendered by the worker after commit
(tasks.render_certificate_task); the beat sweep (sweep_certificates) renders what the worker
missed and issues what completions recorded before this feature missed; a download renders a
missing PDF on the spot (ensure_pdf).

Numbers: settings.CERTIFICATE_NUMBER_PATTERN with {year} (the year of issue, local time) and {seq}
(the year's running number). The counter is one row per year moved by an upsert in the issuing
transaction, so numbers have no gaps and concurrent issues queue behind its row lock.

Learning-log activities: with settings.CERTIFICATES_FOR_ACTIVITIES on, approving a report
(activities.approve_report) calls issue_for_report() inside its transaction, holding the report's
row lock: one certificate per report (Certificate.activity_report, a partial unique constraint).
It shares the numbering, the insert and the render task with the trainings' (_insert); the PDF,
the download, verification, revocation, re-issue and the SIASN export serve both sources.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rumahbelajar.people import selectors as people_selectors
from rumahbelajar.people.models import User
from rumahbelajar.queue import queue_after_commit
from training.models import (
    ActivityReport,
    Certificate,
    CertificateSequence,
    Enrollment,
    EnrollmentStatus,
    ReportStatus,
    TrainingCompetency,
)
from training.rules import OutsideScope, TrainingError

logger = logging.getLogger(__name__)

#: Bytes of randomness in a verification code (token_urlsafe: 43 characters).
CODE_BYTES = 32
#: The sweep leaves a fresh certificate to the task queued at its commit this long.
SWEEP_GRACE = dt.timedelta(minutes=2)
SWEEP_CHUNK = 200


class CertificateError(TrainingError):
    pass


@dataclass(frozen=True)
class Snapshot:
    """What a certificate states, taken when it is issued."""

    holder: User
    title: str
    started_on: dt.date
    ended_on: dt.date
    mode: str
    jp: Decimal
    competencies: str
    issuer: str


def format_number(*, year: int, sequence: int) -> str:
    return settings.CERTIFICATE_NUMBER_PATTERN.format(year=year, seq=sequence)


def _reserve_numbers(year: int, count: int) -> range:
    """`count` consecutive numbers of the year. The upsert takes the year's counter row lock
    until commit, so concurrent issues queue and a rollback gives the numbers back: no gaps."""
    table = CertificateSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" ("year", "last") VALUES (%s, %s) '  # noqa: S608 (model name)
            f'ON CONFLICT ("year") DO UPDATE SET "last" = "{table}"."last" + EXCLUDED."last" '
            'RETURNING "last"',
            [year, count],
        )
        row = cursor.fetchone()
    assert row is not None
    last = int(row[0])
    return range(last - count + 1, last + 1)


def _competencies_by_training(training_ids: set[int]) -> dict[int, str]:
    """ "Integritas (level 3), …" per training: one query for all of them."""
    texts: dict[int, list[str]] = {}
    links = (
        TrainingCompetency.objects.filter(training_id__in=training_ids)
        .select_related("competency")
        .order_by("training_id", "competency__sort_order", "competency__code")
    )
    for link in links:
        texts.setdefault(link.training_id, []).append(
            f"{link.competency.name} (level {link.level})"
        )
    return {pk: ", ".join(parts) for pk, parts in texts.items()}


def _snapshot_of(enrollment: Enrollment, competencies: str) -> Snapshot:
    training = enrollment.training
    organiser = training.organizer_unit
    return Snapshot(
        holder=enrollment.employee,
        title=training.title,
        started_on=timezone.localtime(training.start_at).date(),
        ended_on=timezone.localtime(training.end_at).date(),
        mode=str(training.get_mode_display()),
        jp=training.jp,
        competencies=competencies,
        issuer=organiser.name if organiser is not None else settings.CERTIFICATE_ISSUER,
    )


def _insert(
    sources: Sequence[tuple[Mapping[str, object], Snapshot]],
    *,
    by: User | None,
    replaces: Certificate | None = None,
) -> list[Certificate]:
    """Numbers and inserts certificates for (source fields, snapshot) pairs: the year's counter
    and one insert whatever their number; a render task per certificate after commit."""
    if not sources:
        return []
    now = timezone.now()
    year = timezone.localtime(now).year
    numbers = _reserve_numbers(year, len(sources))
    fresh = []
    for (source, snapshot), sequence in zip(sources, numbers, strict=True):
        holder = snapshot.holder
        fresh.append(
            Certificate(
                **source,
                number=format_number(year=year, sequence=sequence),
                year=year,
                sequence=sequence,
                code=secrets.token_urlsafe(CODE_BYTES),
                holder=holder,
                holder_name=holder.full_name or holder.email,
                holder_nip=holder.nip or "",
                title=snapshot.title[:300],
                started_on=snapshot.started_on,
                ended_on=max(snapshot.ended_on, snapshot.started_on),
                mode=snapshot.mode[:60],
                jp=snapshot.jp,
                competencies=snapshot.competencies,
                issuer=snapshot.issuer[:255],
                signer_name=settings.CERTIFICATE_SIGNER_NAME,
                signer_position=settings.CERTIFICATE_SIGNER_POSITION,
                issued_at=now,
                issued_by=by,
                replaces=replaces,
            )
        )
    created = Certificate.objects.bulk_create(fresh)
    from training import tasks  # tasks import the services: imported at call time

    for certificate in created:
        queue_after_commit(tasks.render_certificate_task, certificate_id=certificate.pk)
    return created


def _issue_for(
    enrollment_ids: Sequence[int], *, by: User | None, replaces: Certificate | None = None
) -> list[Certificate]:
    """Certificates for these enrolments (locked by the caller), from their current data: three
    queries and one insert whatever their number; a render task per certificate after commit."""
    if not enrollment_ids:
        return []
    enrollments = list(
        Enrollment.objects.select_related("training__organizer_unit", "employee")
        .filter(pk__in=enrollment_ids)
        .order_by("pk")
    )
    competencies = _competencies_by_training({e.training_id for e in enrollments})
    with translation.override(settings.LANGUAGE_CODE):  # an Indonesian document
        sources = [
            (
                {"enrollment": enrollment},
                _snapshot_of(enrollment, competencies.get(enrollment.training_id, "")),
            )
            for enrollment in enrollments
        ]
    return _insert(sources, by=by, replaces=replaces)


def _snapshot_of_report(report: ActivityReport) -> Snapshot:
    """An approved activity: its title, type (printed where a training's mode is), dates, the JP
    its approval credited and the competencies it developed; the agency as issuer."""
    competencies = ", ".join(
        competency.name
        for competency in report.competencies.order_by("sort_order", "code").only("name")
    )
    return Snapshot(
        holder=report.employee,
        title=report.title,
        started_on=report.started_on,
        ended_on=report.ended_on,
        mode=str(report.get_kind_display()),
        jp=report.jp or Decimal("0"),
        competencies=competencies,
        issuer=settings.CERTIFICATE_ISSUER,
    )


def _issue_for_reports(
    reports: Sequence[ActivityReport], *, by: User | None, replaces: Certificate | None = None
) -> list[Certificate]:
    with translation.override(settings.LANGUAGE_CODE):  # an Indonesian document
        sources = [({"activity_report": r}, _snapshot_of_report(r)) for r in reports]
    return _insert(sources, by=by, replaces=replaces)


def issue_for_report(*, report: ActivityReport, by: User | None) -> Certificate | None:
    """The certificate of an approved activity report, when settings.CERTIFICATES_FOR_ACTIVITIES
    is on and the report never had one (a certificate HR revoked on purpose is not issued again).
    The caller (activities.approve_report) holds the report's row lock inside its transaction,
    so "is there one already?" cannot race; the partial unique constraint backs it up.
    Side effects: a certificate row, the year's counter; a render task after commit."""
    if not settings.CERTIFICATES_FOR_ACTIVITIES or report.status != ReportStatus.APPROVED:
        return None
    if Certificate.objects.filter(activity_report=report).exists():
        return None
    return _issue_for_reports([report], by=by)[0]


def issue_for_completions(
    *, newly_completed: Sequence[Enrollment], confirmed: Sequence[Enrollment], by: User | None
) -> list[Certificate]:
    """Issues the certificates of completions being recorded. The caller (mark_attendance) holds
    the enrolment rows' locks inside its transaction, so "is there one already?" cannot race.

    A newly completed enrolment gets a certificate unless one is valid; a completion confirmed
    again gets one only if it never had any (a completion from before certificates existed), so
    that a certificate HR revoked on purpose is not issued again behind their back.
    Side effects: certificate rows (one insert), the year's counter; render tasks after commit.
    """
    wanted = [*newly_completed, *confirmed]
    if not wanted:
        return []
    existing = Certificate.objects.filter(enrollment__in=[e.pk for e in wanted]).values_list(
        "enrollment_id", "revoked_at"
    )
    any_certificate = {enrollment_id for enrollment_id, _revoked in existing}
    valid = {enrollment_id for enrollment_id, revoked in existing if revoked is None}
    due = {e.pk for e in newly_completed if e.pk not in valid}
    due |= {e.pk for e in confirmed if e.pk not in any_certificate}
    return _issue_for(sorted(due), by=by)


def revoke_for_withdrawn(*, enrollments: Sequence[Enrollment], by: User | None) -> int:
    """A completion corrected to "absent": its valid certificate is revoked (logged)."""
    if not enrollments:
        return 0
    count = 0
    for certificate in Certificate.objects.select_for_update().filter(
        enrollment__in=[e.pk for e in enrollments], revoked_at__isnull=True
    ):
        _revoke(certificate, by=by, reason=_("Kehadiran dikoreksi menjadi tidak hadir."))
        count += 1
    return count


def _revoke(certificate: Certificate, *, by: User | None, reason: str) -> None:
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = by
    certificate.revoked_reason = reason[:300]
    certificate.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
    logger.info(
        "certificate %s revoked by %s: %s",
        certificate.number,
        by.pk if by is not None else None,
        certificate.revoked_reason,
    )


def _require_scope(certificate: Certificate, by: User) -> None:
    holder = User.objects.select_related("unit").get(pk=certificate.holder_id)
    if not people_selectors.can_manage_employee(admin=by, employee=holder):
        raise OutsideScope


@transaction.atomic
def revoke_certificate(*, certificate: Certificate, by: User, reason: str) -> Certificate:
    """Revokes a valid certificate with a reason (kept on the row, shown on the public page).
    Side effects: locks the row. Raises CertificateError when already revoked or no reason,
    OutsideScope when `by` does not manage the holder."""
    reason = reason.strip()
    if not reason:
        raise CertificateError(_("Alasan pencabutan wajib diisi."))
    _require_scope(certificate, by)
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if locked.revoked_at is not None:
        raise CertificateError(
            _("Sertifikat %(number)s sudah dicabut.") % {"number": locked.number}
        )
    _revoke(locked, by=by, reason=reason)
    return locked


@transaction.atomic
def reissue_certificate(*, certificate: Certificate, by: User, reason: str) -> Certificate:
    """After a correction (a name, the training's or the report's data): revokes the certificate
    with `reason` and issues a new one (new number and code) from its source as it is now, which
    `replaces` the old. Side effects: locks the source (enrolment or activity report) and the
    certificate; a render task. Raises CertificateError if the enrolment is no longer completed
    (the report no longer approved), OutsideScope when `by` does not manage the holder."""
    reason = reason.strip()
    if not reason:
        raise CertificateError(_("Alasan penerbitan ulang wajib diisi."))
    if certificate.activity_report_id is not None:
        return _reissue_for_report(
            certificate, report_id=certificate.activity_report_id, by=by, reason=reason
        )
    if certificate.enrollment_id is None:
        raise CertificateError(_("Sertifikat ini tidak berasal dari pelatihan."))
    _require_scope(certificate, by)
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("training__organizer_unit", "employee")
        .get(pk=certificate.enrollment_id)
    )
    if enrollment.status != EnrollmentStatus.COMPLETED:
        raise CertificateError(_("Pelatihan ini tidak lagi tercatat selesai."))
    old = _replaced(
        certificate,
        by=by,
        reason=reason,
        source={"enrollment": enrollment},
        held=_("Pelatihan ini sudah memiliki sertifikat yang berlaku."),
    )
    return _issue_for([enrollment.pk], by=by, replaces=old)[0]


def _reissue_for_report(
    certificate: Certificate, *, report_id: int, by: User, reason: str
) -> Certificate:
    """reissue_certificate() for an activity's certificate (inside its transaction)."""
    _require_scope(certificate, by)
    report = (
        ActivityReport.objects.select_for_update(of=("self",))
        .select_related("employee")
        .get(pk=report_id)
    )
    if report.status != ReportStatus.APPROVED:
        raise CertificateError(_("Laporan kegiatan ini tidak lagi tercatat disetujui."))
    old = _replaced(
        certificate,
        by=by,
        reason=reason,
        source={"activity_report": report},
        held=_("Laporan kegiatan ini sudah memiliki sertifikat yang berlaku."),
    )
    return _issue_for_reports([report], by=by, replaces=old)[0]


def _replaced(
    certificate: Certificate, *, by: User, reason: str, source: dict[str, Any], held: str
) -> Certificate:
    """The certificate a reissue replaces, locked and revoked now if it was still valid; if it
    was revoked already, refused (`held`) while its source holds another valid one."""
    old = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if old.revoked_at is None:
        _revoke(old, by=by, reason=reason)
    elif Certificate.objects.filter(**source, revoked_at__isnull=True).exists():
        raise CertificateError(held)
    return old


def ensure_pdf(*, certificate_id: int) -> Certificate:
    """The certificate with its PDF rendered and stored (rendered now if missing). Renders
    outside any lock, then stores under the row lock unless someone stored one meanwhile."""
    from training.certificate_pdf import render_pdf

    certificate = Certificate.objects.get(pk=certificate_id)
    if certificate.file:
        return certificate
    content = render_pdf(certificate, url=certificate.verification_url)
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate_id)
        if locked.file:
            return locked
        # Under the field's upload_to ("certificates/"): certificates/<year>/<id>-<random>.pdf
        name = f"{locked.year}/{locked.pk}-{secrets.token_hex(8)}.pdf"
        locked.file.save(name, ContentFile(content), save=False)
        locked.save(update_fields=["file"])
    return locked


def issue_missing(*, employee_ids: Iterable[int] | None = None, limit: int = SWEEP_CHUNK) -> int:
    """Issues certificates for completed enrolments that never had one (completions recorded
    before certificates existed, or by another door) and, with
    settings.CERTIFICATES_FOR_ACTIVITIES on, for approved activity reports that never had one
    (approved before the setting was turned on): at most `limit` of each. Each in its own
    transaction under its source's row lock. Returns how many were issued."""
    employee_ids = list(employee_ids) if employee_ids is not None else None
    issued = _issue_each(
        Enrollment.objects.filter(status=EnrollmentStatus.COMPLETED, certificates__isnull=True),
        employee_ids=employee_ids,
        limit=limit,
        issue=_issue_missing_for_enrollment,
    )
    if settings.CERTIFICATES_FOR_ACTIVITIES:
        issued += _issue_each(
            ActivityReport.objects.filter(status=ReportStatus.APPROVED, certificates__isnull=True),
            employee_ids=employee_ids,
            limit=limit,
            issue=_issue_missing_for_report,
        )
    return issued


def _issue_each(
    todo: QuerySet[Any], *, employee_ids: list[int] | None, limit: int, issue: Callable[[int], int]
) -> int:
    """The first `limit` sources of `todo` (of `employee_ids` only, when given) by id, each in
    its own transaction: `issue(pk)` locks the source and returns how many it issued."""
    if employee_ids is not None:
        todo = todo.filter(employee_id__in=employee_ids)
    issued = 0
    for pk in list(todo.order_by("pk").values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            issued += issue(pk)
    return issued


def _issue_missing_for_enrollment(pk: int) -> int:
    row = (
        Enrollment.objects.select_for_update(of=("self",))
        .filter(pk=pk, status=EnrollmentStatus.COMPLETED)
        .first()
    )
    if row is None:
        return 0
    return len(issue_for_completions(newly_completed=[], confirmed=[row], by=None))


def _issue_missing_for_report(pk: int) -> int:
    report = (
        ActivityReport.objects.select_for_update(of=("self",))
        .select_related("employee")
        .filter(pk=pk)
        .first()
    )
    return int(report is not None and issue_for_report(report=report, by=None) is not None)


def certificates_without_pdf(*, now: dt.datetime | None = None) -> list[int]:
    """Ids of certificates whose PDF is still missing past the grace period (for the sweep)."""
    cutoff = (now or timezone.now()) - SWEEP_GRACE
    return list(
        Certificate.objects.filter(file="", issued_at__lt=cutoff)
        .order_by("issued_at")
        .values_list("pk", flat=True)[:SWEEP_CHUNK]
    )
