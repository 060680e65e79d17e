"""The training's calendar file: RFC 5545 line endings, folding, escaping and UTC times."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.training.factories import TrainingFactory
from training.ics import escape_text, fold, training_ics
from training.models import TrainingStatus

pytestmark = pytest.mark.django_db

JAKARTA = dt.timezone(dt.timedelta(hours=7))


def unfold(text: str) -> list[str]:
    """Content lines as RFC 5545 3.1 defines them: CRLF + one space/tab continues a line."""
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    return text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]


def properties(lines: list[str], component: str = "VEVENT") -> list[dict[str, str]]:
    events, current = [], None
    for line in lines:
        if line == f"BEGIN:{component}":
            current = {}
        elif line == f"END:{component}":
            events.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name] = value
    return events


def test_training_ics_one_event_utc_times():
    training = TrainingFactory(
        title="Pelatihan Perancangan",
        start_at=dt.datetime(2031, 3, 10, 8, 0, tzinfo=JAKARTA),
        end_at=dt.datetime(2031, 3, 10, 16, 0, tzinfo=JAKARTA),
        registration_opens_at=None,
        registration_closes_at=None,
    )

    lines = unfold(training_ics(training, url="https://rb.example/trainings/x/"))

    assert lines[:5] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Rumah Belajar//Pelatihan//ID",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    assert lines[-1] == "END:VCALENDAR"
    (event,) = properties(lines)
    assert event["DTSTART"] == "20310310T010000Z"
    assert event["DTEND"] == "20310310T090000Z"
    assert event["SUMMARY"] == "Pelatihan Perancangan"
    assert event["UID"] == f"training-{training.pk}@rumahbelajar.id"
    assert event["URL"] == "https://rb.example/trainings/x/"
    assert event["STATUS"] == "CONFIRMED"
    assert event["DTSTAMP"].endswith("Z")


def test_training_ics_lines_at_most_75_octets():
    training = TrainingFactory(
        title="Pelatihan Pelayanan Publik Berbasis HAM — angkatan khusus " * 3,
        description="Materi: é, ü, 日本語 " * 30,
    )

    text = training_ics(training)

    assert max(len(line.encode("utf-8")) for line in text.split("\r\n")) <= 75
    assert properties(unfold(text))[0]["SUMMARY"] == escape_text(training.title)


def test_training_ics_special_characters_escaped():
    training = TrainingFactory(
        title="Hukum; HAM, dan \\ pelayanan",
        description="Baris satu\nBaris dua",
        place="Aula A, Lantai 2; Depok",
    )

    event = properties(unfold(training_ics(training)))[0]

    assert event["SUMMARY"] == "Hukum\\; HAM\\, dan \\\\ pelayanan"
    assert event["LOCATION"] == "Aula A\\, Lantai 2\\; Depok"
    assert "Baris satu\\nBaris dua" in event["DESCRIPTION"]


def test_training_ics_sessions_one_event_each():
    training = TrainingFactory(title="Blended")
    first = training.sessions.create(
        title="Tatap muka",
        start_at=dt.datetime(2031, 3, 10, 8, tzinfo=JAKARTA),
        end_at=dt.datetime(2031, 3, 10, 12, tzinfo=JAKARTA),
    )
    second = training.sessions.create(
        start_at=dt.datetime(2031, 3, 11, 8, tzinfo=JAKARTA),
        end_at=dt.datetime(2031, 3, 11, 12, tzinfo=JAKARTA),
    )

    events = properties(unfold(training_ics(training)))

    assert [(e["UID"], e["SUMMARY"], e["DTSTART"]) for e in events] == [
        (
            f"training-{training.pk}-session-{first.pk}@rumahbelajar.id",
            "Blended: Tatap muka",
            "20310310T010000Z",
        ),
        (
            f"training-{training.pk}-session-{second.pk}@rumahbelajar.id",
            "Blended: Sesi 2",
            "20310311T010000Z",
        ),
    ]


def test_training_ics_cancelled_training_status_cancelled():
    training = TrainingFactory(status=TrainingStatus.CANCELLED)

    event = properties(unfold(training_ics(training)))[0]

    assert event["STATUS"] == "CANCELLED"


def test_fold_multibyte_never_split():
    line = "DESCRIPTION:" + "日" * 60

    folded = fold(line)

    assert folded.replace("\r\n ", "") == line
    assert all(len(part.encode("utf-8")) <= 75 for part in folded.split("\r\n"))
