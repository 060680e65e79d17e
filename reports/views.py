"""/reports/: HR reports, scoped to the units the admin manages (superusers: everything).

/reports/siasn/ — the JP ledger of a year as SIASN's course rows: `?year=YYYY&format=csv|xlsx`
downloads, `&new=1` only rows never marked as sent; without `format` the page shows the rows and
the "Tandai sudah dikirim" form, which posts the ids of exactly those rows. A GET never changes
anything. Anyone who is not an HR admin or superuser gets a 404.
"""

from __future__ import annotations

from typing import cast
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from reports import exports, selectors, services
from reports.forms import SiasnExportForm, SiasnMarkSentForm
from rumahbelajar.people.models import User

PREVIEW_ROWS = 200


@require_http_methods(["GET", "HEAD", "POST"])
def siasn_export(request: HttpRequest) -> HttpResponseBase:
    user = cast(User, request.user)
    if not selectors.may_export(user=user):
        raise Http404
    if request.method == "POST":
        return _mark_sent(request, user)
    form = SiasnExportForm(request.GET)
    if not form.is_valid():
        return render(request, "reports/siasn_export.html", {"form": form}, status=400)
    year, only_new, file_format = (form.cleaned_data[k] for k in ("year", "new", "format"))
    rows = selectors.siasn_rows(user=user, year=year, only_new=only_new)
    filename = f"siasn-kursus-{year}" + ("-baru" if only_new else "")
    if file_format == "csv":
        return exports.csv_response(rows, filename=filename)
    if file_format == "xlsx":
        return exports.xlsx_response(rows, filename=filename)
    listed = list(rows)
    query = {"year": year, **({"new": 1} if only_new else {})}
    context = {
        "form": form,
        "year": year,
        "only_new": only_new,
        "columns": selectors.SIASN_COLUMNS,
        "rows": listed[:PREVIEW_ROWS],
        "count": len(listed),
        "ids": ",".join(str(row.record_id) for row in listed),
        "csv_query": urlencode({**query, "format": "csv"}),
        "xlsx_query": urlencode({**query, "format": "xlsx"}),
    }
    return render(request, "reports/siasn_export.html", context)


def _mark_sent(request: HttpRequest, user: User) -> HttpResponse:
    form = SiasnMarkSentForm(request.POST)
    if not form.is_valid():
        context = {"form": SiasnExportForm(), "mark_form": form}
        return render(request, "reports/siasn_export.html", context, status=400)
    year = form.cleaned_data["year"]
    marked = services.mark_siasn_sent(record_ids=form.cleaned_data["ids"], year=year, by=user)
    messages.success(request, _("%(count)d baris ditandai sudah dikirim.") % {"count": marked})
    return redirect(reverse("reports:siasn-export") + "?" + urlencode({"year": year, "new": 1}))
