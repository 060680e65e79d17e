"""The e-book pages: the catalogue, a book's detail, the reader, and the private file and cover.

Every page needs a login (LoginRequiredMiddleware); a book someone may not read (unpublished, for
anyone but staff) is a 404 through selectors.ebook_for_reader, for the file and cover as well.
htmx requests get the fragment they swap (`template#partial`), everything else the full page.
"""

from __future__ import annotations

import functools
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.core.signals import setting_changed
from django.db.models import Count, Q, QuerySet, prefetch_related_objects
from django.dispatch import receiver
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from ebooks import cache as catalogue_cache
from ebooks import selectors, services, serving
from ebooks.forms import FILTERS, CatalogueForm
from ebooks.models import Category, Ebook, EbookFormat
from rumahbelajar.catalogue_pages import is_fragment_request, page_key

PER_PAGE = 24
SHELF_SIZE = 6
# Saving the reading position: the reader sends at most one every ~2 s; this is the ceiling.
PROGRESS_RATE = 60
PROGRESS_WINDOW_SECONDS = 60
MAX_PAGE = 2_147_483_647  # PositiveIntegerField's ceiling, for books whose page count is unknown
LOCATION_MAX_LENGTH = 300  # ReadingProgress.location


def _user_id(request: HttpRequest) -> int:
    # Every view here runs behind LoginRequiredMiddleware: there is always a person.
    return cast(int, request.user.pk)


# --- Catalogue --------------------------------------------------------------------------------


@require_GET
def ebook_list(request: HttpRequest) -> HttpResponse:
    # One round trip to the cache for the version and the filter choices, one for the fragments.
    current, choices = catalogue_cache.version_and_filter_choices()
    form = CatalogueForm(request.GET, choices=choices)
    params = form.search_params()
    results = _fragments(request, form, params, current)
    browsing = not params["q"] and not any(name in params for name in FILTERS)
    context: dict[str, Any] = {
        "form": form,
        "params": params,
        "filters_html": results["filters_html"],
        "results_html": results["html"],
        "result_count": results["count"],
        "htmx": is_fragment_request(request),
    }
    # The reader's shelves open the catalogue; a search or a filter replaces them. Per person,
    # so never part of the shared fragments.
    if browsing and results["number"] == 1:
        shelves = selectors.shelves(user=request.user, reading=5, favourites=SHELF_SIZE)
        context["continue_reading"] = shelves["reading"]
        context["favourites"] = shelves["favourite"]
    if not context["htmx"]:
        return _vary_on_htmx(render(request, "ebooks/ebook_list.html", context))
    response = render(request, "ebooks/ebook_list.html#results", context)
    # The address bar gets the canonical URL, not every empty field of the form.
    query = _query(params)
    number = results["number"]
    page_query = f"{query}&page={number}" if query else f"page={number}"
    canonical = page_query if number > 1 else query
    response["HX-Push-Url"] = f"{request.path}?{canonical}" if canonical else request.path
    return _vary_on_htmx(response)


def _fragments(
    request: HttpRequest, form: CatalogueForm, params: dict[str, Any], current: int | None
) -> dict[str, Any]:
    """The shared parts of the catalogue, read in one round trip, rendered and stored on a miss:
    the result list's HTML (cards, count, pagination) with its count and page number, and the
    filter <select>s (options and the selected ones). Keyed by catalogue version, language,
    query and page (the filters by their selection). Without a version (the cache is away)
    everything renders and nothing is stored.

    The match count is stored on its own, per query and filters whatever the sort and page: the
    other pages and orders of a search reuse it instead of counting the matches again."""
    page_wanted = page_key(request.GET.get("page"))
    selected = {name: value for name, value in params.items() if name != "q"}
    counted = {name: value for name, value in params.items() if name != "sort"}
    keys = (
        {
            "results": catalogue_cache.fragment_key(
                "results", current, params=params, page=page_wanted
            ),
            "filters": catalogue_cache.fragment_key("filters", current, selected=selected),
            "count": catalogue_cache.fragment_key("count", current, params=counted),
        }
        if current is not None
        else {}
    )
    found = catalogue_cache.read(*keys.values()) if keys else {}
    results = found.get(keys.get("results", ""))
    if results is None:
        # The cards never show the extracted text: leave it (up to megabytes a book) in the db.
        books = selectors.search_ebooks(**params).defer("body_text", "search_vector")
        paginator = Paginator(books, PER_PAGE)
        count = found.get(keys.get("count", ""))
        if isinstance(count, int):
            paginator.count = count  # a cached_property: the stored count, not a COUNT query
        page = paginator.get_page(request.GET.get("page"))
        page.object_list = list(page.object_list)
        prefetch_related_objects(page.object_list, "categories")
        context = _catalogue_context(form, params, page)
        results = {
            "html": render_to_string("ebooks/ebook_list.html#result-list", context),
            "count": paginator.count,
            "number": page.number,
        }
        if keys:
            catalogue_cache.store(keys["results"], results)
            if count is None:
                catalogue_cache.store(keys["count"], paginator.count)
    filters = found.get(keys.get("filters", ""))
    if filters is None:
        filters = render_to_string("ebooks/ebook_list.html#filters", {"form": form})
        if keys:
            catalogue_cache.store(keys["filters"], filters)
    return {
        **results,
        "html": mark_safe(results["html"]),  # noqa: S308  (rendered by our own template)
        "filters_html": mark_safe(filters),  # noqa: S308
    }


