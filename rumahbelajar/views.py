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
    problems = {"db": health.check_database(), "redis": health.check_redis()}
    body = {
        name: "ok" if problem is None else f"down: {problem}" for name, problem in problems.items()
    }
    status = 200 if all(problem is None for problem in problems.values()) else 503
    return JsonResponse(body, status=status)


def dashboard(request: HttpRequest) -> HttpResponse:
    context = dashboard_context(user=cast(User, request.user))
    return render(request, "rumahbelajar/dashboard.html", context)
