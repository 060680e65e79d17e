from typing import cast

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ebooks import selectors as ebook_selectors
from rumahbelajar import health, pagecache
from rumahbelajar.dashboard import dashboard_context
from rumahbelajar.pagecache import cached_page
from rumahbelajar.people.models import User
from training import selectors as training_selectors


@login_not_required
@require_GET
def livez(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    problems = {"db": health.check_database(), "redis": health.check_redis()}
    body = {
        name: "ok" if problem is None else f"down: {problem}" for name, problem in problems.items()
    }
    status = 200 if all(problem is None for problem in problems.values()) else 503
    return JsonResponse(body, status=status)


@cached_page(ebook_selectors.CATALOGUE_VERSION_KEY, training_selectors.CATALOGUE_VERSION_KEY)
def dashboard(request: HttpRequest) -> HttpResponse:
    # Stored per person (rumahbelajar.pagecache) until the map, the ledger, reading, either
    # catalogue or the person's trainings change; or by time alone: a registration window, a day.
    pagecache.valid_until(request, training_selectors.catalogue_changes_at())
    pagecache.valid_until(request, pagecache.next_local_midnight())
    context = dashboard_context(user=cast(User, request.user))
    return render(request, "rumahbelajar/dashboard.html", context)