def _catalogue_context(form: CatalogueForm, params: dict[str, Any], page: Page) -> dict[str, Any]:
    browsing = not params["q"] and not any(name in params for name in FILTERS)
    query = _query(params)
    context: dict[str, Any] = {
        "page_obj": page,
        "params": params,
        "searching": not browsing,
        "active_filters": [
            (label, shown, _query(params, without=name))
            for name, label, shown in form.active_filters()
        ],
        "page_prefix": f"?{query}&page=" if query else "?page=",
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
    }
    if not page.object_list:
        context["popular_categories"] = _popular_categories()
    return context


def _vary_on_htmx(response: HttpResponse) -> HttpResponse:
    patch_vary_headers(response, ["HX-Request"])
    return response


def _query(params: dict[str, Any], *, without: str | None = None) -> str:
    """The catalogue's query string for these parameters (minus one), without the page and
    without the sort when it is the default one."""
    default_sort = "relevance" if params.get("q") else "newest"
    kept = {
        name: value
        for name, value in params.items()
        if name != without
        and value not in ("", None)
        and not (name == "sort" and value == default_sort)
    }
    return urlencode(kept)


def _popular_categories(limit: int = 6) -> QuerySet[Category]:
    """The categories with the most published books, offered when a search finds nothing."""
    return (
        Category.objects.annotate(book_count=Count("ebooks", filter=Q(ebooks__is_published=True)))
        .filter(book_count__gt=0)
        .order_by("-book_count", "name")[:limit]
    )


# --- One book ---------------------------------------------------------------------------------


@require_GET
def ebook_detail(request: HttpRequest, ref: str) -> HttpResponse:
    # One query: the book, with this person's saved page and favourite mark.
    ebook = selectors.ebook_for_reader(user=request.user, id_or_slug=ref, with_reading_state=True)
    context = {
        "ebook": ebook,
        "progress_page": ebook.progress_page,  # type: ignore[attr-defined]
        "is_favourite": ebook.is_favourite,  # type: ignore[attr-defined]
        "sections_html": _book_sections_html(ebook),
    }
    return render(request, "ebooks/ebook_detail.html", context)


def _book_sections_html(ebook: Ebook) -> str:
    """The book's description, facts, categories and competencies: the same for everyone who
    may open the book, so shared through the cache per catalogue version and language (two
    queries and the render only on a miss)."""
    current = catalogue_cache.version_or_none()
    key = None if current is None else catalogue_cache.fragment_key("book", current, pk=ebook.pk)
    html = catalogue_cache.read(key).get(key) if key else None
    if html is None:
        context = {"ebook": ebook, **selectors.book_sections(ebook_id=ebook.pk)}
        html = render_to_string("ebooks/ebook_detail.html#sections", context)
        if key:
            catalogue_cache.store(key, html)
    return mark_safe(html)  # noqa: S308  (rendered by our own template)


@require_POST
def ebook_favourite(request: HttpRequest, ref: str) -> HttpResponse:
    ebook = selectors.ebook_for_reader(user=request.user, id_or_slug=ref)
    is_favourite = services.toggle_favourite(user=request.user, ebook=ebook)
    message = (
        _("“%(title)s” ditambahkan ke favorit.")
        if is_favourite
        else _("“%(title)s” dihapus dari favorit.")
    ) % {"title": ebook.title}
    if not is_fragment_request(request):
        messages.success(request, message)
        return redirect("ebooks:ebook-detail", ref=ebook.slug)
    context = {"ebook": ebook, "is_favourite": is_favourite, "message": message, "htmx": True}
    return render(request, "ebooks/ebook_detail.html#favourite", context)


