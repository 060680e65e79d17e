"""The training pages: the catalogue, one training (with the register and cancel forms and its
calendar file), and "my trainings" with this year's JP.

Every page needs a login (LoginRequiredMiddleware). Reads go through training.selectors, writes
through training.services. A refusal (training.rules' TrainingError: window closed, not eligible,
mandated, started, cancelled, ...) becomes a message on the training's page; forms post, then
redirect (POST-redirect-GET). A lock wait that runs out (TrainingBusy) answers 503 with the
training's page and a "try again" message instead: nothing changed, and the form is right there.
htmx requests to the catalogue get the results fragment only (`template#results`).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from competency import selectors as competency_selectors
from rumahbelajar import exports, ratelimit
from rumahbelajar.catalogue_pages import is_fragment_request, page_key
from rumahbelajar.people import selectors as people_selectors
from rumahbelajar.people.models import EmployeeType, User
from training import cache as catalogue_cache
from training import certificate_serving, certificates, selectors, services
from training.forms import JpReportForm, NominationConfirmForm, NominationForm
from training.ics import training_ics
from training.models import (
    Certificate,
    Enrollment,
    EnrollmentStatus,
    Training,
    TrainingKind,
    TrainingMode,
)

PER_PAGE = 12
MONTHS_AHEAD = 12
FILTERS = ("mode", "kind", "competency", "month")
# Retryable database refusals that may escape the service's own lock-timeout handling:
# lock_not_available, deadlock_detected, query_canceled (statement_timeout).
RETRYABLE_SQLSTATES = {"55P03", "40P01", "57014"}
# The database went away (restarted, shutting down, starting up, the connection dropped): the
# write may or may not have committed, and pressing again is safe (the same person registering
# twice is refused as "already registered"). Connection errors carry no SQLSTATE or class 08.
DATABASE_GONE_SQLSTATES = {"57P01", "57P02", "57P03"}
RETRY_AFTER_SECONDS = 2
# htmx re-filters when one of these changes (hx-trigger "change from:.catalogue-filter").
FILTER_SELECT = forms.Select(attrs={"class": "catalogue-filter"})


# --- The catalogue's form -------------------------------------------------------------------------


class CatalogueForm(forms.Form):
    """Search and filters. Never rejects a request: an invalid value (an unknown mode, a month
    like `2025-13`, a NUL byte) is dropped and the catalogue shows everything else."""

    q = forms.CharField(
        label=gettext_lazy("Cari pelatihan"),
        required=False,
        max_length=200,
        widget=forms.SearchInput(
            attrs={
                "placeholder": gettext_lazy("Judul, topik, atau tempat"),
                "autocomplete": "off",
                "enterkeyhint": "search",
            }
        ),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("Moda"),
        required=False,
        choices=[("", gettext_lazy("Semua moda")), *TrainingMode.choices],
        widget=FILTER_SELECT,
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Jenis"),
        required=False,
        choices=[
            ("", gettext_lazy("Semua jenis")),
            (TrainingKind.OPEN, gettext_lazy("Terbuka (daftar mandiri)")),
            (TrainingKind.MANDATED, gettext_lazy("Wajib (ditugaskan)")),
        ],
        widget=FILTER_SELECT,
    )
    competency = forms.ChoiceField(
        label=gettext_lazy("Kompetensi"), required=False, widget=FILTER_SELECT
    )
    month = forms.ChoiceField(label=gettext_lazy("Bulan"), required=False, widget=FILTER_SELECT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        loaded: list[tuple[str, str]] = []

        def competency_choices() -> list[tuple[str, str]]:
            # Only when asked (checking a competency, rendering the filters, which are usually
            # cached); the list itself is shared through the cache (selectors).
            if not loaded:
                loaded.extend(
                    [
                        ("", _("Semua kompetensi")),
                        *(
                            (code, f"{code} {name}")
                            for code, name in selectors.catalogue_competencies()
                        ),
                    ]
                )
            return loaded

        cast(forms.ChoiceField, self.fields["competency"]).choices = competency_choices
        first = timezone.localdate().replace(day=1)
        cast(forms.ChoiceField, self.fields["month"]).choices = _month_choices(
            first, get_language() or ""
        )

    def search_params(self) -> dict[str, str]:
        """Keyword arguments for selectors.published_trainings: the valid values only."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: cleaned.get(name) or "" for name in ("q", *FILTERS)}

    def active_filters(self) -> list[tuple[str, str, str]]:
        """(field name, label, chosen value's label) of every filter in use."""
        params = self.search_params()
        shown = []
        for name in FILTERS:
            if params[name]:
                field = cast(forms.ChoiceField, self.fields[name])
                choices = dict(cast(list[tuple[str, Any]], field.choices))
                shown.append((name, str(field.label), str(choices.get(params[name], params[name]))))
        return shown


