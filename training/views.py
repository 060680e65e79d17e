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
from django.views.decorators.http import require_POST, require_safe

from rumahbelajar import ratelimit
from rumahbelajar.people.models import User
from training import cache as catalogue_cache
from training import certificate_serving, certificates, selectors, services
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


def _htmx(request: HttpRequest) -> bool:
    """A fragment request; a history restore (back button, cache miss) needs the whole page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


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
        "htmx": _htmx(request),
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
        page_wanted = _page_key(request.GET.get("page"))
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


def _page_key(raw: str | None) -> int:
    """The page asked for as Paginator.get_page reads it: not a number is 1, below 1 the last
    page (0 here); a huge number is the last page too, so its keys are bounded."""
    try:
        number = int(raw or "1")
    except (TypeError, ValueError):
        return 1
    return 0 if number < 1 else min(number, 1_000_000)


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
    return getattr(error.__cause__, "sqlstate", None) in RETRYABLE_SQLSTATES


@require_POST
def training_register(request: HttpRequest, id_or_slug: str) -> HttpResponse:
    detail = _detail_or_404(request, id_or_slug)
    try:
        enrollment = services.register(training=detail.training, employee=_viewer(request))
    except services.TrainingBusy as busy:
        return _busy(request, detail, str(busy))
    except OperationalError as error:
        if not _retryable(error):
            raise
        return _busy(request, detail, str(services.TrainingBusy()))
    except services.AlreadyEnrolled as already:
        messages.info(request, str(already))
    except services.TrainingError as refused:
        messages.error(request, str(refused))
    else:
        _say_registered(request, enrollment)
    return redirect("training:training-detail", id_or_slug=detail.training.slug)


def _say_registered(request: HttpRequest, enrollment: Enrollment) -> None:
    title = enrollment.training.title
    if enrollment.status != EnrollmentStatus.WAITLISTED:
        messages.success(request, _("Anda terdaftar pada “%(title)s”.") % {"title": title})
        return
    # After commit: the position as it stands now (people ahead may have left meanwhile).
    current = selectors.enrollment_for(training=enrollment.training, employee=_viewer(request))
    position = getattr(current, "waitlist_position", None)
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
        return _busy(request, detail, str(services.TrainingBusy()))
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
    mine = selectors.my_trainings(employee=_viewer(request))
    context = {
        "mine": mine,
        "heads": _row_heads(request, mine),
        "jp": selectors.jp_summary(employee=_viewer(request)),
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
