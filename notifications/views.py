"""/notifications/: my messages (opening one marks it read and follows its link), "mark all
read", and which kinds I also want by email."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from notifications import selectors, services
from notifications.forms import EmailPreferencesForm
from notifications.models import Notification, NotificationKind
from rumahbelajar.people.models import User


def _viewer(request: HttpRequest) -> User:
    return cast(User, request.user)


@require_http_methods(["GET", "HEAD", "POST"])
def notification_list(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    status = 200
    if request.method == "POST":
        form = EmailPreferencesForm(request.POST)
        if form.is_valid():
            services.set_email_opt_outs(user=user, kinds=form.opted_out())
            messages.success(request, _("Pilihan email disimpan."))
            return redirect("notifications:notification-list")
        status = 400
    else:
        out = selectors.email_opt_outs(user=user)
        form = EmailPreferencesForm(
            initial={"email_kinds": [k for k in NotificationKind.values if k not in out]}
        )
    context = {"items": list(selectors.notifications_of(user=user)), "form": form}
    return render(request, "notifications/notification_list.html", context, status=status)


@require_safe
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    notification = Notification.objects.filter(pk=pk, recipient=_viewer(request)).first()
    if notification is None:
        raise Http404
    services.mark_read(user=_viewer(request), notification_ids=[notification.pk])
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect("notifications:notification-list")
    return redirect(target)


@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.mark_read(user=_viewer(request))
    return redirect("notifications:notification-list")
