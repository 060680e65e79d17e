"""The learning-log pages: my reports (/trainings/activities/), filing and editing one, its
evidence file (after a permission check, never a public URL), and the supervisor's queue
(/team/approvals/) with "Setujui" and "Kembalikan" per report.

Reads and writes go through training.activities (re-exported by selectors and services).
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from rumahbelajar.people.models import User
from rumahbelajar.uploads import private_file_response
from training import activities, selectors, services
from training.activity_forms import ActivityReportForm, DecisionForm
from training.models import ActivityReport, RegistrationRequest

DRAFT = "draft"


def _viewer(request: HttpRequest) -> User:
    return cast(User, request.user)  # LoginRequiredMiddleware: always a logged-in person


def _report_or_404(request: HttpRequest, pk: int) -> ActivityReport:
    try:
        return activities.report_for(pk=pk, user=_viewer(request))
    except ActivityReport.DoesNotExist as missing:
        raise Http404 from missing


@require_safe
def activity_list(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    reports = list(activities.reports_of(employee=viewer))
    # An approved report's valid certificate (settings.CERTIFICATES_FOR_ACTIVITIES): one query.
    certificates = (
        selectors.valid_certificates_by_report(employee=viewer)
        if any(report.is_approved for report in reports)
        else {}
    )
    for report in reports:
        report.certificate = certificates.get(report.pk)  # type: ignore[attr-defined]
    return render(request, "training/activity_list.html", {"reports": reports})


def _save(
    request: HttpRequest, form: ActivityReportForm, report: ActivityReport | None
) -> HttpResponse | None:
    """Saves a valid form through the service; None (with a form error) when it refuses."""
    submit = request.POST.get("action") != DRAFT
    try:
        saved = activities.save_report(
            employee=_viewer(request),
            report=report,
            values=form.report_values(),
            competencies=form.cleaned_data["competencies"],
            evidence=form.cleaned_data.get("evidence"),
            show_as_review=form.cleaned_data.get("show_as_review", False),
            submit=submit,
        )
    except activities.ReportError as refused:
        field = "evidence" if form.cleaned_data.get("evidence") else None
        form.add_error(field, str(refused))
        return None
    if submit:
        messages.success(request, _("Laporan diajukan kepada %(name)s.") % {"name": saved.approver})
    else:
        messages.success(request, _("Draf laporan disimpan."))
    return redirect("training:activity-list")


@require_http_methods(["GET", "HEAD", "POST"])
def activity_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ActivityReportForm(request.POST, request.FILES)
        if form.is_valid() and (done := _save(request, form, None)) is not None:
            return done
        status = 400
    else:
        initial = {"ebook": request.GET.get("ebook", "")}
        if initial["ebook"]:
            initial["kind"] = "self_study"
        form = ActivityReportForm(initial=initial)
        status = 200
    chosen = _chosen_ebook(form)
    context = {"form": form, "report": None, "ebook": chosen}
    return render(request, "training/activity_form.html", context, status=status)


def _chosen_ebook(form: ActivityReportForm) -> object | None:
    """The catalogue book the form names (prefilled or posted), for its title; None if none or
    not a published book."""
    raw = form["ebook"].value()
    if not raw:
        return None
    queryset = form.fields["ebook"].queryset  # type: ignore[attr-defined]
    return queryset.filter(pk=raw).only("pk", "title").first() if str(raw).isdigit() else None


@require_http_methods(["GET", "HEAD", "POST"])
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    mine = report.employee_id == _viewer(request).pk
    form = None
    status = 200
    if mine and report.is_editable:
        if request.method == "POST":
            form = ActivityReportForm(request.POST, request.FILES, instance=report)
            if form.is_valid() and (done := _save(request, form, report)) is not None:
                return done
            status = 400
        else:
            form = ActivityReportForm(instance=report)
    elif request.method == "POST":
        messages.error(request, str(activities.ReportLocked()))
        return redirect("training:activity-detail", pk=report.pk)
    certificate = None
    if mine and report.is_approved:
        certificate = selectors.valid_certificates_by_report(
            employee=report.employee, report_ids=[report.pk]
        ).get(report.pk)
    context = {
        "form": form,
        "report": report,
        "mine": mine,
        "certificate": certificate,
        "ebook": report.ebook,
        "competencies": list(report.competencies.all()),
    }
    return render(request, "training/activity_form.html", context, status=status)


@require_safe
def activity_evidence(request: HttpRequest, pk: int) -> HttpResponseBase:
    report = _report_or_404(request, pk)
    if not report.evidence:
        raise Http404
    return private_file_response(
        report.evidence, kind=report.evidence_type, name=f"bukti-laporan-{report.pk}"
    )


@require_POST
def review_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    report = ActivityReport.objects.filter(pk=pk).first()
    if report is None or not report.is_review:
        raise Http404
    try:
        activities.withdraw_review(report=report, by=_viewer(request))
    except activities.ReportError:
        raise Http404 from None
    messages.success(request, _("Ulasan ditarik dari halaman e-book."))
    if report.employee_id == _viewer(request).pk:
        return redirect("training:activity-detail", pk=report.pk)
    return redirect(f"/ebooks/{report.ebook_id}/" if report.ebook_id else "/ebooks/")


# --- the supervisor's queue ----------------------------------------------------------------------


def _render_approvals(
    request: HttpRequest,
    *,
    errors: dict[int, str] | None = None,
    request_errors: dict[int, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The reports and the registration requests waiting for the viewer, each with its form
    (and the error of a refused decision under it)."""
    waiting = list(activities.reports_waiting_for(user=_viewer(request)))
    errors, request_errors = errors or {}, request_errors or {}
    items = [(report, errors.get(report.pk, "")) for report in waiting]
    requests = [
        (item, request_errors.get(item.pk, ""))
        for item in selectors.requests_waiting_for(user=_viewer(request))
    ]
    context = {"items": items, "requests": requests}
    return render(request, "training/approval_list.html", context, status=status)


