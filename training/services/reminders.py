"""What beat sends: reminders of assigned trainings that are due or about to start, and the
monthly JP digest to people behind the pace."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from training.services.seats import EMAIL_TASK_CHUNK, email_on_commit

_CLAIM_REMINDERS_SQL = """
    UPDATE training_enrollment AS e
    SET reminded_at = %(now)s
    FROM training_training AS t
    WHERE e.training_id = t.id
      AND e.source = 'assigned'
      AND e.status = 'registered'
      AND e.reminded_at IS NULL
      AND t.status = 'published'
      AND (
            (e.due_date IS NOT NULL AND e.due_date >= %(today)s AND e.due_date <= %(last_day)s)
         OR (t.start_at > %(now)s AND t.start_at <= %(horizon)s)
      )
    RETURNING e.id
"""


@transaction.atomic
def send_due_reminders(*, now: dt.datetime | None = None, days: int | None = None) -> list[int]:
    """Claims the assigned enrolments whose due date or start falls within `days`
    (TRAINING_REMINDER_DAYS, default 3) and were not reminded yet; returns their ids.

    Side effects: sets reminded_at in one UPDATE ... WHERE reminded_at IS NULL RETURNING, so two
    concurrent runs never claim the same row (the second waits on the row lock, re-checks the
    condition and skips it); fires the reminder emails after commit.
    """
    now = now or timezone.now()
    days = days if days is not None else int(getattr(settings, "TRAINING_REMINDER_DAYS", 3))
    today = timezone.localtime(now).date()
    with connection.cursor() as cursor:
        cursor.execute(
            _CLAIM_REMINDERS_SQL,
            {
                "now": now,
                "today": today,
                "last_day": today + dt.timedelta(days=days),
                "horizon": now + dt.timedelta(days=days),
            },
        )
        ids = sorted(row[0] for row in cursor.fetchall())
    email_on_commit("reminder", ids)
    return ids


# --- the monthly JP digest ------------------------------------------------------------------------

_BEHIND_PACE_SQL = """
    SELECT u.id, coalesce(sum(r.jp), 0) AS jp
    FROM people_user AS u
    LEFT JOIN training_learningrecord AS r ON r.employee_id = u.id AND r.year = %(year)s
    WHERE u.is_active AND u.nip IS NOT NULL
    GROUP BY u.id
    HAVING coalesce(sum(r.jp), 0) < %(expected)s
"""


def send_jp_digest(*, today: dt.date | None = None) -> int:
    """Beat, on the first of a month: a message (emailed once, unless opted out) to every active
    employee whose JP this year are behind the pace to the yearly target (the target times the
    share of the year already past). Returns how many were told; none in January.

    Side effects: one set-based query, then notifications in chunks; a second run in the same
    month tells nobody again (the message's key names the month).
    """
    from notifications import services as notification_services
    from training.models import YEARLY_JP_TARGET

    today = today or timezone.localdate()
    expected = (Decimal(YEARLY_JP_TARGET) * (today.month - 1) / 12).quantize(Decimal("0.01"))
    if expected <= 0:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_BEHIND_PACE_SQL, {"year": today.year, "expected": expected})
        behind = cursor.fetchall()
    told = 0
    for start in range(0, len(behind), EMAIL_TASK_CHUNK):
        chunk = behind[start : start + EMAIL_TASK_CHUNK]
        for person_id, jp in chunk:
            created = notification_services.notify(
                recipient_ids=[person_id],
                kind="jp_digest",
                title=_("JP Anda tahun ini: %(jp)s dari target %(target)s")
                % {
                    "jp": jp.normalize() if jp else 0,
                    "target": YEARLY_JP_TARGET,
                },
                body=_(
                    "Agar target %(target)s JP tercapai, seharusnya sekarang sudah sekitar "
                    "%(expected)s JP. Ikuti pelatihan atau laporkan kegiatan belajar Anda."
                )
                % {"target": YEARLY_JP_TARGET, "expected": expected.normalize()},
                url="/trainings/mine/",
                key=f"jp_digest:{today:%Y-%m}",
            )
            told += len(created)
    return told
