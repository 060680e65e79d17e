"""The monthly summary email to HR admins and supervisors: the JP compliance share of the
people they see in the reports (people.selectors.report_scope: HR their subtrees, a supervisor
their team), those furthest from their target, and the largest competency gaps, with absolute
links to the reports (SITE_URL) and to where they opt out (/notifications/, the
"monthly_summary" kind).

Run by beat on the first of a month (training.send_monthly_summaries). Each summary goes through
the one notification mechanism (notifications.services.deliver): a message in the person's list
and the email, once per person and month (its key names both), so a second run sends nothing
again; people who opted out of the kind by email are not even computed for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from competency import selectors as competency_selectors
from notifications import services as notification_services
from notifications.models import EmailOptOut
from rumahbelajar.people import selectors as people_selectors
from rumahbelajar.people.models import Unit, User

KIND = "monthly_summary"
#: How many people furthest from their JP target, and how many gaps, a summary lists.
SUMMARY_ROWS = 5


@dataclass(frozen=True)
class GapLine:
    position: str
    competency: str
    people: int
    below: int
    share_percent: int
    mean_gap: object


def summary_recipients() -> list[User]:
    """Active people with an email who see someone in the reports as HR admins (staff with
    managed units) or lead a team (people.selectors.is_supervisor), minus those who opted out
    of the summary by email. Three queries."""
    opted_out = EmailOptOut.objects.filter(kind=KIND).values("user_id")
    hr = Q(is_staff=True, managed_units__isnull=False)
    leads = Q(
        pk__in=User.objects.filter(is_active=True, supervisor__isnull=False).values("supervisor_id")
    ) | Q(pk__in=Unit.objects.filter(head__isnull=False).values("head_id"))
    return list(
        User.objects.filter(hr | leads, is_active=True)
        .exclude(email="")
        .exclude(pk__in=opted_out)
        .distinct()
        .order_by("pk")
    )


def _absolute(name: str) -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/") + reverse(name)


def summary_context(*, person: User, today: dt.date) -> dict[str, object] | None:
    """What one person's summary says (None: they see nobody, so nothing is sent). A few set-based
    queries over their scope, whatever its size."""
    from training import selectors  # the JP report's query, one place

    scope = people_selectors.report_scope(viewer=person)
    if scope is None:
        return None
    jp = selectors.jp_compliance(scope=scope, year=today.year, limit=SUMMARY_ROWS)
    if not jp.people:
        return None
    heatmap = competency_selectors.competency_heatmap(scope=scope)
    cells = sorted(
        heatmap.cells,
        key=lambda cell: (-cell[2].share_below, -cell[2].mean_gap, cell[0].name, cell[1].code),
    )
    gaps = [
        GapLine(
            position.name,
            f"{competency.code} {competency.name}",
            cell.people,
            cell.below,
            cell.share_percent,
            cell.mean_gap_display,
        )
        for position, competency, cell in cells
        if cell.below
    ][:SUMMARY_ROWS]
    return {
        "person": person,
        "team": scope.is_team,
        "today": today,
        "jp": jp,
        "behind": [row for row in jp.rows if not row.compliant],
        "gaps": gaps,
        "jp_url": _absolute("training_reports:jp"),
        "competency_url": _absolute("competency_reports:heatmap"),
        "team_url": _absolute("team:team-detail"),
        "opt_out_url": _absolute("notifications:notification-list") + "#judul-email",
    }


def send_monthly_summary(*, person: User, today: dt.date | None = None) -> bool:
    """One person's summary (see the module); returns whether an email went out. Side effects:
    one notification row (once per person and month) and its email, unless opted out."""
    today = today or timezone.localdate()
    with translation.override("id"):
        context = summary_context(person=person, today=today)
        if context is None:
            return False
        subject = " ".join(
            render_to_string("training/email/monthly_summary_subject.txt", context).split()
        )
        text = render_to_string("training/email/monthly_summary_body.txt", context)
        html = render_to_string("training/email/monthly_summary_body.html", context)
        jp = context["jp"]
        title = _("Ringkasan bulanan: %(share)s%% memenuhi target JP (%(met)s dari %(people)s)") % {
            "share": jp.compliant_percent,  # type: ignore[attr-defined]
            "met": jp.compliant,  # type: ignore[attr-defined]
            "people": jp.people,  # type: ignore[attr-defined]
        }
    return notification_services.deliver(
        recipient=person,
        kind=KIND,
        title=title,
        body="",
        url=reverse("training_reports:jp"),
        key=f"{KIND}:{person.pk}:{today:%Y-%m}",
        email_subject=subject,
        email_body=text,
        email_html=html,
    )


def send_monthly_summaries(*, today: dt.date | None = None) -> int:
    """Beat, on the first of a month: every HR admin's and supervisor's summary (see the
    module). Returns how many emails went out. A second run in the same month sends none."""
    today = today or timezone.localdate()
    sent = 0
    for person in summary_recipients():
        sent += send_monthly_summary(person=person, today=today)
    return sent
