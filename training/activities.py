"""The learning log: an employee reports a development activity; their supervisor approves it
(JP credited once) or returns it with a comment. Rules, reads and writes in one module; the
writes are re-exported by training.services, the reads by training.selectors.

Lifecycle: draft → submitted → returned → resubmitted → approved. A submitted report is locked
for its author; a returned one may be edited and submitted again. The approver is resolved at
each submission (people.selectors.supervisor_of) and stored, so "what waits for me" is one index
range. Deciding locks the report row; the ledger line's unique `source_report` makes a second
approval (a double click, two deciders at once) credit nothing more. With
settings.CERTIFICATES_FOR_ACTIVITIES on, the approval also issues the report's certificate
(training.certificates), in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Q, QuerySet, Sum, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications import services as notification_services
from rumahbelajar.people import selectors as people_selectors
from rumahbelajar.people.models import Unit, User
from rumahbelajar.sqlrows import cache_related, columns, fetch, take
from rumahbelajar.uploads import UploadRefused, check_evidence
from training import certificates
from training.models import (
    EDITABLE_STATUSES,
    PENDING_STATUSES,
    ActivityReport,
    ConversionUnit,
    JpConversion,
    LearningRecord,
    ReportStatus,
)
from training.rules import TrainingError

#: The fields a report's form writes (docs/contract.md fixes their names).
REPORT_FIELDS = ("kind", "title", "started_on", "ended_on", "minutes", "summary", "impact", "ebook")


class ReportError(TrainingError):
    default_message = gettext_lazy("Laporan kegiatan tidak dapat diproses.")


class ReportLocked(ReportError):
    default_message = gettext_lazy("Laporan yang sudah diajukan atau disetujui tidak dapat diubah.")


class NoApprover(ReportError):
    default_message = gettext_lazy(
        "Atasan langsung Anda belum tercatat; hubungi pengelola SDM unit Anda."
    )


class NotAllowedToDecide(ReportError):
    default_message = gettext_lazy("Anda tidak berwenang memutuskan laporan ini.")


class NotPending(ReportError):
    default_message = gettext_lazy("Laporan ini tidak sedang menunggu persetujuan.")


class CommentRequired(ReportError):
    default_message = gettext_lazy("Tuliskan catatan agar pegawai tahu apa yang perlu diperbaiki.")


# --- rules ------------------------------------------------------------------------------------


def may_decide(*, user: User, report: ActivityReport) -> bool:
    """Whether `user` may approve or return `report`: never its author; its approver; an HR admin
    of the author's units (with the admin's change permission); a superuser."""
    if not user.is_authenticated or user.pk == report.employee_id:
        return False
    if user.is_superuser or user.pk == report.approver_id:
        return True
    return (
        user.is_staff
        and user.has_perm("training.change_activityreport")
        and people_selectors.can_manage_employee(admin=user, employee=report.employee)
    )


def may_view(*, user: User, report: ActivityReport) -> bool:
    """The author, whoever may decide it, and HR of the author's units (its evidence too)."""
    return user.pk == report.employee_id or may_decide(user=user, report=report)


# --- JP ------------------------------------------------------------------------------------------


