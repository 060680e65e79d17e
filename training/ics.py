"""An iCalendar (RFC 5545) file for a training: one VEVENT per session, or one for the whole
training when it has no sessions. Times are UTC ("...Z"), text is escaped (RFC 5545 3.3.11) and
lines are folded at 75 octets without splitting a UTF-8 character (3.1); lines end in CRLF.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from training.models import Training, TrainingStatus

PRODID = "-//Rumah Belajar//Pelatihan//ID"
UID_DOMAIN = "rumahbelajar.id"
_MAX_OCTETS = 75


def escape_text(value: str) -> str:
    """Escapes a TEXT value: backslash, semicolon, comma, and newlines as \\n."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Folds one content line into chunks of at most 75 octets, continuation lines starting
    with a space, never cutting a multi-byte character."""
    out: list[str] = []
    current = ""
    size = 0
    limit = _MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size = " ", 1  # the leading space counts towards the next line's 75
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def format_utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _event(
    *,
    uid: str,
    stamp: dt.datetime,
    start: dt.datetime,
    end: dt.datetime,
    summary: str,
    description: str,
    location: str,
    url: str | None,
    cancelled: bool,
) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{format_utc(stamp)}",
        f"DTSTART:{format_utc(start)}",
        f"DTEND:{format_utc(end)}",
        f"SUMMARY:{escape_text(summary)}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    if url:
        # URI values are not TEXT: no backslash escaping, but never a raw line break.
        lines.append("URL:" + url.replace("\r", "").replace("\n", ""))
    lines.append(f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}")
    lines.append("END:VEVENT")
    return lines


def training_ics(training: Training, *, url: str | None = None) -> str:
    """The training as a calendar file (text/calendar; charset=utf-8).

    `url`: the absolute address of the training's page, if the caller knows it
    (request.build_absolute_uri()); it goes into URL and the description.
    """
    stamp = training.updated_at or timezone.now()
    cancelled = training.status == TrainingStatus.CANCELLED
    details = [f"{training.get_mode_display()} · {training.jp} JP"]
    if training.description:
        details.append(training.description)
    if training.online_url:
        details.append(f"Tautan daring: {training.online_url}")
    if url:
        details.append(url)
    description = "\n\n".join(details)
    location = training.place or training.online_url

    sessions = list(training.sessions.all())
    events: list[str] = []
    if sessions:
        for number, session in enumerate(sessions, start=1):
            title = session.title or f"Sesi {number}"
            events += _event(
                uid=f"training-{training.pk}-session-{session.pk}@{UID_DOMAIN}",
                stamp=stamp,
                start=session.start_at,
                end=session.end_at,
                summary=f"{training.title}: {title}",
                description=description,
                location=session.place or session.online_url or location,
                url=url,
                cancelled=cancelled,
            )
    else:
        events += _event(
            uid=f"training-{training.pk}@{UID_DOMAIN}",
            stamp=stamp,
            start=training.start_at,
            end=training.end_at,
            summary=training.title,
            description=description,
            location=location,
            url=url,
            cancelled=cancelled,
        )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        *events,
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)
