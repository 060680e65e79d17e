from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from rumahbelajar import health
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
    # request.user comes without its unit and position: fetch all three in one query.
    employee = get_object_or_404(
        User.objects.select_related("unit", "position"), pk=request.user.pk
    )
    return render(request, "rumahbelajar/dashboard.html", {"employee": employee})