@require_GET
def ebook_read(request: HttpRequest, ref: str) -> HttpResponse:
    ebook = selectors.ebook_for_reader(user=request.user, id_or_slug=ref, with_reading_state=True)
    if ebook.file_format != EbookFormat.PDF:
        # EPUBs are downloaded, not read in the page: the detail page offers the file.
        return redirect("ebooks:ebook-detail", ref=ebook.slug)
    start = _page_number(request.GET.get("page")) or ebook.progress_page or 1  # type: ignore[attr-defined]
    if ebook.page_count:
        start = min(start, ebook.page_count)
    context = {"ebook": ebook, "start_page": start, **_pdfjs_urls()}
    return render(request, "ebooks/ebook_read.html", context)


@functools.cache
def _pdfjs_urls() -> dict[str, str]:
    """pdf.js and its worker, and the legacy build for phone browsers too old for the modern one
    if it is collected (the reader falls back to the modern build when those are empty). The
    static files manifest changes only with a deploy, so the lookups are made once a process."""
    urls = {
        "pdfjs_src": static("vendor/pdfjs/pdf.min.mjs"),
        "pdfjs_worker_src": static("vendor/pdfjs/pdf.worker.min.mjs"),
    }
    try:
        urls["pdfjs_legacy_src"] = static("vendor/pdfjs-legacy/pdf.min.mjs")
        urls["pdfjs_legacy_worker_src"] = static("vendor/pdfjs-legacy/pdf.worker.min.mjs")
    except ValueError:  # not in the static files manifest
        urls["pdfjs_legacy_src"] = urls["pdfjs_legacy_worker_src"] = ""
    return urls


@receiver(setting_changed)
def _forget_static_urls(*, setting: str, **kwargs: Any) -> None:
    if setting in {"STATIC_URL", "STATIC_ROOT", "STORAGES", "STATICFILES_DIRS"}:
        _pdfjs_urls.cache_clear()


def _page_number(raw: str | None) -> int | None:
    """A page number ≥ 1 from user input, or None for anything else."""
    try:
        number = int(raw or "")
    except ValueError:
        return None
    return min(number, MAX_PAGE) if number >= 1 else None


@require_POST
def ebook_progress(request: HttpRequest, ref: str) -> JsonResponse:
    if _progress_throttled(_user_id(request)):
        return JsonResponse({"error": _("Terlalu sering. Coba lagi sebentar lagi.")}, status=429)
    ebook = selectors.ebook_for_reader(user=request.user, id_or_slug=ref)
    page = _page_number(request.POST.get("page"))
    location = request.POST.get("location", "")
    if page is None or len(location) > LOCATION_MAX_LENGTH:
        return JsonResponse({"error": _("Nomor halaman tidak valid.")}, status=400)
    if ebook.page_count:
        page = min(page, ebook.page_count)
    services.save_reading_progress(user=request.user, ebook=ebook, page=page, location=location)
    return JsonResponse({"page": page})


def _progress_throttled(user_id: int) -> bool:
    """A fixed-window counter per user in the shared cache: more than PROGRESS_RATE saves in a
    window is refused (a runaway script, not a reader)."""
    key = f"ebooks:progress-rate:{user_id}"
    if cache.add(key, 1, timeout=PROGRESS_WINDOW_SECONDS):
        return False
    try:
        return cache.incr(key) > PROGRESS_RATE
    except ValueError:  # the window expired between add and incr
        cache.add(key, 1, timeout=PROGRESS_WINDOW_SECONDS)
        return False


# --- Private files ----------------------------------------------------------------------------


@require_safe
def ebook_file(request: HttpRequest, ref: str) -> HttpResponseBase:
    ebook = selectors.ebook_for_reader(user=request.user, id_or_slug=ref)
    return serving.file_response(request, ebook)


@require_safe
def ebook_cover(request: HttpRequest, ref: str) -> HttpResponseBase:
    ebook = selectors.ebook_for_reader(user=request.user, id_or_slug=ref)
    if not ebook.cover:
        raise Http404
    try:
        handle = ebook.cover.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(handle, content_type="image/webp")
    # Covers change only with the file (their name is its checksum); the browser keeps them a day,
    # and no shared cache may, since they are behind a login.
    patch_cache_control(response, private=True, max_age=86400)
    return response
