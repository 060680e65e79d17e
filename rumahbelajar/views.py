from typing import cast

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from rumahbelajar import health
from rumahbelajar.dashboard import dashboard_context
from rumahbelajar.people.models import User


@login_not_required
@require_GET
def livez(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The probes, and how many cache operations this process answered as misses because Redis
    failed (`X-Cache-Errors`, also named when Redis is down). A load balancer asks /livez: with
    Redis down the portal still serves (rumahbelajar.cache), only this answer says so."""
    problems = {"db": health.check_database(), "redis": health.check_redis()}
    cache_errors = health.cache_errors()
    if problems["redis"] is not None:
        problems["redis"] += f" ({cache_errors} cache errors answered as misses in this process)"
    body = {
        name: "ok" if problem is None else f"down: {problem}" for name, problem in problems.items()
    }
    status = 200 if all(problem is None for problem in problems.values()) else 503
    return JsonResponse(body, status=status, headers={"X-Cache-Errors": str(cache_errors)})


def dashboard(request: HttpRequest) -> HttpResponse:
    context = dashboard_context(user=cast(User, request.user))
    return render(request, "rumahbelajar/dashboard.html", context)