def conversion_for(*, activity_type: str, on: dt.date) -> JpConversion | None:
    """The agency's conversion in force on `on` for this activity, or None."""
    return (
        JpConversion.objects.filter(activity_type=activity_type, valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .order_by("-valid_from")
        .first()
    )


def _quantity(report: ActivityReport, unit: str) -> Decimal:
    """How many of the conversion's units the report holds: hours from its minutes, days from its
    dates; a session or an activity is one report."""
    if unit == ConversionUnit.HOUR:
        return Decimal(report.minutes) / Decimal(60)
    if unit == ConversionUnit.DAY:
        return Decimal((report.ended_on - report.started_on).days + 1)
    return Decimal(1)


def jp_for_report(*, report: ActivityReport) -> Decimal:
    """The JP an approval credits: quantity * rate, capped per record and by what is left of the
    yearly cap for this activity in the author's ledger (0 when nothing is left or no rate is in
    force). One or two queries."""
    conversion = conversion_for(activity_type=report.kind, on=report.ended_on)
    if conversion is None:
        return Decimal("0")
    jp = _quantity(report, conversion.unit) * conversion.jp_per_unit
    jp = jp.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if conversion.max_jp_per_record is not None:
        jp = min(jp, conversion.max_jp_per_record)
    if conversion.max_jp_per_year is not None:
        used = LearningRecord.objects.filter(
            employee_id=report.employee_id,
            year=report.ended_on.year,
            activity_type=report.kind,
        ).aggregate(total=Sum("jp"))["total"] or Decimal("0")
        jp = min(jp, max(conversion.max_jp_per_year - used, Decimal("0")))
    return jp


# --- reads ---------------------------------------------------------------------------------------


def reports_of(*, employee: User) -> QuerySet[ActivityReport]:
    """One person's reports, newest first (the list shows status and JP)."""
    return ActivityReport.objects.filter(employee=employee).order_by("-created_at", "-id")


def reports_waiting_for(*, user: User) -> list[ActivityReport]:
    """The reports waiting for `user` as their approver, oldest first, with author, unit and book
    loaded (one query, written once per process: every supervisor's queue page asks, most often
    for nothing) and their competencies (one more when there are any)."""
    db, rows = fetch(
        ActivityReport, _waiting_reports_sql(), [user.pk, [str(s) for s in PENDING_STATUSES]]
    )
    ebook_model = ActivityReport._meta.get_field("ebook").related_model
    waiting = []
    for row in rows:
        report, at = take(ActivityReport, db, row, 0)
        employee, at = take(User, db, row, at)
        unit, at = take(Unit, db, row, at)
        ebook, _ = take(ebook_model, db, row, at)  # type: ignore[arg-type]
        assert report is not None
        assert employee is not None
        cache_related(employee, "unit", unit)
        cache_related(report, "employee", employee)
        cache_related(report, "ebook", ebook)
        waiting.append(report)
    prefetch_related_objects(waiting, "competencies")
    return waiting


@cache
def _waiting_reports_sql() -> str:
    ebook_model = ActivityReport._meta.get_field("ebook").related_model
    reports, users = ActivityReport._meta.db_table, User._meta.db_table
    units, ebooks = Unit._meta.db_table, ebook_model._meta.db_table  # type: ignore[union-attr]
    return (
        f"SELECT {columns(ActivityReport, 'r')}, {columns(User, 'e')}, "  # noqa: S608 (names from the models)
        f"{columns(Unit, 'u')}, {columns(ebook_model, 'b')} "  # type: ignore[arg-type]
        f'FROM "{reports}" r JOIN "{users}" e ON e."id" = r."employee_id" '
        f'LEFT JOIN "{units}" u ON u."id" = e."unit_id" '
        f'LEFT JOIN "{ebooks}" b ON b."id" = r."ebook_id" '
        'WHERE r."approver_id" = %s AND r."status" = ANY(%s) ORDER BY r."submitted_at", r."id"'
    )


def report_for(*, pk: Any, user: User) -> ActivityReport:
    """A report `user` may see; DoesNotExist otherwise (views answer 404, never telling apart
    "not yours" from "none")."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise ActivityReport.DoesNotExist from None
    report = ActivityReport.objects.select_related("employee__unit", "ebook", "approver").get(pk=pk)
    if not may_view(user=user, report=report):
        raise ActivityReport.DoesNotExist
    return report


@dataclass(frozen=True)
class Review:
    """A reader's review of a book: an approved report whose author chose to show it."""

    report_id: int
    author_id: int
    name: str
    unit: str
    text: str
    date: dt.date


def reviews_for_ebook(*, ebook_id: int, limit: int = 20) -> list[Review]:
    """The book's reviews, newest first. One indexed query, written once per process (every
    book page asks, most often for none)."""
    with connection.cursor() as cursor:
        cursor.execute(_reviews_sql(), [ebook_id, limit])
        rows = cursor.fetchall()
    return [
        Review(pk, author, name, unit or "", text, timezone.localtime(decided).date())
        for pk, author, name, unit, text, decided in rows
    ]


@cache
def _reviews_sql() -> str:
    reports, users, units = ActivityReport._meta.db_table, User._meta.db_table, Unit._meta.db_table
    return (
        'SELECT r."id", r."employee_id", e."full_name", u."name", r."summary", r."decided_at" '  # noqa: S608 (names from the models)
        f'FROM "{reports}" r JOIN "{users}" e ON e."id" = r."employee_id" '
        f'LEFT JOIN "{units}" u ON u."id" = e."unit_id" '
        # The status written in, not a parameter: a prepared statement's generic plan can use
        # the partial index training_report_reviews only when the query states its condition.
        f'WHERE r."ebook_id" = %s AND r."status" = \'{ReportStatus.APPROVED.value}\' '
        'AND r."show_as_review" '
        'AND r."review_withdrawn_at" IS NULL '
        'ORDER BY r."decided_at" DESC, r."id" DESC LIMIT %s'
    )


# --- writes --------------------------------------------------------------------------------------


@transaction.atomic
def save_report(
    *,
    employee: User,
    values: dict[str, Any],
    competencies: Iterable[Any],
    submit: bool,
    report: ActivityReport | None = None,
    evidence: UploadedFile | None = None,
    show_as_review: bool = False,
) -> ActivityReport:
    """Creates or changes `employee`'s report from the form's values; `submit` sends it to the
    supervisor (resolved now), otherwise it stays a draft (a returned one stays returned).

    Side effects: locks an existing report's row; stores the evidence file (judged by content);
    after commit, notifies the approver (notifications). Raises ReportLocked (not the author's to
    change any more), NoApprover (nobody to send it to), ReportError (evidence refused).
    """
    now = timezone.now()
    if report is None:
        report = ActivityReport(employee=employee, created_at=now)
    else:
        report = ActivityReport.objects.select_for_update().get(pk=report.pk)
        if report.employee_id != employee.pk or report.status not in EDITABLE_STATUSES:
            raise ReportLocked()
    for name in REPORT_FIELDS:
        setattr(report, name, values.get(name))
    report.show_as_review = bool(show_as_review and report.ebook_id)
    if evidence is not None:
        try:
            report.evidence_type = check_evidence(evidence)
        except UploadRefused as refused:
            raise ReportError(str(refused)) from refused
        report.evidence.save(evidence.name or "bukti", evidence, save=False)
    was_returned = report.status == ReportStatus.RETURNED
    if submit:
        approver = people_selectors.supervisor_of(employee=employee)
        if approver is None:
            raise NoApprover()
        report.approver = approver
        report.status = ReportStatus.RESUBMITTED if was_returned else ReportStatus.SUBMITTED
        report.submitted_at = now
    report.full_clean(exclude=["competencies", "evidence"])
    report.save()
    report.competencies.set(list(competencies))
    if submit:
        _notify_on_commit("report_waiting", report)
    return report


def _lock(report: ActivityReport) -> ActivityReport:
    return (
        ActivityReport.objects.select_for_update(of=("self",))
        .select_related("employee__unit")
        .get(pk=report.pk)
    )


@transaction.atomic
def approve_report(*, report: ActivityReport, by: User) -> ActivityReport:
    """Approves a waiting report and credits its JP to the author's ledger for the year it
    ended, exactly once.

    Side effects: locks the report row; writes one ledger line (none when the conversion gives
    0 JP); issues its certificate when settings.CERTIFICATES_FOR_ACTIVITIES is on
    (training.certificates.issue_for_report); notifies the author after commit. Approving an
    approved report returns it unchanged (a double click). Raises NotAllowedToDecide, NotPending.
    """
    report = _lock(report)
    if not may_decide(user=by, report=report):
        raise NotAllowedToDecide()
    if report.status == ReportStatus.APPROVED:
        return report
    if report.status not in PENDING_STATUSES:
        raise NotPending()
    now = timezone.now()
    jp = jp_for_report(report=report)
    if jp > 0:
        LearningRecord.objects.get_or_create(
            source_report=report,
            defaults={
                "employee_id": report.employee_id,
                "year": report.ended_on.year,
                "jp": jp,
                "kind": report.learning_kind,
                "activity_type": report.kind,
                "description": report.title[:300],
                "date": report.ended_on,
                "recorded_by": by,
                "created_at": now,
            },
        )
    report.status = ReportStatus.APPROVED
    report.jp = jp
    report.decided_at, report.decided_by, report.comment = now, by, ""
    report.save(update_fields=["status", "jp", "decided_at", "decided_by", "comment", "updated_at"])
    # With settings.CERTIFICATES_FOR_ACTIVITIES on: its certificate, in this transaction under
    # the report's lock (once per report; the PDF is rendered after commit).
    certificates.issue_for_report(report=report, by=by)
    _notify_on_commit("report_approved", report)
    return report


@transaction.atomic
def return_report(*, report: ActivityReport, by: User, comment: str) -> ActivityReport:
    """Returns a waiting report to its author with a comment (required).

    Side effects: locks the report row; notifies the author after commit. Raises
    NotAllowedToDecide, NotPending, CommentRequired.
    """
    comment = (comment or "").strip()
    report = _lock(report)
    if not may_decide(user=by, report=report):
        raise NotAllowedToDecide()
    if report.status not in PENDING_STATUSES:
        raise NotPending()
    if not comment:
        raise CommentRequired()
    report.status = ReportStatus.RETURNED
    report.decided_at, report.decided_by, report.comment = timezone.now(), by, comment[:2000]
    report.save(update_fields=["status", "decided_at", "decided_by", "comment", "updated_at"])
    _notify_on_commit("report_returned", report)
    return report


@transaction.atomic
def withdraw_review(*, report: ActivityReport, by: User) -> ActivityReport:
    """Takes a review off the book's page: its author or a content admin (who may change
    e-books) may. Side effects: locks the report row. Raises NotAllowedToDecide."""
    report = ActivityReport.objects.select_for_update().get(pk=report.pk)
    if by.pk != report.employee_id and not (by.is_superuser or by.has_perm("ebooks.change_ebook")):
        raise NotAllowedToDecide(_("Anda tidak berwenang menarik ulasan ini."))
    if report.review_withdrawn_at is None:
        report.review_withdrawn_at = timezone.now()
        report.save(update_fields=["review_withdrawn_at", "updated_at"])
    return report


def _notify_on_commit(kind: str, report: ActivityReport) -> None:
    """Records the message of this event in the same transaction; it is emailed once after
    commit (notifications.services.notify)."""
    title = report.title
    if kind == "report_waiting":
        recipient, url = report.approver_id, reverse("team:approval-list")
        text = _("Laporan kegiatan menunggu persetujuan Anda: %(title)s (%(name)s)") % {
            "title": title,
            "name": report.employee.full_name,
        }
        body = report.summary[:500]
        # A resubmission is a new event: the submission time names it.
        key = f"{kind}:{report.pk}:{report.submitted_at:%Y%m%d%H%M%S%f}"
    else:
        recipient = report.employee_id
        url = reverse("training:activity-detail", kwargs={"pk": report.pk})
        if kind == "report_approved":
            text = _("Laporan kegiatan Anda disetujui: %(title)s (%(jp)s JP)") % {
                "title": title,
                "jp": report.jp,
            }
            body = ""
        else:
            text = _("Laporan kegiatan Anda dikembalikan: %(title)s") % {"title": title}
            body = report.comment
        key = f"{kind}:{report.pk}:{report.decided_at:%Y%m%d%H%M%S%f}"
    if recipient is None:
        return
    notification_services.notify(
        recipient_ids=[recipient], kind=kind, title=text, body=body, url=url, key=key
    )
