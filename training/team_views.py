"""/team/: a supervisor's team (people.selectors.team_of), each member with their map's JPM and
band, largest gaps, JP this year, open assignments and what waits for the supervisor; each
member's map opens at /competency/employees/<nip>/. 404 for anyone who leads no team."""

from __future__ import annotations

from typing import cast

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from rumahbelajar.people import selectors as people_selectors
from rumahbelajar.people.models import User
from training import selectors


@require_safe
def team_detail(request: HttpRequest) -> HttpResponse:
    viewer = cast(User, request.user)
    # 404, as the reports answer anyone who may see no one.
    if not people_selectors.is_supervisor(user=viewer):
        raise Http404
    raw = request.GET.get("page", "1")
    page = int(raw) if raw.isdigit() and len(raw) < 7 else 1
    team = selectors.team_overview(supervisor=viewer, page=page)
    return render(request, "training/team_detail.html", {"team": team})