@functools.lru_cache(maxsize=16)
def _month_choices(first: dt.date, language: str) -> list[tuple[str, str]]:
    """The month filter's choices from `first` (this month) on, labelled in `language` (the
    active one, which the labels are made in): the same all month, so made once."""
    months = [_add_months(first, n) for n in range(MONTHS_AHEAD)]
    return [("", _("Semua bulan")), *((f"{m:%Y-%m}", date_format(m, "F Y")) for m in months)]


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    return day.replace(year=day.year + index // 12, month=index % 12 + 1)


def _query(params: dict[str, str], *, without: str | None = None) -> str:
    return urlencode({k: v for k, v in params.items() if v and k != without})


@dataclass(frozen=True)
class Card:
    """A training in the catalogue with its registration state (Training.registration_state)."""

    training: Training
    state: str


def _viewer(request: HttpRequest) -> User:
    return cast(User, request.user)  # LoginRequiredMiddleware: always a logged-in person


# --- Pages ----------------------------------------------------------------------------------------


@require_safe
def training_list(request: HttpRequest) -> HttpResponse:
    form = CatalogueForm(request.GET)
    params = form.search_params()
    fragments = _catalogue_fragments(request, form, params)
    context = {
        "form": form,
        "params": params,
        "filters_html": fragments["filters"],
        "results_html": fragments["results"]["html"],
        "result_count": fragments["results"]["count"],
        "htmx": is_fragment_request(request),
    }
    template = "training/training_list.html" + ("#results" if context["htmx"] else "")
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _catalogue_fragments(
    request: HttpRequest, form: CatalogueForm, params: dict[str, str]
) -> dict[str, Any]:
    """The catalogue's shared parts, from the cache in one round trip when this version,
    language and selection were rendered before and nothing has changed by time since:
    `results` (the list's head, cards with the seats left and pagination: {"html", "count"})
    and `filters` (the <select>s with their options and the selected ones)."""
    stamp = catalogue_cache.version()
    keys = {}
    if stamp is not None:
        selected = {name: params[name] for name in FILTERS}
        page_wanted = page_key(request.GET.get("page"))
        keys = {
            "results": catalogue_cache.key("results", stamp, params=params, page=page_wanted),
            "filters": catalogue_cache.key("filters", stamp, selected=selected),
        }
    found = catalogue_cache.get_many(list(keys.values()))
    fragments = {name: found[k] for name, k in keys.items() if k in found}
    missing = [name for name in ("results", "filters") if name not in fragments]
    if missing:
        now = timezone.now()
        until = selectors.next_catalogue_change(now=now)
        if "results" in missing:
            fragments["results"] = _render_results(request, form, params, now)
        if "filters" in missing:
            fragments["filters"] = render_to_string(
                "training/training_list.html#filters", {"form": form}, request
            )
        catalogue_cache.set_many({keys[name]: (fragments[name], until) for name in missing if keys})
    # Our own templates rendered these (escaped there).
    fragments["filters"] = mark_safe(fragments["filters"])  # noqa: S308
    fragments["results"] = {**fragments["results"], "html": mark_safe(fragments["results"]["html"])}  # noqa: S308
    return fragments


def _render_results(
    request: HttpRequest, form: CatalogueForm, params: dict[str, str], now: dt.datetime
) -> dict[str, Any]:
    trainings = selectors.published_trainings(
        q=params["q"],
        mode=params["mode"],
        kind=params["kind"],
        competency=params["competency"],
        month=params["month"],
    )
    page = Paginator(trainings, PER_PAGE).get_page(request.GET.get("page"))
    active = form.active_filters()
    query = _query(params)
    context = {
        "params": params,
        "page_obj": page,
        "cards": [Card(training, training.registration_state(now)) for training in page],
        "searching": bool(params["q"] or active),
        "active_filters": [(label, shown, _query(params, without=n)) for n, label, shown in active],
        "page_prefix": f"?{query}&page=" if query else "?page=",
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
    }
    html = render_to_string("training/training_list.html#result-list", context, request)
    return {"html": html, "count": page.paginator.count}


def _detail_or_404(request: HttpRequest, id_or_slug: str) -> selectors.TrainingDetail:
    try:
        return selectors.training_for_detail(id_or_slug=id_or_slug, user=_viewer(request))
    except Training.DoesNotExist as missing:
        raise Http404 from missing


def _render_detail(
    request: HttpRequest, detail: selectors.TrainingDetail, *, status: int = 200
) -> HttpResponse:
    enrollment = detail.enrollment
    certificate = None
    if enrollment is not None and enrollment.is_completed:
        certificate = selectors.valid_certificates_by_enrollment(
            employee=_viewer(request), enrollment_ids=[enrollment.pk]
        ).get(enrollment.pk)
    context = {
        "detail": detail,
        "training": detail.training,
        "enrollment": enrollment,
        "certificate": certificate,
        "facts_html": _facts_html(request, detail),
        "today": timezone.localdate(),
    }
    return render(request, "training/training_detail.html", context, status=status)


def _facts_html(request: HttpRequest, detail: selectors.TrainingDetail) -> str:
    """The page's public column (summary, description, sessions, competencies, who may
    register): the same for everyone, so shared through the cache until a write or the
    training's next registration change (Training.next_state_change)."""
    training = detail.training
    stamp = detail.cache_version
    entry = "" if stamp is None else catalogue_cache.key("facts", stamp, training=training.pk)
    html = catalogue_cache.get_many([entry] if entry else []).get(entry)
    if html is None:
        now = timezone.now()
        context = {"training": training, "state": training.registration_state(now)}
        html = render_to_string("training/training_detail.html#facts", context, request)
        if entry:
            catalogue_cache.set_many({entry: (html, training.next_state_change(now))})
    return mark_safe(html)  # noqa: S308  (rendered by our own template)


@require_safe
def training_detail(request: HttpRequest, id_or_slug: str) -> HttpResponse:
    return _render_detail(request, _detail_or_404(request, id_or_slug))


def _busy(request: HttpRequest, detail: selectors.TrainingDetail, message: str) -> HttpResponse:
    """503 with the page as it was before the attempt (nothing changed) and a "try again"."""
    messages.warning(request, message)
    response = _render_detail(request, detail, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _retryable(error: OperationalError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) in RETRYABLE_SQLSTATES or database_gone(error)


def database_gone(error: OperationalError) -> bool:
    """The connection to PostgreSQL was lost or refused (not a refusal of the statement)."""
    state = getattr(error.__cause__, "sqlstate", None)
    return state is None or state in DATABASE_GONE_SQLSTATES or state.startswith("08")


def _try_again(request: HttpRequest, id_or_slug: str) -> HttpResponse:
    """503 "try again": with the training's page when the database answers, or a short text
    when it does not (the page itself needs the database)."""
    try:
        return _busy(request, _detail_or_404(request, id_or_slug), str(services.TrainingBusy()))
    except OperationalError:
        response = HttpResponse(
            _("Layanan sedang sibuk. Silakan coba lagi sebentar."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


@require_POST
def training_register(request: HttpRequest, id_or_slug: str) -> HttpResponse:
    """The rush path: one query for the training (selectors.training_for_registration, never the
    page's cached detail, which every seat taken moves on), the locked seat decision in the
    service, the message in the cookie and a redirect; the page itself is rendered only for a
    503 ("try again")."""
    viewer = _viewer(request)
    try:
        training = selectors.training_for_registration(id_or_slug=id_or_slug, user=viewer)
    except Training.DoesNotExist as missing:
        raise Http404 from missing
    if training.requires_approval:
        return _ask_supervisor(request, training, viewer)
    try:
        enrollment = services.register(training=training, employee=viewer)
    except services.TrainingBusy as busy:
        return _busy(request, _detail_or_404(request, id_or_slug), str(busy))
    except OperationalError as error:
        if not _retryable(error):
            raise
        return _try_again(request, id_or_slug)
    except services.AlreadyEnrolled as already:
        messages.info(request, str(already))
    except services.TrainingError as refused:
        messages.error(request, str(refused))
    else:
        _say_registered(request, enrollment)
    return redirect("training:training-detail", id_or_slug=training.slug)


def _ask_supervisor(request: HttpRequest, training: Training, viewer: User) -> HttpResponse:
    """A training that needs the supervisor's approval: the registration becomes a request."""
    try:
        asked = services.request_registration(training=training, employee=viewer)
    except services.AlreadyRequested as already:
        messages.info(request, str(already))
    except services.TrainingError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("Permintaan pendaftaran dikirim kepada atasan Anda, %(name)s.")
            % {"name": asked.supervisor.full_name if asked.supervisor else ""},
        )
    return redirect("training:training-detail", id_or_slug=training.slug)


@require_POST
def training_request_withdraw(request: HttpRequest, id_or_slug: str) -> HttpResponse:
    """The employee withdraws their pending registration request."""
    detail = _detail_or_404(request, id_or_slug)
    pending = detail.request
    if pending is None or not pending.is_pending:
        messages.info(request, _("Tidak ada permintaan pendaftaran yang menunggu."))
    else:
        try:
            services.withdraw_registration_request(request=pending, by=_viewer(request))
        except services.TrainingError as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("Permintaan pendaftaran ditarik."))
    return redirect("training:training-detail", id_or_slug=detail.training.slug)


def _say_registered(request: HttpRequest, enrollment: Enrollment) -> None:
    title = enrollment.training.title
    if enrollment.status != EnrollmentStatus.WAITLISTED:
        messages.success(request, _("Anda terdaftar pada “%(title)s”.") % {"title": title})
        return
    # The place counted under the lock when they joined (the page shows it as it stands now).
    position = getattr(enrollment, "waitlist_position", None)
    if position:
        text = _("Kelas penuh — Anda di daftar tunggu nomor %(position)d.") % {"position": position}
    else:
        text = _("Kelas penuh — Anda di daftar tunggu.")
    messages.warning(request, text)


@require_POST
def training_cancel(request: HttpRequest, id_or_slug: str) -> HttpResponse:
    detail = _detail_or_404(request, id_or_slug)
    training = detail.training
    if detail.enrollment is None:
        messages.info(request, _("Anda tidak terdaftar pada pelatihan ini."))
        return redirect("training:training-detail", id_or_slug=training.slug)
    was_waiting = detail.enrollment.status == EnrollmentStatus.WAITLISTED
    try:
        services.cancel(enrollment=detail.enrollment, by=_viewer(request))
    except services.TrainingBusy as busy:
        return _busy(request, detail, str(busy))
    except OperationalError as error:
        if not _retryable(error):
            raise
        return _try_again(request, id_or_slug)
    except services.TrainingError as refused:
        messages.error(request, str(refused))
    else:
        text = (
            _("Anda keluar dari daftar tunggu “%(title)s”.")
            if was_waiting
            else _("Pendaftaran Anda pada “%(title)s” dibatalkan.")
        )
        messages.success(request, text % {"title": training.title})
    return redirect("training:training-detail", id_or_slug=training.slug)


@require_safe
def training_calendar(request: HttpRequest, id_or_slug: str) -> HttpResponse:
    training = _detail_or_404(request, id_or_slug).training
    page = reverse("training:training-detail", kwargs={"id_or_slug": training.slug})
    response = HttpResponse(
        training_ics(training, url=request.build_absolute_uri(page)),
        content_type="text/calendar; charset=utf-8",
    )
    # Slugs are [-a-zA-Z0-9_]: safe in the header as they are.
    response["Content-Disposition"] = f'attachment; filename="{training.slug}.ics"'
    return response


@require_safe
def training_mine(request: HttpRequest) -> HttpResponse:
    mine = selectors.my_trainings(employee=_viewer(request), with_jp=True)
    context = {
        "mine": mine,
        "heads": _row_heads(request, mine),
        "jp": mine.jp,
        "requests": selectors.my_open_requests(employee=_viewer(request)),
        "today": timezone.localdate(),
    }
    return render(request, "training/training_mine.html", context)


def _row_heads(request: HttpRequest, mine: selectors.MyTrainings) -> dict[int, str]:
    """Each listed training's title (a link), dates, mode and JP by training id: the same for
    everyone, so shared through the cache (one round trip for the whole list) under the
    version every training write moves on; only the rows not found are rendered."""
    trainings = {row.training_id: row.training for row in mine.rows}
    stamp = catalogue_cache.version()
    keys = (
        {}
        if stamp is None
        else {pk: catalogue_cache.key("mine-head", stamp, training=pk) for pk in trainings}
    )
    found = catalogue_cache.get_many(list(keys.values()))
    heads = {pk: found[keys[pk]] for pk in keys if keys[pk] in found}
    missing = [pk for pk in trainings if pk not in heads]
    for pk in missing:
        heads[pk] = render_to_string(
            "training/training_mine.html#head", {"training": trainings[pk]}, request
        )
    if keys:
        catalogue_cache.set_many({keys[pk]: (heads[pk], None) for pk in missing})
    # Rendered by our own template (escaped there).
    return {pk: mark_safe(html) for pk, html in heads.items()}  # noqa: S308


# --- the JP compliance report (/reports/jp/) ----------------------------------------------------

JP_PER_PAGE = 50
JP_FRAGMENT = "training/includes/report_jp_results.html"


@require_safe
def jp_report(request: HttpRequest) -> HttpResponse:
    """This year's JP per person against the target, the largest shortfall first; `format`
    exports every row of the same scope."""
    # 404 for anyone who may see no one (people.selectors.report_scope decides who sees whom).
    scope = people_selectors.report_scope(viewer=cast(User, request.user))
    if scope is None:
        raise Http404
    form = JpReportForm(request.GET, scope=scope)
    unit, fmt, page = form.value("unit"), form.value("format"), form.value("page") or 1
    scoped = scope.narrowed_to(unit) if unit else scope
    if fmt:
        report = selectors.jp_compliance(scope=scoped)
        return exports.table_response(
            filename=f"kepatuhan-jp-{report.year}",
            fmt=fmt,
            header=_jp_header(),
            rows=_jp_rows(report),
        )
    query = urlencode({"unit": unit.pk} if unit else {})

    def render_results() -> str:
        report = selectors.jp_compliance(
            scope=scoped, limit=JP_PER_PAGE, offset=(page - 1) * JP_PER_PAGE
        )
        pages = max(1, -(-report.people // JP_PER_PAGE))
        prefix = f"?{query}&page=" if query else "?page="
        context = {"report": report, "page": page, "pages": pages, "query": query}
        return render_to_string(JP_FRAGMENT, {**context, "page_prefix": prefix})

    # Shared by everyone who sees the same people (training.cache), never per person.
    year = timezone.localdate().year
    results_html = catalogue_cache.report_fragment(
        "jp", render_results, scope=scoped, page=page, year=year
    )
    context = {"form": form, "year": year, "results_html": mark_safe(results_html)}  # noqa: S308 (our template)
    return render(request, "training/report_jp.html", context)


def _jp_header() -> list[str]:
    return [
        _("NIP"),
        _("Nama"),
        _("Jenis pegawai"),
        _("Unit kerja"),
        _("JP klasikal"),
        _("JP nonklasikal"),
        _("JP total"),
        _("Target JP"),
        _("Kekurangan JP"),
        _("Memenuhi target"),
        _("Penugasan belum selesai"),
    ]


def _jp_rows(report: selectors.JpCompliance) -> list[list[Any]]:
    yes, no = _("Ya"), _("Belum")
    types = dict(EmployeeType.choices)
    return [
        [
            row.nip,
            row.full_name,
            str(types.get(row.employee_type, row.employee_type)),
            row.unit_name,
            row.klasikal,
            row.nonklasikal,
            row.total,
            row.target,
            row.shortfall,
            yes if row.compliant else no,
            row.open_assigned_titles,
        ]
        for row in report.rows
    ]


# --- nomination from a heatmap cell (/trainings/nominations/new/) --------------------------------

NOMINATION_TEMPLATE = "training/nomination_form.html"


@dataclass(frozen=True)
class _Draft:
    """The people of a heatmap cell below the standard, as the nomination starts from them."""

    scope: people_selectors.ReportScope
    position: Any
    competency: Any
    required: int
    people: list[Any]
    cell_query: str
    hidden: list[tuple[str, Any]]  # the cell's parameters, for a form that chooses the training


def _draft(request: HttpRequest) -> tuple[NominationForm, _Draft]:
    # HR's: a supervisor sees their team in the reports but does not nominate (team=False).
    scope = people_selectors.report_scope(viewer=cast(User, request.user), team=False)
    if scope is None:
        raise Http404
    form = NominationForm(request.GET, scope=scope)
    if not form.is_valid() or not form.value("position") or not form.value("competency"):
        raise Http404  # no cell to nominate from (the heatmap links here with a valid one)
    cell = competency_selectors.report_cell(
        position_id=form.value("position"), competency_code=form.value("competency")
    )
    if cell is None:
        raise Http404
    position, competency = cell
    unit, kind = form.value("unit"), form.value("kind")
    found = competency_selectors.heatmap_cell_people(
        scope=scope.narrowed_to(unit) if unit else scope,
        position_id=position.pk,
        competency_id=competency.pk,
        kind=kind,
        below_only=True,
    )
    cell_query = {"position": position.pk, "competency": competency.code}
    if kind:
        cell_query = {"kind": kind, **cell_query}
    if unit:
        cell_query = {"unit": unit.pk, **cell_query}
    required = max((person.required for person in found.rows), default=1)
    draft = _Draft(
        scope,
        position,
        competency,
        required,
        found.rows,
        urlencode(cell_query),
        list(cell_query.items()),
    )
    return form, draft


@require_http_methods(["GET", "HEAD", "POST"])
def nomination_new(request: HttpRequest) -> HttpResponse:
    """From a heatmap cell: the trainings that develop its competency to the standard's level;
    for the chosen one, a draft of the cell's people below the standard that HR reviews (remove
    people, see seats and waitlist) and confirms through services.assign. Nothing is stored
    before the confirmation."""
    form, draft = _draft(request)
    trainings = selectors.trainings_for_gap(competency_id=draft.competency.pk, level=draft.required)
    chosen = next((t for t in trainings if t.pk == form.value("training")), None)
    context: dict[str, Any] = {"draft": draft, "trainings": trainings, "chosen": chosen}
    if chosen is None:
        return render(request, NOMINATION_TEMPLATE, context)
    choices = [(person.id, person.full_name) for person in draft.people]
    if request.method == "POST":
        confirm = NominationConfirmForm(request.POST, people=choices)
        selected = confirm.cleaned_data["employee"] if confirm.is_valid() else []
    else:  # the draft starts with everyone of the cell below the standard
        confirm = NominationConfirmForm(people=choices)
        selected = [person.id for person in draft.people]
    status = 200
    if request.POST.get("action") == "confirm" and confirm.is_valid():
        try:
            report = services.assign(
                training=chosen,
                employees=selected,
                assigned_by=cast(User, request.user),
                allow_overbooking=confirm.cleaned_data["allow_overbooking"],
            )
        except services.TrainingError as exc:
            confirm.add_error(None, str(exc))
            status = 409
        else:
            messages.success(request, _nomination_message(report, chosen))
            return redirect(f"{reverse('competency_reports:heatmap')}?{draft.cell_query}")
    context.update(_effect(chosen, draft.people, selected), confirm=confirm, selected=selected)
    return render(request, NOMINATION_TEMPLATE, context, status=status)


def _effect(training: Training, people: list[Any], selected: list[int]) -> dict[str, Any]:
    """What confirming would do to the training's seats: who is already on it (skipped), who
    moves from its waitlist to a seat, and how many seats it lacks."""
    states = selectors.enrollment_states(training=training, employee_ids=[p.id for p in people])
    chosen = set(selected)
    skipped = sum(1 for pk in chosen if pk in states and states[pk] != EnrollmentStatus.WAITLISTED)
    needed = len(chosen) - skipped
    free = training.seats_left  # type: ignore[attr-defined]
    rows = [(person, states.get(person.id)) for person in people]
    return {
        "rows": rows,
        "selected_count": len(chosen),
        "skipped": skipped,
        "needed": needed,
        "free": free,
        "over": max(needed - free, 0),
        "waitlist_count": training.waitlist_count,  # type: ignore[attr-defined]
        "from_waitlist": sum(1 for pk in chosen if states.get(pk) == EnrollmentStatus.WAITLISTED),
    }


def _nomination_message(report: services.AssignmentReport, training: Training) -> str:
    return _(
        "%(assigned)d pegawai ditugaskan ke %(title)s; %(skipped)d sudah terdaftar sebelumnya."
    ) % {
        "assigned": report.assigned,
        "title": training.title,
        "skipped": report.skipped_already_enrolled,
    }


@require_safe
def certificate_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The certificate's PDF for its holder, HR of their units, a superuser; 404 for anyone
    else. A PDF the worker has not rendered yet is rendered now."""
    try:
        certificate = selectors.certificate_for_download(pk=pk, user=_viewer(request))
    except Certificate.DoesNotExist:
        raise Http404 from None
    if not certificate.file:
        certificate = certificates.ensure_pdf(certificate_id=certificate.pk)
    return certificate_serving.pdf_response(request, certificate)


@login_not_required
@require_safe
def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: whether the certificate with this code is valid or revoked, and what it states
    (the holder's NIP masked). Unknown codes: 404 after the same single lookup. Rate limited per
    client IP (settings.CERTIFICATE_VERIFY_PER_MINUTE)."""
    if not ratelimit.allow(
        request, "verify-certificate", per_minute=settings.CERTIFICATE_VERIFY_PER_MINUTE
    ):
        return ratelimit.too_many(request)
    certificate = selectors.certificate_for_verification(code=code)
    if certificate is None:
        raise Http404
    response = render(request, "training/certificate_verify.html", {"certificate": certificate})
    # A person's name on a public page: for whoever holds the code, not for search engines.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