@require_safe
def approval_list(request: HttpRequest) -> HttpResponse:
    return _render_approvals(request)


@require_POST
def approval_decide(request: HttpRequest, pk: int) -> HttpResponse:
    report = ActivityReport.objects.select_related("employee__unit").filter(pk=pk).first()
    if report is None or not activities.may_decide(user=_viewer(request), report=report):
        raise Http404
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _render_approvals(
            request,
            errors={report.pk: " ".join(str(e) for e in form.errors["comment"])},
            status=400,
        )
    comment = form.cleaned_data["comment"]
    try:
        if request.POST.get("decision") == "return":
            activities.return_report(report=report, by=_viewer(request), comment=comment)
            messages.success(
                request, _("Laporan “%(title)s” dikembalikan.") % {"title": report.title}
            )
        else:
            activities.approve_report(report=report, by=_viewer(request))
            messages.success(request, _("Laporan “%(title)s” disetujui.") % {"title": report.title})
    except activities.CommentRequired as missing:
        return _render_approvals(request, errors={report.pk: str(missing)}, status=400)
    except activities.ReportError as refused:
        messages.error(request, str(refused))
    return redirect("team:approval-list")


@require_POST
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Setujui" registers (or waitlists) the employee through the registration service;
    "Kembalikan" needs a reason. Only the supervisor the request waits for: 404 for anyone else."""
    item = RegistrationRequest.objects.select_related("training").filter(pk=pk).first()
    if item is None or not services.may_decide_request(user=_viewer(request), request=item):
        raise Http404
    form = DecisionForm(request.POST)
    if not form.is_valid():
        error = " ".join(str(e) for e in form.errors["comment"])
        return _render_approvals(request, request_errors={item.pk: error}, status=400)
    title = item.training.title
    try:
        if request.POST.get("decision") == "return":
            services.return_registration_request(
                request=item, by=_viewer(request), reason=form.cleaned_data["comment"]
            )
            messages.success(request, _("Permintaan “%(title)s” dikembalikan.") % {"title": title})
        else:
            decided = services.approve_registration_request(request=item, by=_viewer(request))
            messages.success(request, _approved_message(decided))
    except services.ReasonRequired as missing:
        return _render_approvals(request, request_errors={item.pk: str(missing)}, status=400)
    except services.TrainingError as refused:
        messages.error(request, str(refused))
    return redirect("team:approval-list")


def _approved_message(decided: RegistrationRequest) -> str:
    values = {"title": decided.training.title, "name": decided.employee.full_name}
    enrollment = decided.enrollment
    if enrollment is not None and enrollment.is_waitlisted:
        return (
            _("Permintaan disetujui, tetapi “%(title)s” sudah penuh: %(name)s masuk daftar tunggu.")
            % values
        )
    return _("Permintaan disetujui: %(name)s terdaftar pada “%(title)s”.") % values
